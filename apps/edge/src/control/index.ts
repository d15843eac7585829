/**
 * The edge's control API: CloudFront 2020-05-31 REST-XML (invalidations,
 * distributions), Prometheus `/metrics`, `/health`, and peer fan-out.
 */
import http from 'node:http';
import type { EdgeConfig, EdgeRuntime } from './runtime-types.js';

export type { EdgeConfig, EdgeRuntime } from './runtime-types.js';

export interface ControlServerOptions {
  runtime: EdgeRuntime;
  credentials: { accessKeyId: string; secretAccessKey: string };
  config: EdgeConfig;
  now?: () => Date;
}

/** Returns a server that is not listening yet; the caller (startEdge) listens on the control port. */
export function createControlServer(opts: ControlServerOptions): http.Server {
  void opts;
  return http.createServer((_req, res) => {
    res.writeHead(501, { 'content-type': 'text/xml' });
    res.end('<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>control API under construction</Message></Error><RequestId>0</RequestId></ErrorResponse>');
  });
}
