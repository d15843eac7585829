/**
 * One configured function: Lambda's asynchronous-invocation semantics as far as they apply here
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
 * - at most `concurrency` attempts run at once; further events wait in a queue of `maxQueued`;
 * - an attempt that throws or outlives `timeout` is retried `retries` times, after `retryDelay`
 *   ms doubled each time (Lambda waits 1 then 2 minutes; the slot is freed while waiting);
 * - when every attempt failed, a record goes to `onFailure` (./on-failure.ts), or is only logged
 *   when there is none (Lambda discards the event).
 * `invoke` resolves once the event is handled (a success, or a failure recorded) and rejects when
 * it is not (the error destination failed, the runtime is closing, the queue is full), so the
 * trigger can leave the event with its source.
 */
import { randomUUID } from 'node:crypto';
import type { S3EventRecord } from '@bucketfront/notifications';
import type { FunctionConfig, FunctionsConfig } from './config/schema.js';
import { type FailureRecord, functionArn, recordFailure } from './on-failure.js';
import type { FunctionError, WorkerSetup } from './worker/protocol.js';
import { WorkerPool } from './worker/worker-pool.js';

/** One attempt's outcome, for the invocation log. */
export interface InvocationReport {
  functionName: string;
  awsRequestId: string;
  /** The first record's object key, decoded ('' when the event has none). */
  key: string;
  attempt: number;
  durationMs: number;
  outcome: 'success' | 'error' | 'timeout';
  error?: FunctionError;
  /** After an error: ms until the next attempt, or undefined when this was the last. */
  retryInMs?: number;
  /** After the last failed attempt: where the failure went ('' when there is no onFailure). */
  failureRecordedTo?: string;
  /** After the last failed attempt: why the failure record could not be written (the event stays with its source). */
  failureNotRecorded?: string;
}

export interface InvocationResult {
  awsRequestId: string;
  attempts: number;
  status: 'success' | 'failed';
  value?: unknown;
  error?: FunctionError;
}

/** What a function receives from an S3 trigger: https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html */
export interface S3Event {
  Records: S3EventRecord[];
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}
export class RuntimeClosingError extends Error {
  override name = 'RuntimeClosingError';
}

/** The decoded key of the event's first S3 record: keys arrive URL-encoded with `+` for spaces (docs.aws.amazon.com/lambda/latest/dg/with-s3.html). */
export function keyOfEvent(event: unknown): string {
  const key: unknown = (event as Partial<S3Event> | null)?.Records?.[0]?.s3?.object?.key;
  if (typeof key !== 'string') return '';
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

export class FunctionRunner {
  private readonly pool: WorkerPool;
  private running = 0;
  private readonly waiting: Array<{ go: () => void; stop: (err: Error) => void }> = [];
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; stop: (err: Error) => void }>();
  private closed = false;

  constructor(
    readonly config: FunctionConfig,
    private origin: FunctionsConfig['origin'],
    private readonly onReport: (report: InvocationReport) => void,
    onLog: (functionName: string, awsRequestId: string, line: string) => void,
  ) {
    this.pool = new WorkerPool({
      setup: this.setupFor(origin),
      environment: config.environment,
      memorySize: config.memorySize,
      onLog: (id, line) => onLog(config.name, id, line),
    });
  }

  private setupFor(origin: FunctionsConfig['origin']): WorkerSetup {
    const creds = this.config.credentials ?? { accessKeyId: origin.accessKeyId, secretAccessKey: origin.secretAccessKey };
    return {
      functionName: this.config.name,
      handler: this.config.handler,
      timeoutMs: Math.round(this.config.timeout * 1000),
      s3: { endpoint: origin.endpoint, region: origin.region, ...creds },
    };
  }

  /** Points context.s3 at another origin (or other credentials) from the next environment on. */
  setOrigin(origin: FunctionsConfig['origin']): void {
    this.origin = origin;
    this.pool.reconfigure(this.setupFor(origin));
  }

  get name(): string {
    return this.config.name;
  }

  /** Attempts running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Events waiting for a free slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** True when one more event would exceed maxQueued (the trigger then refuses it). */
  get full(): boolean {
    return this.running >= this.config.concurrency && this.waiting.length >= this.config.maxQueued;
  }

  private acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new RuntimeClosingError('the function runtime is shutting down'));
    if (this.running < this.config.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({
        go: () => {
          this.running++;
          resolve();
        },
        stop: reject,
      });
    });
  }

  private release(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) next.go();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeping.delete(entry);
          resolve();
        }, ms),
        stop: reject,
      };
      this.sleeping.add(entry);
    });
  }

  /** Runs the event with retries; resolves when it is handled, rejects when it must stay with its source. */
  async invoke(event: unknown): Promise<InvocationResult> {
    if (this.closed) throw new RuntimeClosingError('the function runtime is shutting down');
    if (this.full) throw new QueueFullError(`${this.name}: ${this.waiting.length} events already wait for a free slot (maxQueued)`);
    const awsRequestId = randomUUID();
    const key = keyOfEvent(event);
    const attempts = this.config.retries + 1;
    const timeoutMs = Math.round(this.config.timeout * 1000);
    let lastError: FunctionError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await this.acquire();
      const started = performance.now();
      let result: Awaited<ReturnType<WorkerPool['run']>>;
      try {
        result = await this.pool.run(awsRequestId, event, timeoutMs);
      } finally {
        this.release();
      }
      if (this.closed) throw new RuntimeClosingError('the function runtime is shutting down');
      const durationMs = performance.now() - started;
      const base = { functionName: this.name, awsRequestId, key, attempt, durationMs };
      if (result.ok) {
        this.onReport({ ...base, outcome: 'success' });
        return { awsRequestId, attempts: attempt, status: 'success', value: result.value };
      }
      lastError = result.error;
      const outcome = result.timedOut ? 'timeout' : 'error';
      if (attempt < attempts) {
        const retryInMs = this.config.retryDelay * 2 ** (attempt - 1);
        this.onReport({ ...base, outcome, error: result.error, retryInMs });
        await this.sleep(retryInMs);
        continue;
      }
      const destination = this.config.onFailure;
      if (destination) {
        const record: FailureRecord = {
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: { requestId: awsRequestId, functionArn: functionArn(this.origin.region, this.name), condition: 'RetriesExhausted', approximateInvokeCount: attempt },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: result.error,
        };
        try {
          await recordFailure(destination, record);
        } catch (err) {
          // The event is then not handled: the trigger leaves it with its source.
          this.onReport({ ...base, outcome, error: result.error, failureNotRecorded: (err as Error).message });
          throw err;
        }
      }
      const failureRecordedTo = destination ? (destination.type === 'file' ? destination.path : destination.url) : '';
      this.onReport({ ...base, outcome, error: result.error, failureRecordedTo });
    }
    return { awsRequestId, attempts, status: 'failed', ...(lastError ? { error: lastError } : {}) };
  }

  /** Refuses new events, stops waiting ones and terminates the running attempts. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new RuntimeClosingError('the function runtime is shutting down');
    for (const w of this.waiting.splice(0)) w.stop(closing);
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.stop(closing);
    }
    this.sleeping.clear();
    await this.pool.close();
  }
}
