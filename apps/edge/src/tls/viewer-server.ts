/**
 * The TLS viewer listener: HTTP/2 and HTTP/1.1 on one port (ALPN `h2`, `http/1.1`; RFC 9113 §3.2),
 * in front of the same engine as the plain listener (server.ts), which stays as it is. Each
 * distribution's security policy (tls/version-policy.ts) is enforced on the handshake where all
 * distributions agree (the listener's minVersion), else right after it by the TLS server name
 * (the connection is closed) and on each request by its Host (421 Misdirected Request, RFC 9110
 * §15.5.20), so a viewer cannot reach a strict distribution over a connection made for a lax one.
 * docs/tls.md#the-edge
 */
import http2, { type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ReloadableTlsServer, TlsMaterial } from '@bucketfront/http-basics';
import type { DistributionConfig } from '../config/types.js';
import type { EdgeEngineHandle } from '../engine.js';
import { http1Listener, sendTimeoutMs, type ViewerServerOptions } from '../server.js';
import { adaptH2, asHttp1 } from './h2-compat.js';
import { tlsVersionPolicy } from './version-policy.js';

export interface TlsViewerServerOptions extends ViewerServerOptions {
  material: TlsMaterial;
  distributions: ReadonlyArray<Pick<DistributionConfig, 'id' | 'aliases' | 'viewerCertificate'>>;
}

export interface TlsViewerServer {
  server: Http2SecureServer;
  /** For reloadTlsOnSighup: a new certificate for new handshakes, the security policy kept. */
  reloadable: ReloadableTlsServer;
  /** Stops accepting and closes every connection (h2 sessions and HTTP/1.1 sockets). */
  close(): Promise<void>;
}

const MISDIRECTED_BODY = 'This connection does not meet the security policy (minimum TLS version) of the distribution the request names.\n';

export function createTlsViewerServer(engine: Pick<EdgeEngineHandle, 'handle'>, opts: TlsViewerServerOptions): TlsViewerServer {
  const ms = sendTimeoutMs(opts);
  const policy = tlsVersionPolicy(opts.distributions);
  const h1 = http1Listener(engine, ms);
  // With one policy for all, the handshake enforces it; otherwise each request's Host is checked.
  const meetsPolicy = (req: { socket: unknown; headers: { host?: string | undefined } }): boolean => {
    if (policy.uniform) return true;
    const socket = req.socket as TLSSocket;
    return policy.allows(socket.getProtocol(), policy.required(req.headers.host));
  };
  const misdirected = (res: ServerResponse | Http2ServerResponse): void => {
    (res as ServerResponse).writeHead(421, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(MISDIRECTED_BODY)) });
    res.end(MISDIRECTED_BODY);
  };
  const onRequest = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    if (req.httpVersionMajor !== 2) {
      if (!meetsPolicy(req)) return misdirected(res);
      return h1(req as IncomingMessage, res as ServerResponse);
    }
    const r2 = req as Http2ServerRequest;
    const s2 = res as Http2ServerResponse;
    if (!adaptH2(r2, s2, ms)) return;
    if (!meetsPolicy(r2)) return misdirected(s2);
    const [r, s] = asHttp1(r2, s2);
    engine.handle(r, s);
  };
  const server = http2.createSecureServer(
    {
      cert: opts.material.cert,
      key: opts.material.key,
      allowHTTP1: true,
      minVersion: policy.loosest,
      noDelay: true,
      // As the plain listener (server.ts): CloudFront's 20,480-byte request headers.
      maxSendHeaderBlockLength: 64 * 1024,
      settings: { maxHeaderListSize: 32 * 1024 },
    },
    onRequest,
  );
  // HTTP/1.1 over TLS: the plain listener's limits (the fallback reads them from this server).
  Object.assign(server, { keepAliveTimeout: 65_000, requestTimeout: 120_000, headersTimeout: 20_000, maxHeaderSize: 20_480, maxHeadersCount: 200 });
  server.on('checkContinue', onRequest);
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    if (!policy.uniform && !policy.allows(socket.getProtocol(), policy.required(socket.servername))) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server,
    reloadable: {
      setSecureContext(options) {
        server.setSecureContext({ ...options, minVersion: policy.loosest });
      },
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
