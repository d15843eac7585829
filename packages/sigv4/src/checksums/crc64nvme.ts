/**
 * CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones,
 * slicing-by-8 over two 32-bit halves (no BigInt in the loop).
 * Check value for "123456789": ae8b14860a799888.
 */

const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5;
// Int32Array keeps every value a small integer for V8 (Uint32 values >= 2^31 become doubles).
const LO = new Int32Array(8 * 256);
const HI = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let lo = n;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const lsb = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (lsb) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  LO[n] = lo;
  HI[n] = hi;
}
for (let n = 0; n < 256; n++) {
  let lo = LO[n] as number;
  let hi = HI[n] as number;
  for (let k = 1; k < 8; k++) {
    const idx = lo & 0xff;
    const nlo = ((lo >>> 8) | (hi << 24)) >>> 0;
    const nhi = hi >>> 8;
    lo = (nlo ^ (LO[idx] as number)) >>> 0;
    hi = (nhi ^ (HI[idx] as number)) >>> 0;
    LO[k * 256 + n] = lo;
    HI[k * 256 + n] = hi;
  }
}

/** Running CRC-64/NVME state as two unsigned 32-bit halves (already inverted). */
export interface Crc64State {
  hi: number;
  lo: number;
}

export function crc64nvmeInit(): Crc64State {
  return { hi: 0xffffffff, lo: 0xffffffff };
}

export function crc64nvmeUpdate(state: Crc64State, data: Uint8Array): void {
  let lo = state.lo;
  let hi = state.hi;
  let i = 0;
  const n8 = data.length - (data.length % 8);
  while (i < n8) {
    lo ^= (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    hi ^= (data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24);
    const a = 7 * 256 + (lo & 0xff);
    const b = 6 * 256 + ((lo >>> 8) & 0xff);
    const c = 5 * 256 + ((lo >>> 16) & 0xff);
    const d = 4 * 256 + (lo >>> 24);
    const e = 3 * 256 + (hi & 0xff);
    const f = 2 * 256 + ((hi >>> 8) & 0xff);
    const g = 256 + ((hi >>> 16) & 0xff);
    const h = hi >>> 24;
    lo = (LO[a] as number) ^ (LO[b] as number) ^ (LO[c] as number) ^ (LO[d] as number) ^ (LO[e] as number) ^ (LO[f] as number) ^ (LO[g] as number) ^ (LO[h] as number);
    hi = (HI[a] as number) ^ (HI[b] as number) ^ (HI[c] as number) ^ (HI[d] as number) ^ (HI[e] as number) ^ (HI[f] as number) ^ (HI[g] as number) ^ (HI[h] as number);
    i += 8;
  }
  while (i < data.length) {
    const idx = (lo ^ (data[i] as number)) & 0xff;
    const nlo = (lo >>> 8) | (hi << 24) | 0;
    const nhi = hi >>> 8;
    lo = nlo ^ (LO[idx] as number);
    hi = nhi ^ (HI[idx] as number);
    i++;
  }
  state.lo = lo >>> 0;
  state.hi = hi >>> 0;
}

/** The final value as 8 big-endian bytes. */
export function crc64nvmeDigest(state: Crc64State): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32BE(~state.hi >>> 0, 0);
  out.writeUInt32BE(~state.lo >>> 0, 4);
  return out;
}

export function crc64nvme(data: Uint8Array): Buffer {
  const s = crc64nvmeInit();
  crc64nvmeUpdate(s, data);
  return crc64nvmeDigest(s);
}
