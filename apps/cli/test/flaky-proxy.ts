/**
 * A deliberately flaky network in front of the real origin: an HTTP proxy that forwards
 * every request unchanged (the Host header too, so SigV4 signatures stay valid) except
 * the PUTs that `fail` picks, which it answers itself with S3's 503 SlowDown error
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). It is not a mock
 * of the origin: everything that gets through is served by the origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PutAttempt {
  /** Object key, decoded (path-style: /bucket/key). */
  key: string;
  /** 1 for the first PUT of this key (a multipart key counts each of its part uploads). */
  attempt: number;
}

export interface FlakyProxyOptions {
  /** Which PUTs to answer with 503 SlowDown (default: none). */
  fail?: (put: PutAttempt) => boolean;
  /** Sees every request before it is answered or forwarded (for recording headers). */
  observe?: (req: http.IncomingMessage) => void;
}

export interface FlakyProxy {
  url: string;
  /** PUT requests seen per key (failed ones included). */
  putsByKey: Map<string, number>;
  /** PUT requests answered with 503 SlowDown. */
  failed: number;
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>' +
  '<RequestId>FLAKYPROXY0001</RequestId><HostId>flaky-proxy</HostId></Error>';

function keyOf(url: string): string {
  const path = new URL(url, 'http://proxy').pathname;
  const slash = path.indexOf('/', 1);
  return slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
}

export async function startFlakyProxy(originUrl: string, opts: FlakyProxyOptions = {}): Promise<FlakyProxy> {
  const target = new URL(originUrl);
  const agent = new http.Agent({ keepAlive: true });
  const state = { putsByKey: new Map<string, number>(), failed: 0 };

  const server = http.createServer((req, res) => {
    opts.observe?.(req);
    if (req.method === 'PUT') {
      const key = keyOf(req.url ?? '/');
      const attempt = (state.putsByKey.get(key) ?? 0) + 1;
      state.putsByKey.set(key, attempt);
      if (opts.fail?.({ key, attempt })) {
        state.failed++;
        // Read the body first, as a server does, so the client sees a clean answer.
        req.resume();
        req.on('end', () => {
          res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN), 'x-amz-request-id': 'FLAKYPROXY0001' });
          res.end(SLOW_DOWN);
        });
        return;
      }
    }
    // The proxy already answered any `Expect: 100-continue`; do not make the origin wait for a second one.
    const headers = { ...req.headers };
    delete headers.expect;
    const upstream = http.request({ protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    putsByKey: state.putsByKey,
    get failed() {
      return state.failed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
