// `node bench/lib/delivery-load.mjs hook|amqp RATE TARGET BUCKET`: delivers S3 event records the
// way the origin's sender does (8 lanes, one message at a time each: a keep-alive undici POST, or a
// persistent AMQP publish awaiting its confirm) at RATE per second in all, to TARGET (a webhook URL,
// or an exchange on BENCH_AMQP_URL with routing key bench.created), until SIGTERM. Prints "ready"
// once connected. The notifications mode runs it beside PUTs into a bucket without notifications:
// what the destination side's work alone costs the writes on a shared machine.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './servers.mjs';

const [kind, rateText, target, bucket] = process.argv.slice(2);
const rate = Number(rateText);
if (!['hook', 'amqp'].includes(kind) || !(rate > 0) || !target || !bucket) {
  process.stderr.write('usage: delivery-load.mjs hook|amqp RATE TARGET BUCKET\n');
  process.exit(2);
}
const require = createRequire(join(ROOT, 'packages', 'notifications', 'package.json'));
const LANES = 8;
// The origin's own record builder, so that each message is what a notified PUT sends.
const { buildEventRecord } = await import(pathToFileURL(join(ROOT, 'packages', 'notifications', 'dist', 'index.js')).href);
const body = (n) => {
  const eventTime = new Date().toISOString();
  const event = {
    eventName: 'ObjectCreated:Put',
    bucket,
    key: `load/${process.pid}/${n}`,
    size: 1024,
    eTag: 'a8f4d5e6b7c8d9e0f1a2b3c4d5e6f7a8',
    principalId: 'BENCHAKIDEXAMPLE0001',
    sourceIp: '127.0.0.1',
    requestId: 'F7FFDCE100000001',
    hostId: 'bench',
  };
  return JSON.stringify({ Records: [buildEventRecord(event, { region: 'us-east-1', ownerId: 'bench', configurationId: 'bench-load', eventTime, sequencer: String(n).padStart(18, '0') })] });
};

let send;
if (kind === 'amqp') {
  const conn = await require('amqplib').connect(process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createConfirmChannel();
  send = (n) =>
    new Promise((resolve, reject) =>
      ch.publish(target, 'bench.created', Buffer.from(body(n)), { persistent: true, contentType: 'application/json', messageId: String(n) }, (e) => (e ? reject(e) : resolve())),
    );
} else {
  const { Agent, request } = require('undici');
  const agent = new Agent({ keepAliveTimeout: 4000 });
  send = async (n) => {
    const res = await request(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bucketfront-message-id': String(n) }, body: body(n), dispatcher: agent });
    await res.body.dump();
  };
}

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
process.stdout.write('ready\n');
const interval = (1000 * LANES) / rate;
let n = 0;
await Promise.all(
  Array.from({ length: LANES }, async (_, lane) => {
    await new Promise((r) => setTimeout(r, (interval / LANES) * lane));
    let next = performance.now();
    while (!stopping) {
      await send(n++);
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }),
);
process.exit(0);
