/**
 * The SDK's Node handler over keep-alive agents sized to the transfer concurrency; `caBundle`
 * (else $AWS_CA_BUNDLE) is what HTTPS endpoints are verified against (./ca-bundle.ts).
 */
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { caAgentOptions } from './ca-bundle.js';

export function makeHttpHandler(maxSockets: number, caBundle?: string): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets, ...caAgentOptions(caBundle) }),
    connectionTimeout: 10_000,
    requestTimeout: 120_000,
  });
}
