// notifications: what S3 event notifications cost our origin's writes, and how fast events get
// through the durable outbox to a broker, in one run (docs/notifications.md).
//
// One origin (`bucketfront origin --data DIR --no-access-log --config C`, fs store) with two
// destinations: a webhook (a node:http receiver in this process, keep-alive, 200 to every POST)
// and RabbitMQ (127.0.0.1:5672, this run's exchange `bench-events-<pid>`, a durable queue bound to it that this process
// consumes with a prefetch of 1,000 and acks). Three buckets: `off` (no notification
// configuration), `hook` (every ObjectCreated event → the webhook) and `amqp` (→ RabbitMQ).
//
//  PUT 1 KiB:    8 keep-alive SDK writers (PutObject) for the duration, distinct keys, into one bucket
//                per round; rounds interleaved off / hook / amqp, ${rounds} each, medians reported.
//                The time each PUT was acknowledged is kept per key.
//  Delivery:     after each notified round, wait until every acknowledged key's event arrived (at
//                most 60 s); latency = arrival − acknowledgement per event (p50/p99), events/s =
//                events / (last arrival − round start). Every record checked: the key, the bucket and
//                eventName ObjectCreated:Put; a missing or surplus event is reported.
// Targets (issue 13): ≥ 2,000 events/s and p99 < 100 ms on loopback to AMQP and to the webhook with
// 8 writers; write throughput with notifications on ≥ 0.8× of off. The peer of each row is our
// own origin without notifications (the same process, bucket `off`), so the ratio is on / off.

