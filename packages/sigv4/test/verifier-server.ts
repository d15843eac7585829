/**
 * A tiny real HTTP server for the real-client tests: it runs verifyRequest and
 * createPayloadDecoder exactly as the origin / edge would, records what it saw,
 * and answers like S3 (XML errors) or CloudFront (ErrorResponse).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayloadDecoder, sha256Hex, verifyRequest, type PayloadError } from '@bucketfront/sigv4';

export interface Recorded {
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  outcome: 'anonymous' | 'signed' | 'error';
  accessKeyId?: string;
  via?: 'header' | 'presigned';
  payload?: string;
  error?: { code: string; status: number; message: string; detail?: Record<string, string> };
  bodySha256?: string;
  decodedLength?: number;
  checksum?: { algorithm: string; value: string };
}

export interface VerifierServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function sendError(res: ServerResponse, service: string, e: { code: string; status: number; message: string; detail?: Record<string, string> }): void {
  const detail = Object.entries(e.detail ?? {})
    .map(([k, v]) => `<${k}>${esc(v)}</${k}>`)
    .join('');
  const body =
    service === 's3'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${esc(e.message)}</Message>${detail}<RequestId>T1</RequestId><HostId>H1</HostId></Error>`
      : `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${esc(e.message)}</Message></Error><RequestId>T1</RequestId></ErrorResponse>`;
  res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendOk(res: ServerResponse, service: string, rec: Recorded): void {
  if (service === 'cloudfront') {
    const body =
      '<?xml version="1.0"?>\n<Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I1</Id><Status>Completed</Status>' +
      '<CreateTime>2026-11-25T10:00:00Z</CreateTime><InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths>' +
      '<CallerReference>ref</CallerReference></InvalidationBatch></Invalidation>';
    res.writeHead(201, { 'content-type': 'text/xml', location: 'http://x/2020-05-31/distribution/D/invalidation/I1', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  // Only GET answers with the record (for presigned-URL tests): botocore parses any
  // other 200 body as a possible S3 "200 error" XML document.
  const body = res.req.method === 'GET' ? JSON.stringify(rec) : '';
  res.writeHead(200, {
    etag: `"${createHash('md5')
      .update(rec.bodySha256 ?? '')
      .digest('hex')}"`,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export async function startVerifierServer(opts: {
  service: 's3' | 'cloudfront';
  secrets: Record<string, string>;
  /** the server's clock relative to the real one */
  clockOffsetMs?: number;
}): Promise<VerifierServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = q < 0 ? '' : rawUrl.slice(q + 1);
    const rec: Recorded = { method: req.method ?? 'GET', path, query, headers: req.headers, outcome: 'anonymous' };
    requests.push(rec);
    const now = new Date(Date.now() + (opts.clockOffsetMs ?? 0));
    const lookupSecret = (id: string): string | undefined => opts.secrets[id];

    if (opts.service === 'cloudfront') {
      // CloudFront has no x-amz-content-sha256: hash the (small) body first, then verify.
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = Buffer.concat(parts);
        const result = verifyRequest({ method: rec.method, path, query, headers: req.headers }, { lookupSecret, now, service: 'cloudfront', payloadSha256Hex: sha256Hex(body) });
        rec.outcome = result.kind;
        if (result.kind === 'error') {
          rec.error = { code: result.code, status: result.status, message: result.message, ...(result.detail ? { detail: result.detail } : {}) };
          return sendError(res, 'cloudfront', result);
        }
        if (result.kind === 'signed') rec.accessKeyId = result.accessKeyId;
        rec.bodySha256 = sha256Hex(body);
        sendOk(res, 'cloudfront', rec);
      });
      return;
    }

    const result = verifyRequest({ method: rec.method, path, query, headers: req.headers }, { lookupSecret, now, service: 's3' });
    rec.outcome = result.kind;
    if (result.kind === 'error') {
      rec.error = { code: result.code, status: result.status, message: result.message, ...(result.detail ? { detail: result.detail } : {}) };
      req.resume();
      return sendError(res, 's3', result);
    }
    if (result.kind === 'signed') {
      rec.accessKeyId = result.accessKeyId;
      rec.via = result.via;
      rec.payload = result.payload.kind;
    }
    const decoder = createPayloadDecoder(result, req.headers);
    const hash = createHash('sha256');
    decoder.on('data', (c: Buffer) => hash.update(c));
    decoder.on('error', (e: PayloadError) => {
      rec.error = { code: e.code, status: e.status, message: e.message };
      req.unpipe(decoder);
      req.resume();
      sendError(res, 's3', { code: e.code, status: e.status, message: e.message });
    });
    decoder.on('end', () => {
      rec.bodySha256 = hash.digest('hex');
      rec.decodedLength = decoder.decodedLength;
      if (decoder.checksum) rec.checksum = decoder.checksum;
      sendOk(res, 's3', rec);
    });
    req.pipe(decoder);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An S3 verifier server and a scratch directory (in the OS temp dir, named from `tmpPrefix`): a test file's beforeAll. */
export async function startWithScratchDir(secrets: Record<string, string>, tmpPrefix: string): Promise<{ server: VerifierServer; dir: string }> {
  const server = await startVerifierServer({ service: 's3', secrets });
  return { server, dir: mkdtempSync(join(tmpdir(), tmpPrefix)) };
}

/** Closes the server and removes the scratch directory of {@link startWithScratchDir}: the afterAll. */
export async function stopWithScratchDir(server: VerifierServer, dir: string): Promise<void> {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
