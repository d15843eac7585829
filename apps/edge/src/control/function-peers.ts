/**
 * PublishFunction and DeleteFunction on peer edges (config.peers), sent like invalidations
 * (peer-fanout.ts): signed, marked `x-bucketfront-peer: 1`, retried.
 * - PublishFunction `POST /2020-05-31/function/{Name}/publish` carries the LIVE stage itself, as a
 *   CreateFunctionRequest document, with its ETag and times in headers: the peer stores it as both
 *   its DEVELOPMENT and LIVE stage (same ETag) and applies it on its workers before answering.
 * - DeleteFunction `DELETE /2020-05-31/function/{Name}` with the time of the deletion.
 * A peer ignores a change older than what it has (retries may arrive out of order).
 */
import type { IncomingMessage } from 'node:http';
import { errors } from './errors.js';
import type { StoredFunction, StoredStage } from './function-store.js';
import { sendRequestToPeer, type PeerSendOptions } from './peer-fanout.js';
import { functionConfigNode } from './function-xml.js';
import { renderDocument } from './xml.js';

const ETAG_HEADER = 'x-bucketfront-function-etag';
const MODIFIED_HEADER = 'x-bucketfront-function-modified';
const CREATED_HEADER = 'x-bucketfront-function-created';

function functionPath(name: string): string {
  return `/2020-05-31/function/${encodeURIComponent(name)}`;
}

/** The LIVE stage as a CreateFunctionRequest document (FunctionCode base64, as the SDKs send it). */
export function renderFunctionDefinition(name: string, s: Pick<StoredStage, 'code' | 'comment' | 'runtime' | 'kvsAssociations'>): string {
  return renderDocument('CreateFunctionRequest', [
    ['Name', name],
    ['FunctionConfig', functionConfigNode(s, (arn) => arn)],
    ['FunctionCode', s.code.toString('base64')],
  ]);
}

export function publishOnPeer(peer: string, fn: StoredFunction & { live: StoredStage }, opts: PeerSendOptions): Promise<void> {
  return sendRequestToPeer(
    peer,
    {
      method: 'POST',
      path: `${functionPath(fn.name)}/publish`,
      headers: {
        [ETAG_HEADER]: fn.live.etag,
        [MODIFIED_HEADER]: String(fn.live.lastModifiedTime.getTime()),
        [CREATED_HEADER]: String(fn.createdTime.getTime()),
      },
      body: renderFunctionDefinition(fn.name, fn.live),
      absentCode: 'NoSuchFunctionExists',
    },
    opts,
  );
}

export function deleteOnPeer(peer: string, name: string, at: Date, opts: PeerSendOptions): Promise<void> {
  return sendRequestToPeer(peer, { method: 'DELETE', path: functionPath(name), headers: { [MODIFIED_HEADER]: String(at.getTime()) }, body: '', absentCode: 'NoSuchFunctionExists' }, opts);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function time(req: IncomingMessage, name: string): Date {
  const v = header(req, name);
  if (v === undefined || !/^\d{1,15}$/.test(v)) throw errors.invalidArgument(`A peer request needs the ${name} header (milliseconds).`);
  return new Date(Number(v));
}

/** What a peer's PublishFunction says besides the definition. */
export function peerPublishMeta(req: IncomingMessage): { etag: string; lastModifiedTime: Date; createdTime: Date } {
  const etag = header(req, ETAG_HEADER);
  if (etag === undefined || !/^[A-Z0-9]{1,64}$/.test(etag)) throw errors.invalidArgument(`A peer PublishFunction needs the ${ETAG_HEADER} header.`);
  return { etag, lastModifiedTime: time(req, MODIFIED_HEADER), createdTime: time(req, CREATED_HEADER) };
}

export function peerDeleteTime(req: IncomingMessage): Date {
  return time(req, MODIFIED_HEADER);
}
