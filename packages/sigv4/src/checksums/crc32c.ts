/**
 * CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, slicing-by-8.
 * Check value for "123456789": e3069283.
 */

const POLY = 0x82f63b78;
// Int32Array keeps every value a small integer for V8 (Uint32 values >= 2^31 become doubles).
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n] as number;
  for (let k = 1; k < 8; k++) {
    c = (T[c & 0xff] as number) ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

/** Continues a CRC-32C from `previous` (the finished value of the earlier bytes). */
export function crc32c(data: Uint8Array, previous = 0): number {
  let crc = ~previous | 0;
  let i = 0;
  const n8 = data.length - (data.length % 8);
  while (i < n8) {
    crc ^= (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    crc =
      (T[7 * 256 + (crc & 0xff)] as number) ^
      (T[6 * 256 + ((crc >>> 8) & 0xff)] as number) ^
      (T[5 * 256 + ((crc >>> 16) & 0xff)] as number) ^
      (T[4 * 256 + (crc >>> 24)] as number) ^
      (T[3 * 256 + (data[i + 4] as number)] as number) ^
      (T[2 * 256 + (data[i + 5] as number)] as number) ^
      (T[256 + (data[i + 6] as number)] as number) ^
      (T[data[i + 7] as number] as number);
    i += 8;
  }
  while (i < data.length) {
    crc = (T[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
