/**
 * The functions configuration (functions.yaml), written once: every field's type, limits and
 * default. The TypeScript types are inferred from it; config/load.ts formats its issues.
 * Names and defaults follow Lambda where a Lambda setting exists:
 * timeout https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (default 3 s, max 900 s),
 * retries https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html (0–2, default 2),
 * onFailure https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html,
 * concurrency https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html (reserved concurrency).
 */
import * as z from 'zod';

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

const isAmqpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'amqp:' || u.protocol === 'amqps:';
  } catch {
    return false;
  }
};

const httpUrl = z.string().refine(isHttpUrl, { error: 'must be an http(s) URL' });

/** Lambda's function-name rule: letters, digits, hyphens, underscores, 1–64 characters. */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const credentials = z.strictObject({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
});

const originSchema = z.strictObject({
  /** The S3 API endpoint the functions' context.s3 clients talk to. */
  endpoint: httpUrl,
  region: z.string().min(1).default('us-east-1'),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
});

const webhookTrigger = z.strictObject({
  type: z.literal('webhook'),
  /** The URL path of this function on the runtime's listener (default `/<name>`). */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'must start with / and hold only URL path characters' })
    .optional(),
  /**
   * A request must carry `Authorization: Bearer <authToken>` (the origin's webhook destination
   * sends its `authToken` so); without it anyone who reaches the listener can invoke the function.
   */
  authToken: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
});

const amqpTrigger = z.strictObject({
  type: z.literal('amqp'),
  url: z.string().refine(isAmqpUrl, { error: 'must be an amqp:// or amqps:// URL' }),
  queue: z.string().min(1).max(255),
  /** Binds the queue to this exchange (the origin's amqp destination publishes to an exchange); the exchange must exist. */
  exchange: z.string().min(1).max(255).optional(),
  /** The binding's routing key pattern (default `#`: everything, on a topic exchange). */
  routingKey: z.string().max(255).default('#'),
});

const onFailureSchema = z.union([z.strictObject({ type: z.literal('webhook'), url: httpUrl }), z.strictObject({ type: z.literal('file'), path: z.string().min(1) })]);

const functionSchema = z.strictObject({
  name: z.string().regex(FUNCTION_NAME, { error: 'must be 1–64 letters, digits, hyphens or underscores (Lambda function name)' }),
  /** `file.mjs` (export `handler`) or `file.mjs#exportName`, relative to the configuration file. */
  handler: z.string().min(1),
  trigger: z.discriminatedUnion('type', [webhookTrigger, amqpTrigger], { error: 'must be { type: webhook } or { type: amqp, url, queue }' }),
  /** Maximum invocations in flight (Lambda reserved concurrency). */
  concurrency: z.int().min(1).max(1000).default(1),
  /** Seconds before an attempt is stopped (its worker thread terminated). */
  timeout: z.number().min(0.01).max(900).default(3),
  /** Attempts after the first one fails (Lambda asynchronous invocation: 0–2). */
  retries: z.int().min(0).max(2).default(2),
  /** Milliseconds before the first retry, doubled for each next one. Lambda waits 1 and 2 minutes. */
  retryDelay: z.int().min(0).max(600_000).default(1000),
  /** MiB of JavaScript heap per execution environment (Lambda's memory setting; native memory, such as sharp's, is not counted). */
  memorySize: z.int().min(128).max(10_240).default(512),
  onFailure: onFailureSchema.optional(),
  /** Environment variables of the function (its worker's process.env). */
  environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  /** context.s3 signs with these instead of origin's credentials (the function's own role). */
  credentials: credentials.optional(),
  /** Events waiting for a free slot beyond which the webhook trigger answers 503 (the sender retries later). */
  maxQueued: z.int().min(0).max(100_000).default(1000),
});

export const functionsConfigSchema = z
  .strictObject({
    origin: originSchema,
    /** The webhook triggers' HTTP listener (127.0.0.1 by default). */
    listen: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.int().min(0).max(65535).default(9300) }).default({ host: '127.0.0.1', port: 9300 }),
    functions: z.array(functionSchema).min(1, { error: 'list at least one function' }),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    const paths = new Set<string>();
    config.functions.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['functions', i, 'name'], message: `duplicate function name '${f.name}'` });
      names.add(f.name);
      if (f.trigger.type === 'webhook') {
        const path = f.trigger.path ?? `/${f.name}`;
        if (paths.has(path)) ctx.addIssue({ code: 'custom', path: ['functions', i, 'trigger', 'path'], message: `path ${path} is used by another function` });
        paths.add(path);
      }
    });
  });

export type FunctionsConfig = z.output<typeof functionsConfigSchema>;
export type FunctionConfig = FunctionsConfig['functions'][number];
export type OnFailureConfig = NonNullable<FunctionConfig['onFailure']>;
/** What a caller passes (defaults not yet filled in). */
export type FunctionsConfigInput = z.input<typeof functionsConfigSchema>;