import http from 'node:http';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { DeleteObjectsCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { log, sleep, cpuMeter, idleMeter, pidsMatching, startProcess } from '../lib/proc.mjs';
import { row, ratioAtLeast } from '../lib/results.mjs';
import { BENCH, ROOT, startOursOrigin, NotAvailable } from '../lib/servers.mjs';
import { s3Client, createBucket, loadLoop } from '../lib/s3.mjs';

const WRITERS = 8;
const BODY = Buffer.alloc(1024, 'n');
const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// This run's own exchange: a queue some earlier run left bound to a shared one would collect (and
// make RabbitMQ persist) a copy of every message, and its cost would be counted as ours.
const EXCHANGE = `bench-events-${process.pid}`;
const QUEUE = `bench-events-${process.pid}`;
const HOOK_ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:bench-webhook';
const AMQP_ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:bench-amqp';
const KINDS = ['off', 'hook', 'amqp'];
const DRAIN_TIMEOUT_MS = 60_000;
const BURST_REQUESTS_PER_WRITER = 3;
/** A pause before each round, for the previous one's tail (removals, acks) to finish. */
const SETTLE_MS = 1000;

/** amqplib, from the workspace that depends on it (packages/notifications). */
function loadAmqp() {
  try {
    return createRequire(join(ROOT, 'packages', 'notifications', 'package.json'))('amqplib');
  } catch (e) {
    throw new NotAvailable(`amqplib could not be loaded (${e.message}): run npm ci`);
  }
}

/** Where events arrive: key → arrival time (performance.now), plus what was wrong. */
class Arrivals {
  constructor(eventName = 'ObjectCreated:Put') {
    this.eventName = eventName;
    this.at = new Map();
    this.duplicates = 0;
    this.bad = [];
  }
  record(body, bucket) {
    const now = performance.now();
    let rec;
    try {
      rec = JSON.parse(body).Records?.[0];
    } catch {
      this.bad.push(`not JSON: ${String(body).slice(0, 80)}`);
      return;
    }
    if (!rec) return; // the s3:TestEvent sent when a configuration is stored
    const key = decodeURIComponent(rec.s3.object.key.replace(/\+/g, ' '));
    if (rec.s3.bucket.name !== bucket || rec.eventName !== this.eventName) {
      this.bad.push(`${rec.s3.bucket.name}/${key} ${rec.eventName}`);
      return;
    }
    if (this.at.has(key)) this.duplicates++;
    else this.at.set(key, now);
  }
}

async function startWebhook(sink) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      sink.current?.record(Buffer.concat(chunks).toString('utf8'), 'hook');
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/events`, close: () => new Promise((r) => server.close(r)) };
}

async function startAmqpConsumer(sink) {
  const amqp = loadAmqp();
  let conn;
  try {
    conn = await amqp.connect(AMQP_URL);
  } catch (e) {
    throw new NotAvailable(`RabbitMQ is not reachable at ${AMQP_URL} (${e.message}): start it (rabbitmq-server -detached)`);
  }
  const ch = await conn.createChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  // x-expires: a run that is killed leaves no queue behind for long.
  await ch.assertQueue(QUEUE, { durable: true, autoDelete: false, arguments: { 'x-expires': 60_000 } });
  await ch.bindQueue(QUEUE, EXCHANGE, 'bench.#');
  await ch.prefetch(1000);
  await ch.consume(QUEUE, (msg) => {
    if (!msg) return;
    sink.current?.record(msg.content.toString('utf8'), 'amqp');
    ch.ack(msg);
  });
  return {
    close: async () => {
      await ch.deleteQueue(QUEUE).catch(() => {});
      await ch.deleteExchange(EXCHANGE).catch(() => {});
      await conn.close().catch(() => {});
    },
  };
}

/** Starts bench/lib/delivery-load.mjs (kind hook|amqp, events/s, target) and waits until it is connected. */
async function startDeliveryLoad(ctx, kind, rate, target) {
  let ready;
  const connected = new Promise((resolve) => (ready = resolve));
  const p = startProcess(`delivery-load-${kind}`, process.execPath, [join(BENCH, 'lib', 'delivery-load.mjs'), kind, String(rate), target, kind], {
    env: { BENCH_AMQP_URL: AMQP_URL },
    logFile: join(ctx.logs, `delivery-load-${kind}.err`),
    onStdout: (d) => String(d).includes('ready') && ready(),
  });
  const started = await Promise.race([connected.then(() => true), p.exited.then(() => false), sleep(10_000).then(() => false)]);
  if (!started) {
    await p.stop();
    throw new Error(`the ${kind} delivery load did not start (see ${p.logFile})`);
  }
  await sleep(300); // its lanes spread out
  return p;
}

function originConfig(webhookUrl) {
  return [
    'notifications:',
    '  nodeId: bench',
    '  destinations:',
    `    - { arn: "${HOOK_ARN}", type: webhook, url: "${webhookUrl}" }`,
    `    - { arn: "${AMQP_ARN}", type: amqp, url: "${AMQP_URL}", exchange: ${EXCHANGE}, routingKey: bench.created, declareExchange: true }`,
    '',
  ].join('\n');
}

const quantile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};

/**
 * One round of 8 writers into bucket `kind`; for notified buckets, waits for every event. With
 * `deliveryLoad` (a started delivery-load.mjs feeding this process's receiver or consumer) the
 * round writes into `off`, and the arrivals counted are the load process's.
 */
async function round(ctx, client, kind, n, sink, oursPid, deliveryLoad = null) {
  const acked = new Map();
  const arrivals = new Arrivals();
  const bucket = deliveryLoad ? 'off' : kind;
  sink.current = deliveryLoad || kind !== 'off' ? arrivals : null;
  const t0 = performance.now();
  const cpu = cpuMeter({ origin: oursPid, rabbitmq: pidsMatching('beam.smp'), deliveryLoad: deliveryLoad?.pid });
  const idle = idleMeter();
  const harness0 = process.cpuUsage();
  const load = await loadLoop({
    concurrency: WRITERS,
    durationMs: ctx.durationMs,
    op: async (w, s) => {
      const key = `r${n}/w${w}/${s}.bin`;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: BODY }));
      acked.set(key, performance.now());
    },
  });
  const cores = cpu.stop();
  const harness = process.cpuUsage(harness0);
  const out = {
    kind,
    opsPerSec: load.opsPerSec,
    p50ms: load.p50ms,
    p99ms: load.p99ms,
    errors: load.errors,
    firstError: load.firstError,
    puts: acked.size,
    originCores: cores.origin,
    rabbitmqCores: cores.rabbitmq,
    deliveryLoadCores: cores.deliveryLoad ?? null,
    // The 8 SDK writers, the webhook receiver and the AMQP consumer (this process).
    harnessCores: Math.round(((harness.user + harness.system) / 1000 / (performance.now() - t0)) * 100) / 100,
    idle: idle.stop(),
  };
  if (deliveryLoad) {
    // What arrived is the load process's: counted, and checked like the origin's records.
    sink.current = null;
    return Object.assign(out, { loadEventsPerSec: arrivals.at.size / (ctx.durationMs / 1000), bad: arrivals.bad.slice(0, 5) });
  }
  if (kind === 'off') return out;
  return Object.assign(out, await awaitEvents(acked, arrivals, t0, sink));
}

/** Waits (at most DRAIN_TIMEOUT_MS) for an event of every acknowledged key; the delivery figures. */
async function awaitEvents(acked, arrivals, t0, sink) {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (performance.now() < deadline && [...acked.keys()].some((k) => !arrivals.at.has(k))) await sleep(20);
  sink.current = null;
  const lat = [];
  let last = 0;
  let missing = 0;
  for (const [key, ackAt] of acked) {
    const at = arrivals.at.get(key);
    if (at === undefined) {
      missing++;
      continue;
    }
    lat.push(at - ackAt);
    last = Math.max(last, at);
  }
  lat.sort((a, b) => a - b);
  const surplus = [...arrivals.at.keys()].filter((k) => !acked.has(k)).length;
  return {
    events: lat.length,
    missing,
    surplus,
    duplicates: arrivals.duplicates,
    bad: arrivals.bad.slice(0, 5),
    eventsPerSec: lat.length / ((last - t0) / 1000),
    latP50ms: quantile(lat, 0.5),
    latP99ms: quantile(lat, 0.99),
    latMaxms: lat.at(-1) ?? null,
  };
}

/**
 * A burst: 8 writers each send DeleteObjects requests of 1,000 keys (S3 emits one
 * ObjectRemoved:Delete per key, existing or not), so the outbox and the sender see far more events
 * per second than fsync-bound PUTs can make. Every key's acknowledgement is its request's answer.
 */
async function burst(client, kind, n, sink, requestsPerWriter) {
  const acked = new Map();
  const arrivals = new Arrivals('ObjectRemoved:Delete');
  sink.current = arrivals;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let r = 0; r < requestsPerWriter; r++) {
        const keys = Array.from({ length: 1000 }, (_, i) => `burst${n}/w${w}/r${r}/${i}`);
        await client.send(new DeleteObjectsCommand({ Bucket: kind, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
        const at = performance.now();
        for (const k of keys) acked.set(k, at);
      }
    }),
  );
  const writeMs = performance.now() - t0;
  return { kind, burst: true, writeMs, ...(await awaitEvents(acked, arrivals, t0, sink)) };
}

export async function runNotifications(ctx) {
  const notes = [];
  const rounds = ctx.quick ? 1 : Math.max(3, ctx.reps);
  const durationMs = ctx.durationMs ?? (Number.parseFloat(ctx.duration) || 5) * 1000;
  const sink = { current: null };
  let hook;
  let consumer;
  let ours;
  const runs = [];
  const bursts = [];
  const loadRuns = [];
  try {
    hook = await startWebhook(sink);
    consumer = await startAmqpConsumer(sink);
    const configFile = join(ctx.rawDir, 'origin-notifications.yaml');
    mkdirSync(ctx.rawDir, { recursive: true });
    writeFileSync(configFile, originConfig(hook.url));
    ours = await startOursOrigin({ name: 'ours-origin-notifications', logs: ctx.logs, accessLog: false, extraArgs: ['--config', configFile] });
    const client = s3Client({ endpoint: ours.url, credentials: ours.credentials });
    for (const kind of KINDS) await createBucket(client, kind);
    for (const [bucket, arn] of [
      ['hook', HOOK_ARN],
      ['amqp', AMQP_ARN],
    ])
      await client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: { QueueConfigurations: [{ Id: `bench-${bucket}`, QueueArn: arn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
        }),
      );
    // Warm-up (untimed): connections to the brokers, the JIT of every path.
    for (const kind of KINDS) await round({ durationMs: 2000 }, client, kind, `warm-${kind}`, sink, ours.pid);
    // PUT rounds first, then the bursts: a burst leaves work behind it (24,000 batches to remove,
    // the broker's message store, garbage), and a PUT round right after one would pay for it.
    for (let n = 0; n < rounds; n++)
      for (const kind of KINDS) {
        await sleep(SETTLE_MS);
        const r = await round({ durationMs }, client, kind, n, sink, ours.pid);
        runs.push(r);
        log(
          `${kind} #${n + 1}: ${r.opsPerSec.toFixed(0)} PUT/s (p50 ${r.p50ms?.toFixed(1)} ms, ${r.errors} errors; cores origin ${r.originCores} harness ${r.harnessCores} rabbitmq ${r.rabbitmqCores}, idle ${r.idle})` +
            (kind === 'off'
              ? ''
              : `; ${r.events}/${r.puts} events, ${r.eventsPerSec?.toFixed(0)} events/s, ack→delivery p50 ${r.latP50ms?.toFixed(1)} ms p99 ${r.latP99ms?.toFixed(1)} ms, missing ${r.missing}, duplicates ${r.duplicates}`),
        );
      }
    // The destination side alone: PUTs into `off` (the origin does no notification work) beside
    // another process that delivers as many events per second as the notified rounds made, to the
    // same receiver or broker and consumer. What that work costs the writes bounds the ratio above.
    for (let n = 0; n < rounds; n++)
      for (const kind of KINDS.filter((k) => k !== 'off')) {
        await sleep(SETTLE_MS);
        const rate = Math.max(1, Math.round(median(runs.filter((r) => r.kind === kind).map((r) => r.opsPerSec))));
        const target = kind === 'hook' ? hook.url : EXCHANGE;
        const load = await startDeliveryLoad(ctx, kind, rate, target);
        try {
          const r = await round({ durationMs }, client, kind, `load${n}`, sink, ours.pid, load);
          loadRuns.push(r);
          log(
            `off beside ${kind} delivery load #${n + 1}: ${r.opsPerSec.toFixed(0)} PUT/s (p50 ${r.p50ms?.toFixed(1)} ms; ${r.loadEventsPerSec.toFixed(0)} events/s delivered by the load process at ${rate}/s; cores origin ${r.originCores} harness ${r.harnessCores} rabbitmq ${r.rabbitmqCores} load ${r.deliveryLoadCores}, idle ${r.idle})`,
          );
        } finally {
          await load.stop();
        }
      }
    for (let n = 0; n < rounds; n++)
      for (const kind of KINDS.filter((k) => k !== 'off')) {
        await sleep(SETTLE_MS);
        const b = await burst(client, kind, n, sink, ctx.quick ? 1 : BURST_REQUESTS_PER_WRITER);
        bursts.push(b);
        log(
          `${kind} burst #${n + 1}: ${b.events} ObjectRemoved events in ${(b.writeMs / 1000).toFixed(2)} s of writes, ${b.eventsPerSec?.toFixed(0)} events/s, ack→delivery p50 ${b.latP50ms?.toFixed(1)} ms p99 ${b.latP99ms?.toFixed(1)} ms, missing ${b.missing}`,
        );
      }
    client.destroy();
  } catch (e) {
    const reason = e instanceof NotAvailable ? e.message : `failed: ${e.message}`;
    log(`notifications: ${reason}`);
    return { rows: [], notes: [reason], oursAvailable: !(e instanceof NotAvailable), oursUnavailableReason: reason, settings: { duration: ctx.duration } };
  } finally {
    await ours?.stop();
    await consumer?.close();
    await hook?.close();
  }
  writeFileSync(join(ctx.rawDir, 'notifications.json'), JSON.stringify({ runs, bursts, loadRuns }, null, 2));

  const of = (kind, f) => median(runs.filter((r) => r.kind === kind).map((r) => r[f]));
  const ofBurst = (kind, f) => median(bursts.filter((r) => r.kind === kind).map((r) => r[f]));
  const ofLoad = (kind, f) => median(loadRuns.filter((r) => r.kind === kind).map((r) => r[f]));
  const PEER = 'ours, no notifications (bucket off)';
  const rows = [];
  for (const [kind, label] of [
    ['hook', 'webhook'],
    ['amqp', 'AMQP (RabbitMQ, publisher confirms)'],
  ]) {
    rows.push(
      row({
        what: `PUT 1 KiB with notifications to the ${label} vs none (${WRITERS} writers, median of ${rounds})`,
        peer: PEER,
        peerValue: of('off', 'opsPerSec'),
        ours: of(kind, 'opsPerSec'),
        unit: 'PUT/s',
        target: '≥ 0.8×',
        check: ratioAtLeast(0.8),
        note: `p50 ${of('off', 'p50ms')?.toFixed(1)} → ${of(kind, 'p50ms')?.toFixed(1)} ms; cores used: origin ${of('off', 'originCores')} → ${of(kind, 'originCores')}, harness ${of('off', 'harnessCores')} → ${of(kind, 'harnessCores')}, RabbitMQ ${of('off', 'rabbitmqCores')} → ${of(kind, 'rabbitmqCores')}; machine idle ${of('off', 'idle')} → ${of(kind, 'idle')}`,
      }),
      row({
        what: `PUT 1 KiB without notifications, beside the ${label}'s delivery work done by another process at the notified rounds' event rate (${WRITERS} writers, median of ${rounds})`,
        peer: PEER,
        peerValue: of('off', 'opsPerSec'),
        ours: ofLoad(kind, 'opsPerSec'),
        unit: 'PUT/s',
        target: 'bounds the row above',
        note: `the origin does no notification work: the same deliveries (${ofLoad(kind, 'loadEventsPerSec')?.toFixed(0)} events/s, one at a time on 8 lanes) to the same ${kind === 'hook' ? 'receiver' : 'broker and consumer'} cost the writes this much on the shared cores; cores used: origin ${ofLoad(kind, 'originCores')}, harness ${ofLoad(kind, 'harnessCores')}, RabbitMQ ${ofLoad(kind, 'rabbitmqCores')}, the load process ${ofLoad(kind, 'deliveryLoadCores')}; machine idle ${ofLoad(kind, 'idle')}`,
      }),
      row({
        what: `events/s through the outbox to the ${label}: PUTs (${WRITERS} writers, bounded by the PUT rate, median of ${rounds})`,
        ours: of(kind, 'eventsPerSec'),
        unit: 'events/s',
        target: '≥ 2,000',
        check: (r) => (r.ours == null ? null : r.ours >= 2000),
        note: `every acknowledged PUT's event: ${runs
          .filter((r) => r.kind === kind)
          .map((r) => `${r.events}/${r.puts}`)
          .join(', ')}; duplicates ${runs.filter((r) => r.kind === kind).reduce((a, r) => a + r.duplicates, 0)}`,
      }),
      row({
        what: `events/s through the outbox to the ${label}: DeleteObjects bursts (${WRITERS} writers × 1,000-key requests, median of ${rounds})`,
        ours: ofBurst(kind, 'eventsPerSec'),
        unit: 'events/s',
        target: '≥ 2,000',
        check: (r) => (r.ours == null ? null : r.ours >= 2000),
        note: `events ${bursts
          .filter((r) => r.kind === kind)
          .map((r) => `${r.events}/${r.events + r.missing}`)
          .join(', ')}; ack→delivery p50 ${ofBurst(kind, 'latP50ms')?.toFixed(1)} ms, p99 ${ofBurst(kind, 'latP99ms')?.toFixed(1)} ms`,
      }),
      row({
        what: `PUT acknowledgement → delivery p99 to the ${label} (median of ${rounds})`,
        ours: of(kind, 'latP99ms'),
        unit: 'ms',
        better: 'lower',
        target: '< 100 ms',
        check: (r) => (r.ours == null ? null : r.ours < 100),
        note: `p50 ${of(kind, 'latP50ms')?.toFixed(1)} ms, max ${of(kind, 'latMaxms')?.toFixed(1)} ms`,
      }),
    );
  }
  for (const r of [...runs, ...bursts, ...loadRuns]) {
    if (r.missing) notes.push(`${r.kind}: ${r.missing} acknowledged PUTs without an event within ${DRAIN_TIMEOUT_MS / 1000} s`);
    if (r.bad?.length) notes.push(`${r.kind}: unexpected records, e.g. ${r.bad.join('; ')}`);
    if (r.errors) notes.push(`${r.kind}: ${r.errors} PUT errors (${r.firstError})`);
  }
  notes.push(
    `One origin (fs store, fsync per object and per outbox batch) with a webhook receiver in the harness process and RabbitMQ at ${AMQP_URL}; rounds of ${ctx.duration} interleaved off / webhook / AMQP. The harness (8 SDK writers, the receiver, the AMQP consumer) shares the 2 cores with the origin and the broker.`,
  );
  return { rows, notes, oursAvailable: true, settings: { duration: ctx.duration, rounds, writers: WRITERS, objectBytes: BODY.length }, raw: { runs, bursts } };
}
