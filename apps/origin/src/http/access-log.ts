/**
 * One structured JSON line per request. Lines are batched and written once
 * per event-loop turn, so the request path never does synchronous I/O.
 */
export interface AccessLogEntry {
  time: string;
  requestId: string;
  remote: string | undefined;
  method: string;
  path: string;
  bucket?: string;
  key?: string;
  operation: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  userAgent?: string;
}

export type AccessLogSink = (entry: AccessLogEntry) => void;

/** JSON lines to a writable (stdout by default), buffered per tick. */
export function createJsonLineSink(out: NodeJS.WritableStream = process.stdout): AccessLogSink {
  // A closed stdout (EPIPE) must never take the server down; lines are then dropped.
  out.on('error', () => {});
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const chunk = pending.join('');
    pending = [];
    out.write(chunk);
  };
  return (entry) => {
    pending.push(JSON.stringify(entry) + '\n');
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
