/**
 * `startFunctions(config)`: one runner per configured function (./function-runner.ts), the
 * webhook listener for the functions triggered by HTTP and one AMQP consumer per queue-triggered
 * function. docs/functions.md describes the semantics.
 */
import type { FunctionsConfig, FunctionsConfigInput } from './config/schema.js';
import { validateFunctionsConfig } from './config/load.js';
import { FunctionRunner, type InvocationReport } from './function-runner.js';
import { type AmqpTrigger, startAmqpTrigger } from './triggers/amqp.js';
import { startWebhookTrigger, type WebhookTrigger } from './triggers/webhook.js';

export interface StartFunctionsOptions {
  /** A validated configuration (loadFunctionsConfig) or a raw one (validated here; handler paths relative to `baseDir`). */
  config: FunctionsConfig | FunctionsConfigInput;
  baseDir?: string;
  /** Every attempt's outcome (the CLI logs one line each). */
  onInvocation?: (report: InvocationReport) => void;
  /** A handler's context.log and the triggers' notices. */
  log?: (line: string) => void;
}

export interface RunningFunctions {
  /** The webhook listener (`http://127.0.0.1:PORT`); a function's URL is `${url}/<name>`. Undefined when no function has a webhook trigger. */
  webhookUrl: string | undefined;
  /** The URL the origin's webhook destination posts to for this function. */
  webhookUrlOf(functionName: string): string;
  runners: ReadonlyMap<string, FunctionRunner>;
  /**
   * Points every function's context.s3 at `origin` from the next execution environment on: for a
   * process that starts the runtime before the origin it serves (the origin's webhook destination
   * needs the runtime's URL; `bucketfront dev` does this).
   */
  setOrigin(origin: { endpoint: string; region?: string; accessKeyId: string; secretAccessKey: string }): void;
  close(): Promise<void>;
}

export async function startFunctions(opts: StartFunctionsOptions): Promise<RunningFunctions> {
  const config = validateFunctionsConfig(opts.config, opts.baseDir);
  const log = opts.log ?? ((line: string) => console.log(line));
  const onInvocation = opts.onInvocation ?? (() => undefined);
  const runners = new Map<string, FunctionRunner>();
  for (const f of config.functions) {
    runners.set(f.name, new FunctionRunner(f, config.origin, onInvocation, (name, id, line) => log(`${name} ${id} ${line}`)));
  }
  let webhook: WebhookTrigger | undefined;
  const consumers: AmqpTrigger[] = [];
  const close = async () => {
    // Triggers first: nothing new arrives, unacknowledged messages return to their queues.
    await Promise.all(consumers.map((c) => c.close()));
    await webhook?.close();
    await Promise.all([...runners.values()].map((r) => r.close()));
  };
  try {
    if (config.functions.some((f) => f.trigger.type === 'webhook')) webhook = await startWebhookTrigger([...runners.values()], config.listen);
    for (const r of runners.values()) if (r.config.trigger.type === 'amqp') consumers.push(await startAmqpTrigger(r, log));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    webhookUrl: webhook?.url,
    webhookUrlOf(name) {
      const r = runners.get(name);
      if (!webhook || r?.config.trigger.type !== 'webhook') throw new Error(`no function '${name}' with a webhook trigger`);
      return `${webhook.url}${r.config.trigger.path ?? `/${name}`}`;
    },
    runners,
    setOrigin(origin) {
      for (const r of runners.values()) r.setOrigin({ region: config.origin.region, ...origin });
    },
    close,
  };
}
