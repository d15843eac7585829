/**
 * Outbox batch ids: `<ms time, 12 hex>-<counter, 8 hex>-<random, 8 hex>`. Fixed width, so ids sort
 * as strings in append order within one process (the clock is never allowed to step back below the
 * last id) and after a restart (a later time); the random part, drawn once per process, keeps two
 * processes that share a partition by mistake from overwriting each other's batches (a draw per id
 * cost more than the rest of the id).
 */
import { randomBytes } from 'node:crypto';

const PROCESS_NONCE = randomBytes(4).toString('hex');
let lastMs = 0;
let counter = 0;

export function newOutboxBatchId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    counter++;
    if (counter > 0xffffffff) {
      lastMs++;
      counter = 0;
    }
  }
  return `${lastMs.toString(16).padStart(12, '0')}-${counter.toString(16).padStart(8, '0')}-${PROCESS_NONCE}`;
}
