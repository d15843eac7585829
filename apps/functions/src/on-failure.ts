/**
 * The error destination (Lambda's on-failure destination for asynchronous invocations): once
 * every attempt failed, one record with the event, the error and the attempt count goes to a
 * webhook or a JSON-lines file. The record has Lambda's shape:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-async-destinations
 * Recording must succeed before the event counts as handled: a record that cannot be written
 * makes the trigger refuse the event (HTTP 5xx, AMQP nack), so the source delivers it again.
 */
import { open } from 'node:fs/promises';
import type { OnFailureConfig } from './config/schema.js';
import type { FunctionError } from './worker/protocol.js';

export interface FailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    /** RetriesExhausted (every attempt threw) or EventAgeExceeded is Lambda's; a timeout is RetriesExhausted too. */
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: FunctionError;
}

/** Our functions are not in an AWS account: the account id is all zeros. */
export function functionArn(region: string, name: string): string {
  return `arn:aws:lambda:${region}:000000000000:function:${name}`;
}

/** Appends are chained per file, so two records never interleave. */
const fileQueues = new Map<string, Promise<void>>();

async function appendLine(path: string, line: string): Promise<void> {
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.write(line);
    // On disk before the event is acknowledged.
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

const WEBHOOK_TIMEOUT_MS = 10_000;

export async function recordFailure(destination: OnFailureConfig, record: FailureRecord): Promise<void> {
  const line = `${JSON.stringify(record)}\n`;
  if (destination.type === 'file') {
    const previous = fileQueues.get(destination.path) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => appendLine(destination.path, line));
    fileQueues.set(destination.path, next);
    try {
      await next;
    } finally {
      if (fileQueues.get(destination.path) === next) fileQueues.delete(destination.path);
    }
    return;
  }
  const res = await fetch(destination.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: line,
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status > 299) throw new Error(`the error destination ${destination.url} answered ${res.status}`);
}
