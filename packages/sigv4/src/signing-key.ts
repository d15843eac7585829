/**
 * Signing key derivation with a small cache: the key depends only on the
 * secret, date, region and service, so it changes at most once a day per key.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#derive-signing-key
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

const MAX_CACHED_KEYS = 1024;
const cache = new Map<string, Buffer>();

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\u0000${date}\u0000${region}\u0000${service}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, 'aws4_request');
  if (cache.size >= MAX_CACHED_KEYS) cache.clear();
  cache.set(cacheKey, kSigning);
  return kSigning;
}

export function signHex(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Constant-time comparison of a computed hex signature with the provided one. */
export function signaturesEqual(computedHex: string, providedHex: string): boolean {
  if (!HEX64.test(providedHex)) return false;
  return timingSafeEqual(Buffer.from(computedHex, 'hex'), Buffer.from(providedHex, 'hex'));
}
