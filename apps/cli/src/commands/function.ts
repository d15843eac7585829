/**
 * `bucketfront function --config functions.yaml`: runs the functions (@bucketfront/functions,
 * docs/functions.md) until SIGINT/SIGTERM, one line per invocation attempt on stdout
 * (function, key, duration, outcome) and the handlers' context.log lines on stderr.
 */
import { UsageError } from '../util/errors.js';
import { untilSignal } from './servers.js';

export interface FunctionOpts {
  config?: string;
}

export async function functionCommand(o: FunctionOpts): Promise<number> {
  if (!o.config) throw new UsageError('give the functions configuration: bucketfront function --config functions.yaml (docs/functions.md)');
  const { FunctionsConfigError, formatInvocation, loadFunctionsConfig, startFunctions } = await import('@bucketfront/functions');
  let config: Awaited<ReturnType<typeof loadFunctionsConfig>>;
  try {
    config = await loadFunctionsConfig(o.config);
  } catch (err) {
    if (err instanceof FunctionsConfigError) throw new UsageError(err.message);
    throw err;
  }
  const err = (s: string) => process.stderr.write(`${s}\n`);
  const running = await startFunctions({
    config,
    onInvocation: (report) => process.stdout.write(`${formatInvocation(report)}\n`),
    log: err,
  });
  err(`bucketfront function (${config.functions.length} function${config.functions.length === 1 ? '' : 's'}, origin ${config.origin.endpoint})`);
  for (const f of config.functions) {
    const where = f.trigger.type === 'webhook' ? `webhook ${running.webhookUrlOf(f.name)}` : `amqp queue ${f.trigger.queue}`;
    err(`  ${f.name}: ${where} (concurrency ${f.concurrency}, timeout ${f.timeout} s, retries ${f.retries})`);
  }
  return untilSignal(() => running.close());
}
