/**
 * Durability on a real Ceph cluster (3 OSDs, pool size 3 / min size 2): 8
 * writers upload (single PUTs and multipart uploads) through two origin
 * nodes, each its own process over the same cluster. Mid-way one OSD is
 * SIGKILLed (and later restarted) and one origin node is SIGKILLed. Then every
 * acknowledged object is complete and checksum-correct through either node,
 * and every listed object is one a writer sent, whole; and the cluster recovers
 * to all placement groups active+clean.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { cephCluster, listAllObjects, makeS3Client, makeTestCredentials, uniquePrefix } from '@bucketfront/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { startOriginProcess, type OriginProcess } from './fixtures/origin-process.js';

const ceph = cephCluster();
const credentials = makeTestCredentials();
const bucket = 'durable';
const md5hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const nodes: OriginProcess[] = [];
const clients: S3Client[] = [];
afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(nodes.map((n) => n.kill()));
});

describe.skipIf(!ceph)('durability on Ceph: two origin nodes, an OSD and a node SIGKILLed mid-way', () => {
  it('every acknowledged object is whole and correct through either node; nothing partial is listed', async () => {
    const cluster = ceph!;
    const store = `s3:${cluster.endpoint}?bucketPrefix=${uniquePrefix('bf-dur')}`;
    const env = {
      BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId,
      BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      BUCKETFRONT_STORE_ACCESS_KEY_ID: cluster.accessKeyId,
      BUCKETFRONT_STORE_SECRET_ACCESS_KEY: cluster.secretAccessKey,
    };
    const start = async () => {
      const node = await startOriginProcess(store, env);
      nodes.push(node);
      const client = makeS3Client(node.url, credentials);
      clients.push(client);
      return { node, client };
    };
    const a = await start();
    const b = await start();
    await a.client.send(new CreateBucketCommand({ Bucket: bucket }));

    const acked = new Map<string, string>();
    const sent = new Map<string, string>();
    let aDead = false;
    let stop = false;
    let failures = 0;

    // Writer i goes through node A (even i) or B (odd i); A's writers move to B once A is dead.
    async function writer(i: number): Promise<void> {
      for (let j = 0; !stop; j++) {
        const key = `w${i}/${j}`;
        const client = i % 2 === 0 && !aDead ? a.client : b.client;
        const multipart = j % 4 === 3;
        const body = randomBytes(multipart ? 5 * 1024 * 1024 + 4096 * (i + 1) : 16 * 1024 + ((i * 7919 + j * 104_729) % (512 * 1024)));
        sent.set(key, md5hex(body));
        try {
          if (multipart) {
            const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
            const p1 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: body.subarray(0, 5 * 1024 * 1024) }));
            const p2 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: body.subarray(5 * 1024 * 1024) }));
            await client.send(
              new CompleteMultipartUploadCommand({
                Bucket: bucket,
                Key: key,
                UploadId,
                MultipartUpload: {
                  Parts: [
                    { PartNumber: 1, ETag: p1.ETag! },
                    { PartNumber: 2, ETag: p2.ETag! },
                  ],
                },
              }),
            );
          } else {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
          }
          acked.set(key, md5hex(body));
        } catch {
          failures++; // the node or an OSD died under this request: not acknowledged, so not promised
          await sleep(50);
        }
      }
    }

    const writers = Array.from({ length: 8 }, (_, i) => writer(i));
    /** Resolves once `n` more objects are acknowledged: writes go on (bounded: the test times out). */
    const progress = async (n: number) => {
      const target = acked.size + n;
      while (acked.size < target) await sleep(100);
    };
    await progress(16);
    await cluster.killOsd(1);
    // Degraded (2 of 3 copies), the cluster keeps taking writes after a short stall.
    await progress(16);
    await a.node.kill();
    aDead = true;
    // Node B takes node A's writers.
    await progress(16);
    await cluster.startOsd(1);
    await progress(16);
    stop = true;
    await Promise.all(writers);

    // A restarted node A and the surviving node B both see every acknowledged object, whole.
    const a2 = await start();
    for (const via of [a2.client, b.client]) {
      const listed = await listAllObjects(via, bucket);
      const keys = new Set(listed.map((o) => o.key));
      for (const key of acked.keys()) expect(keys.has(key), `lost acknowledged ${key}`).toBe(true);
      for (const o of listed) {
        expect(sent.has(o.key), `unexpected key ${o.key}`).toBe(true);
        const got = await via.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }));
        const bytes = Buffer.from(await got.Body!.transformToByteArray());
        expect(bytes.length, o.key).toBe(o.size);
        // Listed means complete: the bytes are exactly the body the writer sent for that key.
        expect(md5hex(bytes), o.key).toBe(sent.get(o.key));
        if (acked.has(o.key)) expect(md5hex(bytes)).toBe(acked.get(o.key));
      }
    }
    console.log(`durability on Ceph: ${acked.size} objects acknowledged, ${failures} requests failed during the kills`);
    // The restarted OSD catches up: every placement group is whole again (and the next test file,
    // which shares the cluster, does not start on a degraded one).
    await cluster.waitForActiveClean(150_000);
  }, 420_000);
});
