/**
 * PublishFunction and DeleteFunction between edges: real control servers on 127.0.0.1, each
 * with its own recording runtime, peers of each other; what one edge publishes runs on the other
 * (same LIVE ETag and code), without echo, in the order it was published, retried while a peer is down.
 */
import { DeleteFunctionCommand, DescribeFunctionCommand, GetFunctionCommand, PublishFunctionCommand, UpdateFunctionCommand } from '@aws-sdk/client-cloudfront';
import { makeTestCredentials } from '@bucketfront/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { publishOnPeer } from '../src/control/function-peers.js';
import { DEFAULT_PEER_RETRY } from '../src/control/peer-fanout.js';
import { freePort } from '@bucketfront/test-support';
import { createAndPublish, edgeConfigFixture, eventually, startMutualPeers, startRecordingControl, type RecordingControl } from './fixtures/control-server.js';

type Creds = { accessKeyId: string; secretAccessKey: string };
const fastRetry = { initialDelayMs: 20, maxDelayMs: 100, windowMs: 60_000, attemptTimeoutMs: 5_000 };
const enc = new TextEncoder();

type Edge = RecordingControl;

const started: Edge[] = [];
afterEach(async () => {
  for (const e of started.splice(0)) await e.close();
});

async function startEdge(creds: Creds, opts: { port?: number; peers?: string[] } = {}): Promise<Edge> {
  const config = edgeConfigFixture({ peers: opts.peers ?? [] });
  const edge = await startRecordingControl(config, { credentials: creds, peerRetry: fastRetry, port: opts.port });
  started.push(edge);
  return edge;
}

const source = (v: string) => `function handler(event) { event.request.uri = '/${v}' + event.request.uri; return event.request; }`;

describe('functions on peer edges', () => {
  it('publish, update + publish and delete on one edge apply on its peer, with the same LIVE ETag and code, without echo', async () => {
    const creds = makeTestCredentials();
    const [a, b] = await startMutualPeers(() => startEdge(creds));

    const devETag = await createAndPublish(a.client, 'shared', source('v1'));
    const liveOnA = await a.client.send(new DescribeFunctionCommand({ Name: 'shared', Stage: 'LIVE' }));
    await eventually(() => b.runtime.liveFunctions.get('shared')?.etag === liveOnA.ETag);
    expect(b.runtime.liveFunctions.get('shared')).toMatchObject({ name: 'shared', code: source('v1'), etag: liveOnA.ETag });
    const liveOnB = await b.client.send(new DescribeFunctionCommand({ Name: 'shared', Stage: 'LIVE' }));
    expect(liveOnB.ETag).toBe(liveOnA.ETag);
    expect(liveOnB.FunctionSummary).toEqual(liveOnA.FunctionSummary);
    expect(Buffer.from((await b.client.send(new GetFunctionCommand({ Name: 'shared', Stage: 'LIVE' }))).FunctionCode!).toString()).toBe(source('v1'));
    // No echo: A's runtime was asked once, B did not send it back.
    await new Promise((r) => setTimeout(r, 100));
    expect(a.runtime.functionChanges).toHaveLength(1);
    expect(b.runtime.functionChanges).toHaveLength(1);

    const updated = await a.client.send(
      new UpdateFunctionCommand({ Name: 'shared', IfMatch: devETag, FunctionConfig: { Comment: 'v2', Runtime: 'cloudfront-js-2.0' }, FunctionCode: enc.encode(source('v2')) }),
    );
    await a.client.send(new PublishFunctionCommand({ Name: 'shared', IfMatch: updated.ETag! }));
    await eventually(() => b.runtime.liveFunctions.get('shared')?.code === source('v2'));
    expect(b.runtime.liveFunctions.get('shared')!.code).toBe(source('v2'));

    const liveETag = (await a.client.send(new DescribeFunctionCommand({ Name: 'shared', Stage: 'LIVE' }))).ETag!;
    await a.client.send(new DeleteFunctionCommand({ Name: 'shared', IfMatch: liveETag }));
    await eventually(() => !b.runtime.liveFunctions.has('shared'));
    expect(b.runtime.functionChanges.at(-1)).toEqual({ name: 'shared', fn: null });
    await expect(b.client.send(new DescribeFunctionCommand({ Name: 'shared' }))).rejects.toMatchObject({ name: 'NoSuchFunctionExists' });
  });

  it("a version older than the peer's LIVE one (a late retry) is ignored", async () => {
    const creds = makeTestCredentials();
    const b = await startEdge(creds);
    const a = await startEdge(creds, { peers: [b.server.url] });
    await createAndPublish(a.client, 'ordered', source('new'));
    await eventually(() => b.runtime.liveFunctions.get('ordered')?.code === source('new'));
    const now = b.runtime.liveFunctions.get('ordered')!;

    const older = new Date(Date.now() - 60_000);
    const stale = { etag: 'EOLDVERSION00', code: Buffer.from(source('old')), comment: 'old', runtime: 'cloudfront-js-2.0' as const, kvsAssociations: [], lastModifiedTime: older };
    await publishOnPeer(b.server.url, { name: 'ordered', createdTime: older, development: stale, live: stale }, { credentials: creds, now: () => new Date(), retry: DEFAULT_PEER_RETRY });
    expect(b.runtime.liveFunctions.get('ordered')).toEqual(now);
    expect((await b.client.send(new DescribeFunctionCommand({ Name: 'ordered', Stage: 'LIVE' }))).ETag).toBe(now.etag);
  });

  it('a peer that is down gets the published function once it is up', async () => {
    const creds = makeTestCredentials();
    const port = await freePort();
    const a = await startEdge(creds, { peers: [`http://127.0.0.1:${port}`] });
    await createAndPublish(a.client, 'late', source('late'));
    expect(a.runtime.liveFunctions.has('late')).toBe(true); // published here without waiting for the peer
    const b = await startEdge(creds, { port });
    await eventually(() => b.runtime.liveFunctions.has('late'));
    expect(b.runtime.liveFunctions.get('late')!.code).toBe(source('late'));
  });
});
