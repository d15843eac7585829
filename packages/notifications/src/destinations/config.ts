/**
 * The configuration of a notification destination, as the origin's configuration file declares it
 * under `notifications.destinations[]` (docs/notifications.md, "Destinations").
 *
 * A bucket's NotificationConfiguration names a destination by ARN, as S3 does with an SQS queue,
 * an SNS topic or a Lambda function (QueueArn, TopicArn, LambdaFunctionArn):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_NotificationConfiguration.html
 * Here each such ARN is bound to a broker of our own (`type`). Unknown fields are refused, so a
 * typo is an error at start rather than a silently ignored setting.
 */
import * as z from 'zod';

/** `arn:<partition>:(sqs|sns|lambda):<region>:<account>:<name>`, e.g. `arn:bucketfront:sqs:us-east-1:000000000000:uploads`. */
export const DESTINATION_ARN = /^arn:[A-Za-z0-9-]+:(sqs|sns|lambda):[A-Za-z0-9-]+:[0-9]+:[A-Za-z0-9._:@-]+$/;

export const DEFAULT_TIMEOUT_MS = 5000;

const nonEmpty = (what: string) => z.string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be ${what}`) }).min(1, { error: 'must not be empty' });

/** A URL whose scheme is one of `schemes` (`amqp:` …), with a host. */
const urlWith = (schemes: string[]) =>
  nonEmpty(`a ${schemes.join(' or ')} URL`).refine(
    (value) => {
      try {
        const url = new URL(value);
        return schemes.includes(url.protocol.slice(0, -1)) && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: `must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL with a host` },
  );

const common = {
  arn: nonEmpty('an ARN').regex(DESTINATION_ARN, { error: 'must look like arn:<partition>:(sqs|sns|lambda):<region>:<account>:<name>' }),
  /** Bounds each broker operation (connecting, one publish or POST, the wait for acknowledgements, a transaction). */
  timeoutMs: z
    .number({ error: 'must be a number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .min(1, { error: 'must be 1–600000 ms' })
    .max(600_000, { error: 'must be 1–600000 ms' })
    .default(DEFAULT_TIMEOUT_MS),
};

const webhook = z.strictObject({
  ...common,
  type: z.literal('webhook'),
  url: urlWith(['http', 'https']),
  /** Sent as `Authorization: Bearer <authToken>`. */
  authToken: nonEmpty('a string').optional(),
  /** PEM file of certificate authorities trusted for an https URL, besides the usual public ones. */
  caFile: nonEmpty('a file path').optional(),
});

const amqp = z
  .strictObject({
    ...common,
    type: z.literal('amqp'),
    url: urlWith(['amqp', 'amqps']),
    /** '' is the default exchange, which routes by queue name (the routing key names the queue). */
    exchange: z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be an exchange name') }),
    routingKey: z.string({ error: 'must be a string' }).default(''),
    declareExchange: z.boolean({ error: 'must be true or false' }).default(false),
    exchangeType: z.enum(['topic', 'direct', 'fanout', 'headers'], { error: 'must be topic, direct, fanout or headers' }).default('topic'),
  })
  .refine((amqp) => !(amqp.declareExchange && amqp.exchange === ''), { error: 'the default exchange ("") always exists and cannot be declared', path: ['exchange'] });

const nats = z.strictObject({
  ...common,
  type: z.literal('nats'),
  servers: z.union([urlWith(['nats', 'tls']), z.array(urlWith(['nats', 'tls'])).min(1, { error: 'must name at least one server' })], {
    error: 'must be a nats:// URL or a list of them',
  }),
  subject: nonEmpty('a subject').regex(/^[^\s*>]+$/, { error: 'must be a subject without spaces or wildcards' }),
  /** A JetStream stream capturing `subject`, created when missing; without it the subject must already be captured by a stream. */
  stream: nonEmpty('a stream name')
    .regex(/^[^\s.*>/\\]+$/, { error: 'must be a stream name (no spaces, dots, wildcards or slashes)' })
    .optional(),
});

const mqtt = z.strictObject({
  ...common,
  type: z.literal('mqtt'),
  url: urlWith(['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss']),
  topic: nonEmpty('a topic').regex(/^[^#+]+$/, { error: 'must be a topic name without wildcards (+, #)' }),
  clientId: nonEmpty('a client identifier').optional(),
  username: nonEmpty('a user name').optional(),
  password: z.string({ error: 'must be a string' }).optional(),
});

const redis = z.strictObject({
  ...common,
  type: z.literal('redis'),
  url: urlWith(['redis', 'rediss']),
  stream: nonEmpty('a stream key'),
  /** `XADD … MAXLEN ~ maxLen`: the stream is trimmed approximately to about this many entries. */
  maxLen: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
});

const postgres = z.strictObject({
  ...common,
  type: z.literal('postgres'),
  connectionString: urlWith(['postgres', 'postgresql']),
  /** A table name, optionally schema-qualified (`events` or `audit.events`). */
  table: nonEmpty('a table name').regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, {
    error: 'must be a table name (letters, digits, _; optionally schema.table)',
  }),
  format: z.enum(['log', 'namespace'], { error: 'must be log or namespace' }).default('log'),
});

export const destinationConfigSchema = z.discriminatedUnion('type', [webhook, amqp, nats, mqtt, redis, postgres], {
  error: (iss) => (iss.input === undefined ? 'is required' : 'must be one of webhook, amqp, nats, mqtt, redis, postgres'),
});

export type DestinationConfig = z.output<typeof destinationConfigSchema>;
export type WebhookDestinationConfig = z.output<typeof webhook>;
export type AmqpDestinationConfig = z.output<typeof amqp>;
export type NatsDestinationConfig = z.output<typeof nats>;
export type MqttDestinationConfig = z.output<typeof mqtt>;
export type RedisDestinationConfig = z.output<typeof redis>;
export type PostgresDestinationConfig = z.output<typeof postgres>;

/** Every problem of a destinations list, one line each, naming the field (`notifications.destinations[2].url: …`). */
export class DestinationConfigError extends Error {
  override name = 'DestinationConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid notification destinations:\n  ${problems.join('\n  ')}`);
  }
}

const ROOT = 'notifications.destinations';

function pathOf(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${ROOT}${pathOf([...issue.path, key])}: is not a known field`).join('\n  ');
  return `${ROOT}${pathOf(issue.path)}: ${issue.message}`;
}

/**
 * Validates `notifications.destinations` (absent = none) and fills the defaults.
 * Throws a DestinationConfigError listing every problem, each with its field path.
 */
export function parseDestinationsConfig(raw: unknown): DestinationConfig[] {
  if (raw === undefined || raw === null) return [];
  const result = z.array(destinationConfigSchema, { error: 'must be a list of destinations' }).safeParse(raw);
  if (!result.success) throw new DestinationConfigError(result.error.issues.map(problemOf));
  const problems: string[] = [];
  const seen = new Map<string, number>();
  result.data.forEach((destination, index) => {
    const first = seen.get(destination.arn);
    if (first !== undefined) problems.push(`${ROOT}[${index}].arn: ${destination.arn} is already the arn of ${ROOT}[${first}]`);
    else seen.set(destination.arn, index);
  });
  if (problems.length > 0) throw new DestinationConfigError(problems);
  return result.data;
}
