/**
 * A destination's broker client is imported by its first delivery, not by the package: an
 * origin without notifications (most) never loads amqplib, mqtt, nats, pg, ioredis or undici
 * (~45 MiB of memory). Checked in a fresh Node process, on the built package.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDestination, parseDestinationsConfig } from '@bucketfront/notifications';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** What a fresh process had loaded after creating every type of destination, then delivering to the webhook. */
const SCRIPT = `
const { createRequire } = await import('node:module');
const n = await import(process.argv[1]);
const loaded = () => {
  const names = ['amqplib', 'mqtt', '@nats-io', 'pg', 'ioredis', 'undici'];
  const files = Object.keys(createRequire(import.meta.url).cache);
  return names.filter((m) => files.some((f) => f.includes('/node_modules/' + m + '/')));
};
const arn = (id) => 'arn:bucketfront:sqs:us-east-1:000000000000:' + id;
const configs = n.parseDestinationsConfig([
  { arn: arn('w'), type: 'webhook', url: process.argv[2] },
  { arn: arn('a'), type: 'amqp', url: 'amqp://127.0.0.1:9', exchange: 'x' },
  { arn: arn('n'), type: 'nats', servers: ['nats://127.0.0.1:9'], subject: 's.events', stream: 's' },
  { arn: arn('m'), type: 'mqtt', url: 'mqtt://127.0.0.1:9', topic: 't' },
  { arn: arn('r'), type: 'redis', url: 'redis://127.0.0.1:9', stream: 's' },
  { arn: arn('p'), type: 'postgres', connectionString: 'postgres://127.0.0.1:9/x', table: 't' },
]);
const destinations = configs.map((c) => n.createDestination(c));
const before = loaded();
await destinations[0].deliver([{ id: '1', bucket: 'b', key: 'k', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), body: '{}' }]);
const after = loaded();
await Promise.all(destinations.map((d) => d.close()));
console.log(JSON.stringify({ before, after }));
`;

describe('destinations load their client module on first delivery', () => {
  it('no broker client is loaded by creating destinations; a delivery loads its own only', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      // Asynchronously: this process's server must answer the child's POST meanwhile.
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--input-type=module', '-e', SCRIPT, DIST, url], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ before: [], after: ['undici'] });
    } finally {
      server.close();
    }
  });

  it('a file a destination needs is still read at creation: a missing webhook caFile stops the start-up, not the first delivery', () => {
    const [config] = parseDestinationsConfig([{ arn: 'arn:bucketfront:sqs:us-east-1:000000000000:hook', type: 'webhook', url: 'https://127.0.0.1:9/hook', caFile: '/nonexistent/ca.pem' }]);
    expect(() => createDestination(config!)).toThrow(/ENOENT/);
  });
});
