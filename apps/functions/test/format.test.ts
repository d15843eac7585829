/** The invocation log line of `bucketfront function`: function, key, duration, outcome. */
import { describe, expect, it } from 'vitest';
import { formatInvocation, type InvocationReport } from '../src/index.js';

const base: InvocationReport = { functionName: 'thumbs', awsRequestId: 'r', key: 'a b.jpg', attempt: 1, durationMs: 12.4, outcome: 'success' };
const error = { errorType: 'TypeError', errorMessage: 'bad' };

describe('formatInvocation', () => {
  it.each([
    [base, 'thumbs "a b.jpg" 12 ms attempt 1 success'],
    [{ ...base, outcome: 'error', error, retryInMs: 1000 }, 'thumbs "a b.jpg" 12 ms attempt 1 error TypeError: bad (retry in 1000 ms)'],
    [
      { ...base, attempt: 3, outcome: 'timeout', error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' }, failureRecordedTo: '/f.jsonl' },
      'thumbs "a b.jpg" 12 ms attempt 3 timeout Sandbox.Timedout: Task timed out after 3.00 seconds (failed; recorded to /f.jsonl)',
    ],
    [{ ...base, outcome: 'error', error, failureRecordedTo: '' }, 'thumbs "a b.jpg" 12 ms attempt 1 error TypeError: bad (failed; no onFailure destination: dropped)'],
    [
      { ...base, outcome: 'error', error, failureNotRecorded: 'EACCES' },
      'thumbs "a b.jpg" 12 ms attempt 1 error TypeError: bad (failed; the failure record could not be written: EACCES; the event stays with its source)',
    ],
  ] as Array<[InvocationReport, string]>)('%#', (report, line) => {
    expect(formatInvocation(report)).toBe(line);
  });
});
