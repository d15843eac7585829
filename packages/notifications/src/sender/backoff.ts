/**
 * Exponential backoff with full jitter: attempt n (1-based) waits a random time in
 * [0, min(max, initial · 2^(n-1))], so many lanes retrying one broker do not hit it in step.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export interface DeliveryPolicy {
  /** Deliveries tried per message before it is dead-lettered. Default 8. */
  maxAttempts: number;
  /** Default 200 ms. */
  initialBackoffMs: number;
  /** Default 30 s. */
  maxBackoffMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 8, initialBackoffMs: 200, maxBackoffMs: 30_000 };

export function backoffMs(policy: DeliveryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  // Never below a quarter of the ceiling: a retry storm with many near-zero waits helps nobody.
  return Math.round(ceiling / 4 + random() * ((ceiling * 3) / 4));
}
