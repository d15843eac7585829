import { DestinationConfigError, parseDestinationsConfig } from '@bucketfront/notifications';
import { describe, expect, it } from 'vitest';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:uploads';

function problemsOf(raw: unknown): string[] {
  try {
    parseDestinationsConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(DestinationConfigError);
    return (error as DestinationConfigError).problems;
  }
  throw new Error('expected a DestinationConfigError');
}

describe('parseDestinationsConfig', () => {
  it('accepts one destination of each type and fills the defaults', () => {
    const parsed = parseDestinationsConfig([
      { arn: ARN, type: 'webhook', url: 'https://hooks.example/s3', authToken: 't' },
      { arn: 'arn:aws:sns:eu-west-1:123456789012:topic', type: 'amqp', url: 'amqp://guest:guest@127.0.0.1:5672', exchange: 's3', routingKey: 'events' },
      { arn: 'arn:bucketfront:lambda:us-east-1:000000000000:function:thumbs', type: 'nats', servers: ['nats://127.0.0.1:4222'], subject: 's3.events', stream: 'S3' },
      { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:m', type: 'mqtt', url: 'mqtt://127.0.0.1:1883', topic: 's3/events' },
      { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:r', type: 'redis', url: 'redis://127.0.0.1:6379/0', stream: 's3:events', maxLen: 10000 },
      { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:p', type: 'postgres', connectionString: 'postgres://postgres@127.0.0.1/test', table: 'events', format: 'namespace' },
    ]);
    expect(parsed.map((d) => d.type)).toEqual(['webhook', 'amqp', 'nats', 'mqtt', 'redis', 'postgres']);
    expect(parsed.every((d) => d.timeoutMs === 5000)).toBe(true);
    expect(parsed[1]).toMatchObject({ declareExchange: false, exchangeType: 'topic' });
  });

  it('takes an absent list as no destinations', () => {
    expect(parseDestinationsConfig(undefined)).toEqual([]);
  });

  it('names the field path of every problem', () => {
    expect(
      problemsOf([
        { arn: ARN, type: 'webhook', url: 'ftp://x/y' },
        { arn: 'arn:bucketfront:s3:::bucket', type: 'redis', url: 'redis://127.0.0.1', stream: 's' },
        { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:q', type: 'kafka' },
        { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:t', type: 'postgres', connectionString: 'postgres://h/db', table: 'x; drop table y' },
        { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:u', type: 'mqtt', url: 'mqtt://h', topic: 'a/#', qos: 2 },
        { arn: 'arn:bucketfront:sqs:us-east-1:000000000000:v', type: 'webhook', url: 'http://h/', timeoutMs: -1 },
      ]),
    ).toEqual([
      'notifications.destinations[0].url: must be a http:// or https:// URL with a host',
      'notifications.destinations[1].arn: must look like arn:<partition>:(sqs|sns|lambda):<region>:<account>:<name>',
      'notifications.destinations[2].type: must be one of webhook, amqp, nats, mqtt, redis, postgres',
      'notifications.destinations[3].table: must be a table name (letters, digits, _; optionally schema.table)',
      'notifications.destinations[4].topic: must be a topic name without wildcards (+, #)',
      'notifications.destinations[4].qos: is not a known field',
      'notifications.destinations[5].timeoutMs: must be 1–600000 ms',
    ]);
  });

  it('refuses a list that is not a list, a missing field and a repeated arn', () => {
    expect(problemsOf({ arn: ARN })).toEqual(['notifications.destinations: must be a list of destinations']);
    expect(problemsOf([{ arn: ARN, type: 'amqp', url: 'amqp://h' }])).toEqual(['notifications.destinations[0].exchange: is required']);
    expect(problemsOf([{ arn: ARN, type: 'amqp', url: 'amqp://h', exchange: '', declareExchange: true }])).toEqual([
      'notifications.destinations[0].exchange: the default exchange ("") always exists and cannot be declared',
    ]);
    expect(
      problemsOf([
        { arn: ARN, type: 'webhook', url: 'http://a/' },
        { arn: ARN, type: 'webhook', url: 'http://b/' },
      ]),
    ).toEqual([`notifications.destinations[1].arn: ${ARN} is already the arn of notifications.destinations[0]`]);
  });
});
