/**
 * The viewer listener: plain node:http, Nagle off on every socket (the nginx 40 ms stall in
 * bench/README.md#machine-caveats is Nagle + delayed ACK), generous keep-alive.
 */
import http from 'node:http';
import { hasRepeatedHost } from '@bucketfront/http-basics';
import { CONFIG_DEFAULTS } from './config/validate.js';
import type { EdgeEngineHandle } from './engine.js';

const REPEATED_HOST_BODY = '<html><head><title>400 Bad Request</title></head><body><h1>400 Bad Request</h1><p>A request may carry only one Host header.</p></body></html>\n';

/**
 * Send timeout (config `viewerSendTimeout`, like nginx `send_timeout`): a response whose bytes the
 * viewer does not take for that long closes the connection. Otherwise a viewer that stops reading
 * pins what is being sent: an evicted entry's Buffer, or for a streamed object a fill connection to
 * the origin (undici's body timeout does not run while the stream is paused by backpressure).
 * CloudFront has a comparable fixed limit: its quotas list an idle timeout of 10 minutes after which a
 * connection that carried no bytes from the origin to the client is closed.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
 * Node's socket timeout counts a pending write that progresses as activity (net.Socket _onTimeout
 * compares writeQueueSize), so only a stalled write times out; a response still waiting for its
 * origin has nothing pending and is left alone (the origin's own timeouts apply).
 */
export function armSendTimeout(res: http.ServerResponse, ms: number): void {
  res.setTimeout(ms, () => {
    const socket = res.socket;
    if (socket !== null && socket.writableLength > 0) socket.destroy();
  });
}

export interface ViewerServerOptions {
  /** Seconds; default CONFIG_DEFAULTS.viewerSendTimeout. */
  sendTimeout?: number | undefined;
}

/** Seconds of `sendTimeout`, in ms. */
export const sendTimeoutMs = (opts: ViewerServerOptions): number => (opts.sendTimeout ?? CONFIG_DEFAULTS.viewerSendTimeout) * 1000;

/**
 * The HTTP/1.x request listener (the plain listener's, and the TLS listener's for viewers that
 * do not speak h2). RFC 9112 §3.2: more than one Host field line → 400, so the distribution (and
 * cache key) can never be chosen from a different Host than the one a downstream component sees.
 */
export function http1Listener(engine: Pick<EdgeEngineHandle, 'handle'>, ms: number): http.RequestListener {
  return (req, res) => {
    armSendTimeout(res, ms);
    if (!hasRepeatedHost(req.rawHeaders)) return engine.handle(req, res);
    res.writeHead(400, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(REPEATED_HOST_BODY), connection: 'close' });
    res.end(REPEATED_HOST_BODY);
  };
}

export function createViewerServer(engine: Pick<EdgeEngineHandle, 'handle'>, opts: ViewerServerOptions = {}): http.Server {
  const handle = http1Listener(engine, sendTimeoutMs(opts));
  // maxHeaderSize: CloudFront accepts requests up to 20,480 bytes (Node's default is 16 KiB).
  // Slowloris: the header block must arrive within 20 s (checked every 5 s), as on the origin.
  const server = http.createServer({ keepAliveTimeout: 65_000, noDelay: true, requestTimeout: 120_000, headersTimeout: 20_000, connectionsCheckingInterval: 5_000, maxHeaderSize: 20_480 }, handle);
  server.on('connection', (socket) => socket.setNoDelay(true));
  // Expect: 100-continue → handled like any request; pass-through sends 100 Continue when its
  // origin request starts (viewer/pass-through.ts), any other answer is final (RFC 9110 §10.1.1).
  server.on('checkContinue', handle);
  // Requests ≤ 20,480 bytes of headers (CloudFront quota); Node's default limit is 16 KiB.
  server.maxHeadersCount = 200;
  return server;
}
