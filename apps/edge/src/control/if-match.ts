/**
 * If-Match on the function operations that change or run a version (UpdateFunction,
 * PublishFunction, TestFunction, DeleteFunction): the header is required and must be the
 * current ETag of the stage the operation acts on. Absent or empty → InvalidIfMatchVersion (400);
 * any other value → PreconditionFailed (412).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateFunction.html#API_UpdateFunction_Errors
 */
import type { IncomingMessage } from 'node:http';
import { errors } from './errors.js';

/** The If-Match value (quotes, as some HTTP clients add them, removed), or undefined. */
export function ifMatchOf(req: IncomingMessage): string | undefined {
  const raw = req.headers['if-match'];
  const value = (Array.isArray(raw) ? raw[0] : raw)
    ?.trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return value === undefined || value === '' ? undefined : value;
}

/** Throws unless If-Match is one of `current` (undefined entries: stages that do not exist). */
export function checkIfMatch(req: IncomingMessage, ...current: Array<string | undefined>): void {
  const value = ifMatchOf(req);
  if (value === undefined) throw errors.invalidIfMatchVersion();
  if (!current.includes(value)) throw errors.preconditionFailed();
}
