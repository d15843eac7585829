/** The SDK's Node handler over keep-alive agents sized to the transfer concurrency. */
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export function makeHttpHandler(maxSockets: number): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    connectionTimeout: 10_000,
    requestTimeout: 120_000,
  });
}
