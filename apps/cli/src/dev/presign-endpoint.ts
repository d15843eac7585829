/**
 * The demo's presign endpoint: `GET /api/presign?filename=…&contentType=…` answers a presigned
 * POST form (POST Object, https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html)
 * for one new key under `incoming/<random id>/` of the uploads bucket, limited to images of at
 * most `maxBytes`, and the edge URLs where the thumbnails will appear. The form's URL is the
 * bucket's path on the edge (`/<bucket>`), so the page uploads same-origin.
 * A real application would authenticate its user here; the demo signs for anyone who can reach
 * it (it listens on 127.0.0.1, and the edge in front of it is local too).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen } from '@bucketfront/http-basics';

export interface PresignedPostForm {
  url: string;
  fields: Record<string, string>;
}

/** Signs a POST policy for exactly `key` (createPresignedPost of ../s3/presigned-post.ts). */
export type SignUpload = (key: string, contentType: string) => Promise<PresignedPostForm>;

export interface PresignEndpoint {
  url: string;
  close(): Promise<void>;
}

/** Characters kept from a file name in the key; the rest become `_` (a key must stay a simple URL path segment for the page). */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 100);
  return cleaned === '' ? 'image' : cleaned;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export async function startPresignEndpoint(opts: {
  host: string;
  bucket: string;
  sign: SignUpload;
  /** Thumbnail widths and their key prefix in the thumbnails bucket, served by the edge under `/<prefix>`. */
  thumbnailWidths: number[];
  thumbnailPrefix: string;
}): Promise<PresignEndpoint> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://presign');
    if (url.pathname !== '/api/presign') return send(res, 404, { message: 'not found' });
    if (req.method !== 'GET') return send(res, 405, { message: 'GET only' });
    const contentType = url.searchParams.get('contentType') ?? '';
    if (!/^image\/[A-Za-z0-9.+-]+$/.test(contentType)) return send(res, 400, { message: 'only images (contentType image/…) may be uploaded' });
    const key = `incoming/${randomUUID()}/${safeFileName(url.searchParams.get('filename') ?? '')}`;
    const form = await opts.sign(key, contentType);
    const thumbnails = Object.fromEntries(opts.thumbnailWidths.map((w) => [String(w), `/${opts.thumbnailPrefix}${w}/${key}.webp`]));
    send(res, 200, { url: `/${opts.bucket}`, fields: form.fields, key, thumbnails });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: (err as Error).message }));
  });
  const port = await listen(server, 0, opts.host);
  return { url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`, close: () => closeServer(server) };
}
