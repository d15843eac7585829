/**
 * The execution environments of one function: worker threads running ./invoke-worker.ts, reused
 * while they stay healthy (a warm start) and terminated when an attempt times out or the thread
 * dies. The caller bounds how many attempts run at once, so the pool never holds more threads
 * than the function's concurrency.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FunctionError, InvokeMessage, WorkerMessage, WorkerSetup } from './protocol.js';

export type AttemptResult = { ok: true; value: unknown } | { ok: false; error: FunctionError; timedOut: boolean };

export interface WorkerPoolOptions {
  setup: WorkerSetup;
  /** The function's environment variables (its worker's own process.env). */
  environment: Record<string, string>;
  /** V8 heap limit of each worker, MiB (Lambda's memory setting, here only the JavaScript heap). */
  memorySize: number;
  onLog: (awsRequestId: string, line: string) => void;
}

/** Variables of the runtime a handler may need (the search path, locale, time zone); nothing else of the runtime's environment leaks in, its credentials included. */
const INHERITED_ENV = ['PATH', 'LANG', 'TZ', 'NODE_ENV', 'TMPDIR'];

function workerEnv(opts: WorkerPoolOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  // The variables Lambda defines: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
  env['AWS_LAMBDA_FUNCTION_NAME'] = opts.setup.functionName;
  env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = String(opts.memorySize);
  env['AWS_REGION'] = opts.setup.s3.region;
  env['AWS_DEFAULT_REGION'] = opts.setup.s3.region;
  return { ...env, ...opts.environment };
}

/** tsx's ESM API module (its `import` export of `tsx/esm/api`); found through its package.json, as vitest's transform has no import.meta.resolve. */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

function spawnWorker(opts: WorkerPoolOptions): Worker {
  const worker = newWorker(opts);
  // A handler's console output goes to the runtime's stderr: stdout carries the invocation log.
  worker.stdout.pipe(process.stderr, { end: false });
  return worker;
}

function newWorker(opts: WorkerPoolOptions): Worker {
  const here = fileURLToPath(import.meta.url);
  const common = {
    workerData: opts.setup,
    env: workerEnv(opts),
    resourceLimits: { maxOldGenerationSizeMb: opts.memorySize },
    stdout: true,
  };
  if (here.endsWith('.ts')) {
    // From sources (tests, `node --import tsx`): the worker registers the TypeScript loader before
    // it imports its entry (a Worker cannot be given `--import tsx` for its own entry file).
    const entry = new URL('./invoke-worker.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(code, { ...common, eval: true, execArgv: ['--conditions=source'] });
  }
  return new Worker(new URL('./invoke-worker.js', import.meta.url), common);
}

/** Lambda's limit for the init phase. */
const INIT_TIMEOUT_MS = 10_000;

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private closed = false;

  constructor(private opts: WorkerPoolOptions) {}

  /** Environments started from now on use `setup`; idle ones (started with the old one) are ended. */
  reconfigure(setup: WorkerSetup): void {
    this.opts = { ...this.opts, setup };
    for (const w of this.idle.splice(0)) void w.terminate();
  }

  /** Threads alive (idle or running an attempt). */
  get size(): number {
    return this.idle.length + this.busy.size;
  }

  /** A fresh environment once its init phase is over; rejects with the init error (the thread is then gone). */
  private start(): Promise<Worker> {
    const worker = spawnWorker(this.opts);
    this.busy.add(worker);
    // An environment may die while idle (a handler's timer throws or calls process.exit after it
    // answered): it leaves the pool, and its 'error' is never an unhandled event of the runtime.
    worker.on('error', () => {});
    worker.once('exit', () => {
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return new Promise((resolve, reject) => {
      const fail = (error: FunctionError) => {
        cleanup();
        this.busy.delete(worker);
        void worker.terminate();
        reject(Object.assign(new Error(error.errorMessage), { functionError: error }));
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'ready') {
          cleanup();
          resolve(worker);
        } else if (m.type === 'init-error') fail(m.error);
      };
      const onError = (err: Error) => fail({ errorType: 'Runtime.ExitError', errorMessage: `the function's environment crashed during init: ${err.message}` });
      const onExit = (code: number) => fail({ errorType: 'Runtime.ExitError', errorMessage: `the function's environment exited with code ${code} during init` });
      const timer = setTimeout(() => fail({ errorType: 'Runtime.InitTimeout', errorMessage: `init did not finish within ${INIT_TIMEOUT_MS / 1000} seconds` }), INIT_TIMEOUT_MS);
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  }

  /**
   * Runs one attempt; resolves (never rejects) with the handler's result or its error. The
   * timeout counts from the moment a ready environment receives the event: as in Lambda, the
   * init phase (importing the module) is not part of it.
   */
  async run(awsRequestId: string, event: unknown, timeoutMs: number): Promise<AttemptResult> {
    const closed: AttemptResult = { ok: false, error: { errorType: 'Runtime.Closed', errorMessage: 'the function runtime is shutting down' }, timedOut: false };
    if (this.closed) return closed;
    let worker = this.idle.pop();
    if (worker) this.busy.add(worker);
    else {
      try {
        worker = await this.start();
      } catch (err) {
        const error = (err as { functionError?: FunctionError }).functionError ?? { errorType: 'Runtime.ExitError', errorMessage: (err as Error).message };
        return { ok: false, error, timedOut: false };
      }
      if (this.closed) return closed;
    }
    const w = worker;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult, reusable: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        this.busy.delete(w);
        if (reusable && !this.closed) this.idle.push(w);
        else void w.terminate();
        resolve(result);
      };
      const onMessage = (m: WorkerMessage) => {
        if (!('awsRequestId' in m) || m.awsRequestId !== awsRequestId) return;
        if (m.type === 'log') this.opts.onLog(awsRequestId, m.line);
        else if (m.ok) finish({ ok: true, value: m.value }, true);
        else finish({ ok: false, error: m.error, timedOut: false }, true);
      };
      // An uncaught exception or an unhandled rejection in the handler's code kills its environment (as in Lambda).
      const onError = (err: Error) => finish({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: `the function's environment crashed: ${err.message}` }, timedOut: false }, false);
      const onExit = (code: number) => finish({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: `the function's environment exited with code ${code}` }, timedOut: false }, false);
      // The attempt's deadline: the worker is terminated, whatever the handler is doing (a busy loop included).
      // Lambda's message: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
      const timer = setTimeout(
        () => finish({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` }, timedOut: true }, false),
        timeoutMs,
      );
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      const message: InvokeMessage = { type: 'invoke', awsRequestId, event, deadline: Date.now() + timeoutMs };
      w.postMessage(message);
    });
  }

  /** Terminates every thread (an attempt still running resolves as an exit error). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }
}
