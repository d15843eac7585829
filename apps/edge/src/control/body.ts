/** Reads a request body into memory, bounded. */
import type { IncomingMessage } from 'node:http';
import { ControlError } from './errors.js';

/** The control API's documents are small; 1 MiB is far above a 3,000-path batch of typical paths. */
export const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_CONTROL_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // 'aborted' / ECONNRESET: the client went away mid-body; that is its error, not ours.
      if (!failed) reject(err.message === 'aborted' || err.code === 'ECONNRESET' ? incomplete() : err);
      failed = true;
    });
    // A client that disconnects mid-body: settle instead of waiting forever.
    req.on('close', () => {
      if (!ended && !failed) {
        failed = true;
        reject(incomplete());
      }
    });
  });
}

function incomplete(): ControlError {
  return new ControlError('IncompleteBody', 400, 'The client closed the connection before sending the whole body.');
}

function tooLarge(limit: number): ControlError {
  return new ControlError('BatchTooLarge', 413, `The request body exceeds the ${limit}-byte limit of the control API.`);
}
