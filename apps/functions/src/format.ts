import type { InvocationReport } from './function-runner.js';

/** One log line per attempt: function, key, duration, outcome (`bucketfront function` prints these). */
export function formatInvocation(r: InvocationReport): string {
  const head = `${r.functionName} ${JSON.stringify(r.key)} ${r.durationMs.toFixed(0)} ms attempt ${r.attempt}`;
  if (r.outcome === 'success') return `${head} success`;
  const why = `${r.outcome} ${r.error?.errorType ?? 'Error'}: ${r.error?.errorMessage ?? ''}`;
  if (r.retryInMs !== undefined) return `${head} ${why} (retry in ${r.retryInMs} ms)`;
  if (r.failureNotRecorded !== undefined) return `${head} ${why} (failed; the failure record could not be written: ${r.failureNotRecorded}; the event stays with its source)`;
  return `${head} ${why} (failed; ${r.failureRecordedTo ? `recorded to ${r.failureRecordedTo}` : 'no onFailure destination: dropped'})`;
}
