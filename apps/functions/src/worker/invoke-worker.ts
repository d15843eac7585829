/**
 * One function's execution environment: a worker thread that imports the user's module once
 * (Lambda's init phase) and runs one invocation at a time. The runtime terminates the thread when
 * an attempt outlives its timeout, so a handler that never returns is really stopped.
 * The Node.js handler contract: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
 * (an async `handler(event, context)`; the returned value is the result, a throw the error).
 */
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { S3Client } from '@aws-sdk/client-s3';
import type { FunctionError, InvokeMessage, WorkerMessage, WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;

/** Created once per environment and reused across invocations, as Lambda code keeps its clients. */
const s3 = new S3Client({
  endpoint: setup.s3.endpoint,
  region: setup.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: setup.s3.accessKeyId, secretAccessKey: setup.s3.secretAccessKey },
});

type Handler = (event: unknown, context: unknown) => unknown;

async function loadHandler(): Promise<Handler> {
  const hash = setup.handler.lastIndexOf('#');
  const file = hash < 0 ? setup.handler : setup.handler.slice(0, hash);
  const name = hash < 0 ? 'handler' : setup.handler.slice(hash + 1);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') throw Object.assign(new Error(`${file} does not export a function '${name}'`), { name: 'Runtime.HandlerNotFound' });
  return fn as Handler;
}

function errorOf(err: unknown): FunctionError {
  if (err instanceof Error)
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      ...(err.stack
        ? {
            stackTrace: err.stack
              .split('\n')
              .slice(1)
              .map((l) => l.trim()),
          }
        : {}),
    };
  return { errorType: 'Error', errorMessage: typeof err === 'string' ? err : format('%o', err) };
}

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

/** A result must survive structured cloning; anything else becomes its JSON form, as Lambda serialises it. */
function cloneable(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}

// The init phase (Lambda's, limited to 10 s: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib):
// the module is imported before the first invocation, outside its timeout.
const handlerPromise = loadHandler();
handlerPromise.then(
  () => post({ type: 'ready' }),
  (err: unknown) => post({ type: 'init-error', error: errorOf(err) }),
);

port.on('message', async (msg: InvokeMessage) => {
  const { awsRequestId, deadline } = msg;
  const log = (...args: unknown[]) => post({ type: 'log', awsRequestId, line: format(...args) });
  const context = {
    functionName: setup.functionName,
    awsRequestId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    s3,
    log,
  };
  try {
    const handler = await handlerPromise;
    const value = await handler(msg.event, context);
    post({ type: 'result', awsRequestId, ok: true, value: cloneable(value) });
  } catch (err) {
    post({ type: 'result', awsRequestId, ok: false, error: errorOf(err) });
  }
});
