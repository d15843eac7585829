/**
 * A minimum transfer rate for viewer uploads on pass-through (slow-POST / slowloris-body defence,
 * issue 18 item 4): in every BODY_RATE_WINDOW_MS the viewer must send at least
 * MIN_BODY_BYTES_PER_SECOND on average, unless the origin is the slow side (backpressure). Like
 * Apache's mod_reqtimeout MinRate and nginx's client_body_timeout, a viewer that is too slow is
 * answered 408 Request Timeout (RFC 9110 §15.5.9) and its connection closed.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';

export const MIN_BODY_BYTES_PER_SECOND = 1024;
export const BODY_RATE_WINDOW_MS = 10_000;

export class BodyTooSlow extends Error {
  constructor() {
    super(`viewer body slower than ${MIN_BODY_BYTES_PER_SECOND} bytes/s over ${BODY_RATE_WINDOW_MS} ms`);
    this.name = 'BodyTooSlow';
  }
}

export class ViewerAborted extends Error {
  constructor() {
    super('viewer closed its connection before the end of its body');
    this.name = 'ViewerAborted';
  }
}

/** The viewer's body as a stream for the origin request; `onTooSlow` runs once when it is cut off. */
export function rateCheckedBody(req: IncomingMessage, onTooSlow: () => void): Readable {
  const out = new PassThrough();
  let windowBytes = 0;
  const minWindowBytes = (MIN_BODY_BYTES_PER_SECOND * BODY_RATE_WINDOW_MS) / 1000;
  const timer = setInterval(() => {
    const slow = windowBytes < minWindowBytes && !out.writableNeedDrain;
    windowBytes = 0;
    if (!slow) return;
    stop();
    req.unpipe(out);
    onTooSlow();
    out.destroy(new BodyTooSlow());
  }, BODY_RATE_WINDOW_MS);
  const stop = (): void => clearInterval(timer);
  req.on('data', (b: Buffer) => {
    windowBytes += b.length;
  });
  req.once('end', stop);
  // A viewer that closes its connection mid-body: the body never ends, so the origin request must
  // fail now rather than wait for bytes that will not come (it holds a pass-through connection).
  req.once('close', () => {
    stop();
    if (!req.complete) out.destroy(new ViewerAborted());
  });
  out.once('close', stop);
  req.pipe(out);
  return out;
}
