/**
 * The invalidation history survives a restart (`historyFile`, SQLite): real control
 * servers on 127.0.0.1 closed and started again on the same file, read back with
 * @aws-sdk/client-cloudfront. Records still InProgress at start are applied again.
 */
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateInvalidationCommand, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { makeTempDir, makeTestCredentials, type TempDir } from '@bucketfront/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlServerOptions } from '../src/control/index.js';
import { distributionFixture, edgeConfigFixture, eventually, startRecordingControl, type RecordingControl } from './fixtures/control-server.js';

const DIST = 'E1TESTDIST0001';
const OTHER = 'E3OTHERDIST003';
const config = edgeConfigFixture({ distributions: [distributionFixture(DIST), distributionFixture(OTHER, { aliases: [] })] });
const creds = makeTestCredentials();

type Node = RecordingControl;

let tmp: TempDir;
let file: string;
const open: Node[] = [];

beforeEach(async () => {
  tmp = await makeTempDir('bucketfront-history-');
  file = join(tmp.path, 'cache', 'invalidations.sqlite');
});
afterEach(async () => {
  for (const n of open.splice(0)) await n.close();
  await tmp.cleanup();
});

async function start(opts: { hold?: boolean } & Partial<ControlServerOptions> = {}): Promise<Node> {
  const node = await startRecordingControl(config, { credentials: creds, createWaitMs: 50, historyFile: file, ...opts });
  open.push(node);
  return node;
}

async function stop(node: Node): Promise<void> {
  open.splice(open.indexOf(node), 1);
  node.client.destroy();
  await node.server.close();
}

const create = (n: Node, distributionId: string, paths: string[], ref: string) =>
  n.client.send(new CreateInvalidationCommand({ DistributionId: distributionId, InvalidationBatch: { CallerReference: ref, Paths: { Quantity: paths.length, Items: paths } } }));

const list = (n: Node, distributionId: string) => n.client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
const get = (n: Node, distributionId: string, id: string) => n.client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));

describe('invalidation history across restarts', () => {
  it('GetInvalidation / ListInvalidations answer the same after a restart: same ids, order, times, Completed; CallerReference still idempotent', async () => {
    const first = await start();
    const made = [];
    for (const [i, paths] of [['/a'], ['/b', '#Release-42'], ['/c/*']].entries()) made.push((await create(first, DIST, paths, `ref-${i}`)).Invalidation!);
    const other = (await create(first, OTHER, ['/x'], 'ref-0')).Invalidation!;
    expect(made.every((m) => m.Status === 'Completed')).toBe(true);
    const before = await list(first, DIST);
    await stop(first);

    const second = await start();
    expect(second.logs).toEqual([]);
    const after = await list(second, DIST);
    expect(after.InvalidationList).toEqual(before.InvalidationList);
    expect(after.InvalidationList!.Items!.map((i) => i.Id)).toEqual(made.map((m) => m.Id).reverse());
    for (const m of made) expect((await get(second, DIST, m.Id!)).Invalidation).toEqual(m);
    expect((await get(second, OTHER, other.Id!)).Invalidation).toEqual(other);
    // Completed records are not applied again.
    expect(second.runtime.received).toEqual([]);

    const again = await create(second, DIST, ['#Release-42', '/b'], 'ref-1');
    expect(again.Invalidation!.Id).toBe(made[1]!.Id);
    const conflict = await create(second, DIST, ['/other'], 'ref-1').catch((e: unknown) => e);
    expect(conflict).toMatchObject({ name: 'InvalidationBatchAlreadyExists' });
    expect(second.runtime.received).toEqual([]);

    // New records keep going to the same file.
    const newer = (await create(second, DIST, ['/d'], 'ref-3')).Invalidation!;
    await stop(second);
    const third = await start();
    expect((await list(third, DIST)).InvalidationList!.Items!.map((i) => i.Id)).toEqual([newer.Id, ...made.map((m) => m.Id).reverse()]);
  });

  it('an invalidation still InProgress at shutdown is applied again at start and turns Completed; the in-progress limits still count it', async () => {
    const first = await start({ hold: true });
    const paths = Array.from({ length: 2999 }, (_, i) => `/p${i}`);
    const created = (await create(first, DIST, paths, 'held')).Invalidation!;
    expect(created.Status).toBe('InProgress');
    await stop(first);
    // The old runtime finishing after its server closed must not write to (or break) the file.
    first.runtime.release();
    await new Promise((r) => setImmediate(r));

    const second = await start({ hold: true });
    expect(second.runtime.received).toEqual([{ distributionId: DIST, paths }]);
    expect((await get(second, DIST, created.Id!)).Invalidation!.Status).toBe('InProgress');
    const over = await create(second, DIST, ['/one', '/two'], 'over').catch((e: unknown) => e);
    expect(over).toMatchObject({ name: 'TooManyInvalidationsInProgress' });

    second.runtime.release();
    await eventually(async () => (await get(second, DIST, created.Id!)).Invalidation!.Status === 'Completed');
    expect((await get(second, DIST, created.Id!)).Invalidation).toEqual({ ...created, Status: 'Completed' });
    expect(second.runtime.applied).toEqual([{ distributionId: DIST, paths }]);
    await stop(second);

    // Completed was written: the next start has nothing to apply.
    const third = await start();
    expect((await get(third, DIST, created.Id!)).Invalidation!.Status).toBe('Completed');
    expect(third.runtime.received).toEqual([]);
  });

  it('a garbage history file: one warning, an empty history, the file moved aside and a fresh history kept', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(tmp.path, 'cache'), { recursive: true });
    await writeFile(file, 'this is not an SQLite database, just some bytes '.repeat(200));
    const first = await start();
    expect(first.logs).toHaveLength(1);
    expect(first.logs[0]).toMatch(/invalidation history .*invalidations\.sqlite is unreadable .*moved it to .*\.corrupt-\d+ and started an empty history/);
    expect((await list(first, DIST)).InvalidationList!.Items ?? []).toEqual([]);
    const made = (await create(first, DIST, ['/a'], 'after-garbage')).Invalidation!;
    await stop(first);
    expect((await readdir(join(tmp.path, 'cache'))).filter((n) => n.includes('.corrupt-'))).toHaveLength(1);

    const second = await start();
    expect(second.logs).toEqual([]);
    expect((await list(second, DIST)).InvalidationList!.Items!.map((i) => i.Id)).toEqual([made.Id]);
  });

  it('a history file that cannot be opened (a directory): one warning, history in memory, the server still starts', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(file, { recursive: true });
    const node = await start();
    expect(node.logs).toHaveLength(1);
    expect(node.logs[0]).toMatch(/cannot be used .*kept in memory only/);
    expect((await create(node, DIST, ['/a'], 'mem')).Invalidation!.Status).toBe('Completed');
    expect(existsSync(file)).toBe(true);
  });

  it('an SQLite file of something else is left alone: one warning, history in memory', async () => {
    const Database = (await import('better-sqlite3')).default;
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(tmp.path, 'cache'), { recursive: true });
    const db = new Database(file);
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    db.close();
    const node = await start();
    expect(node.logs).toHaveLength(1);
    expect(node.logs[0]).toMatch(/SQLite database of something else.*kept in memory only/);
    await create(node, DIST, ['/a'], 'x');
    await stop(node);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT body FROM notes').all()).toEqual([{ body: 'keep me' }]);
    check.close();
  });
});
