/**
 * One sealed segment → plaintext with node:crypto (format.ts), and the unit header: the reference
 * the native opener (native/open-segments.c) must agree with, and its fallback.
 */
import { createDecipheriv } from 'node:crypto';
import { HEADER_BYTES, MAGIC, TAG_BYTES, segmentAad, segmentIv } from './format.js';

export type Piece =
  /** A unit header: sets the IV base of the segments that follow. */
  | { kind: 'header' }
  /** The IV base of the following segments, known already (no stored bytes). */
  | { kind: 'iv'; ivBase: Buffer }
  /** One sealed segment (`length` stored bytes, tag included); plaintext [keepFrom, keepTo) is passed on. */
  | { kind: 'segment'; index: number; last: boolean; length: number; keepFrom: number; keepTo: number };

/** Thrown (as a stream error) when stored bytes fail authentication. */
export class SealBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealBroken';
  }
}

/** The stored bytes end before, or go on after, the pieces their layout describes. */
export function layoutMismatch(): SealBroken {
  return new SealBroken('stored object is shorter or longer than its layout says');
}

export function openSegment(dataKey: Buffer, ivBase: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new SealBroken(`segment ${index} is truncated`);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, segmentIv(ivBase, index));
  decipher.setAAD(segmentAad(index, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    throw new SealBroken(`segment ${index} failed authentication (stored bytes changed, or the wrong key)`);
  }
  return plain;
}

export function parseUnitHeader(header: Buffer): Buffer {
  if (header.length !== HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealBroken('not an encrypted unit header');
  return Buffer.from(header.subarray(MAGIC.length));
}
