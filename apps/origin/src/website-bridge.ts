/**
 * The seam to the website endpoint (apps/origin/src/website, website team):
 * `handleWebsiteRequest(req, res, ctx)`. Loaded lazily so the API works
 * (answering 404) until that module exists.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectStore } from '@bucketfront/object-store';

export interface WebsiteRequestContext {
  store: ObjectStore;
  bucket: string | null;
  region: string;
  requestId: string;
  hostId: string;
  scheme: 'http' | 'https';
  /** Domain of the website host names (default `localhost`). */
  websiteDomain?: string;
  /** True on the website-port listener (a non-website Host names the bucket itself). */
  isWebsitePort?: boolean;
}

type WebsiteHandler = (req: IncomingMessage, res: ServerResponse, ctx: WebsiteRequestContext) => unknown;

let loaded: Promise<WebsiteHandler | null> | undefined;

function load(): Promise<WebsiteHandler | null> {
  // A computed specifier keeps the type checker from requiring the module.
  const specifier = './website/index.js';
  loaded ??= import(specifier).then(
    (m: { handleWebsiteRequest?: WebsiteHandler }) => m.handleWebsiteRequest ?? null,
    (err: unknown) => {
      process.stderr.write(`bucketfront origin: website endpoint unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
      return null;
    },
  );
  return loaded;
}

export async function serveWebsite(req: IncomingMessage, res: ServerResponse, ctx: WebsiteRequestContext): Promise<void> {
  const handler = await load();
  if (handler) {
    await handler(req, res, ctx);
    return;
  }
  const body = '<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n<li>Code: NoSuchWebsiteConfiguration</li>\n</ul>\n</body>\n</html>\n';
  res.writeHead(404, ['Content-Type', 'text/html; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)), 'x-amz-request-id', ctx.requestId, 'x-amz-id-2', ctx.hostId]);
  res.end(req.method === 'HEAD' ? undefined : body);
}
