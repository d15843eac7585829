import { createDestination, type DeliveryMessage, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort, hasBroker, startPrivateBroker, type PrivateBroker } from '@bucketfront/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMessages } from './messages.js';

const MACHINE_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

function postgresDestination(connectionString: string, table: string, format: 'log' | 'namespace', extra: Record<string, unknown> = {}): Destination {
  const [config] = parseDestinationsConfig([{ arn: 'arn:bucketfront:sqs:us-east-1:000000000000:pg', type: 'postgres', connectionString, table, format, ...extra }]);
  return createDestination(config!);
}

async function loggedIds(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ event_id: string }>(`SELECT event_id FROM ${table} ORDER BY event_time, event_id`);
  return rows.map((r) => r.event_id);
}

describe.skipIf(!hasBroker('postgres'))('postgres destination', () => {
  let reader: pg.Client;
  const suffix = `${process.pid}_${Date.now()}`;
  const logTable = `bf_log_${suffix}`;
  const namespaceTable = `bf_ns_${suffix}`;

  beforeAll(async () => {
    reader = new pg.Client({ connectionString: MACHINE_SERVER });
    await reader.connect();
  });
  afterAll(async () => {
    await reader?.query(`DROP TABLE IF EXISTS ${logTable}, ${namespaceTable}`);
    await reader?.end();
  });

  it('log format: creates the table and inserts 1,000 events in one transaction, each exactly once (a retry inserts nothing)', async () => {
    const destination = postgresDestination(MACHINE_SERVER, logTable, 'log');
    try {
      const messages = makeMessages(1000);
      await destination.deliver(messages);
      expect(await loggedIds(reader, logTable)).toEqual(messages.map((m) => m.id));
      const { rows } = await reader.query(`SELECT event_data FROM ${logTable} WHERE event_id = 'b1-7'`);
      expect(rows[0].event_data).toEqual(JSON.parse(messages[7]!.body));

      await destination.deliver(messages.slice(990));
      expect(await loggedIds(reader, logTable)).toHaveLength(1000);
    } finally {
      await destination.close();
    }
  });

  it('log format: a list with one bad message commits none of it', async () => {
    const destination = postgresDestination(MACHINE_SERVER, logTable, 'log');
    try {
      const list = makeMessages(5, 'partial');
      list[3] = { ...list[3]!, body: '{not json' };
      await expect(destination.deliver(list)).rejects.toThrow(/json/i);
      expect((await loggedIds(reader, logTable)).filter((id) => id.startsWith('partial-'))).toEqual([]);
      // The same Destination goes on working after the rolled-back transaction.
      await destination.deliver(makeMessages(2, 'good'));
      expect((await loggedIds(reader, logTable)).filter((id) => id.startsWith('good-'))).toEqual(['good-0', 'good-1']);
    } finally {
      await destination.close();
    }
  });

  it('log format: concurrent deliveries are separate transactions (a failed one takes none of the other with it)', async () => {
    const destination = postgresDestination(MACHINE_SERVER, logTable, 'log');
    try {
      const failing = makeMessages(50, 'concurrent-bad');
      failing[40] = { ...failing[40]!, body: '{not json' };
      const good = makeMessages(50, 'concurrent-good');
      const [bad, ok] = await Promise.allSettled([destination.deliver(failing), destination.deliver(good)]);
      expect(bad.status).toBe('rejected');
      expect(ok.status).toBe('fulfilled');
      const ids = await loggedIds(reader, logTable);
      expect(ids.filter((id) => id.startsWith('concurrent-bad-'))).toEqual([]);
      expect(ids.filter((id) => id.startsWith('concurrent-good-')).sort()).toEqual(good.map((m) => m.id).sort());
    } finally {
      await destination.close();
    }
  });

  it('namespace format: one row per object, upserted on ObjectCreated and deleted on ObjectRemoved', async () => {
    const destination = postgresDestination(MACHINE_SERVER, namespaceTable, 'namespace');
    try {
      const created = makeMessages(1000);
      await destination.deliver(created);
      const removed: DeliveryMessage[] = created.slice(0, 100).map((m, i) => ({ ...m, id: `rm-${i}`, eventName: 'ObjectRemoved:Delete', body: JSON.stringify({ Records: [{ removed: m.key }] }) }));
      const overwritten: DeliveryMessage = { ...created[500]!, id: 'ow', body: JSON.stringify({ Records: [{ version: 2 }] }) };
      await destination.deliver([...removed, overwritten]);

      const { rows } = await reader.query<{ key: string; value: unknown }>(`SELECT key, value FROM ${namespaceTable} ORDER BY key`);
      expect(rows.map((r) => r.key)).toEqual(created.slice(100).map((m) => `photos/${m.key}`));
      expect(rows.find((r) => r.key === `photos/${created[500]!.key}`)!.value).toEqual({ Records: [{ version: 2 }] });
      expect(rows.find((r) => r.key === `photos/${created[501]!.key}`)!.value).toEqual(JSON.parse(created[501]!.body));
    } finally {
      await destination.close();
    }
  });

  it('rejects (no hang) when nothing listens on the port', async () => {
    const destination = postgresDestination(`postgres://postgres@127.0.0.1:${await freePort()}/test`, logTable, 'log', { timeoutMs: 1000 });
    try {
      await expect(destination.deliver(makeMessages(3))).rejects.toThrow();
    } finally {
      await destination.close();
    }
  });

  describe('with a private PostgreSQL cluster stopped and started again', () => {
    let server: PrivateBroker | null = null;
    beforeAll(async () => {
      server = await startPrivateBroker('postgres');
    }, 120_000);
    afterAll(async () => {
      await server?.destroy();
    });

    it('rejects while the server is down and delivers through the same Destination after it returns', async () => {
      const destination = postgresDestination(server!.url, 'outage', 'log', { timeoutMs: 2000 });
      try {
        const before = makeMessages(10, 'before');
        await destination.deliver(before);

        await server!.stop();
        await expect(destination.deliver(makeMessages(10, 'during'))).rejects.toThrow();
        await server!.start();

        const after = makeMessages(10, 'after');
        await destination.deliver(after);
        const privateReader = new pg.Client({ connectionString: server!.url });
        await privateReader.connect();
        const ids = await loggedIds(privateReader, 'outage');
        await privateReader.end();
        expect(ids.sort()).toEqual([...before, ...after].map((m) => m.id).sort());
      } finally {
        await destination.close();
      }
    });
  });
});
