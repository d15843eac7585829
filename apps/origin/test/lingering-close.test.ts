/**
 * Lingering close (src/http/linger.ts): an answer given before the request body is read leaves the
 * connection open while the client keeps sending, however much it sends (within the linger's time
 * bound), and closes it once the client goes quiet, so a client that reads its answer late still
 * gets it rather than a reset. (A trickling client is cut at the time bound:
 * tests/system/test/security/origin-resources.test.ts.)
 */
import { connect, type Socket } from 'node:net';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER_IDLE_MS } from '../src/http/linger.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const MiB = 1024 * 1024;
let origin: TestOrigin;

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: 'private' }));
});
afterAll(async () => {
  await origin?.stop();
});

/** Writes `bytes` (1 MiB at a time, with backpressure); rejects if the connection fails meanwhile. */
function send(socket: Socket, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(MiB, 0x61);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.off('error', onError);
      resolve();
    };
    pump();
  });
}

describe('an early answer (an anonymous PUT of 1 GiB to a private bucket: 403 from the headers alone)', () => {
  it('the connection stays open while the body keeps coming (256 MiB after the answer), then closes once the client is quiet', { timeout: 60_000 }, async () => {
    const u = new URL(origin.url);
    const socket = connect(Number(u.port), u.hostname);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    const closed = new Promise<boolean>((resolve) => socket.once('close', resolve));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`PUT /private/big HTTP/1.1\r\nHost: ${u.host}\r\nContent-Length: ${1024 * MiB}\r\n\r\n`);
    await send(socket, 8 * MiB);
    while (!answer.includes('</Error>')) await new Promise((r) => setTimeout(r, 10));
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('<Code>AccessDenied</Code>');

    // Far more than a client would send before reading its answer (the old 64 MiB bound cut it):
    // all of it is read and dropped.
    await send(socket, 256 * MiB);
    expect(socket.destroyed).toBe(false);
    // The client stops sending (without ending): the server closes on its own, by the idle rule,
    // before the bound on the whole linger.
    const quietAt = Date.now();
    const hadError = await closed;
    expect(hadError).toBe(false);
    expect(Date.now() - quietAt).toBeLessThan(LINGER_IDLE_MS + 1_500);
  });
});
