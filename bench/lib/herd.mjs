// Thundering herd (bench/README.md, mode `edge`): open N TCP connections first, then write
// the same GET on all of them in one loop; every response is read to its end
// (`Connection: close`) and timed from the moment its request was written.

import { connect } from 'node:net';

function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, bodyBytes: 0, headers: {} };
  const head = buf.toString('latin1', 0, end).split('\r\n');
  const status = Number(head[0].split(' ')[1]) || 0;
  const headers = {};
  for (const l of head.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = buf.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let n = 0,
      p = 0;
    for (;;) {
      const le = body.indexOf('\r\n', p);
      if (le < 0) break;
      const size = parseInt(body.toString('latin1', p, le), 16);
      if (!size) break;
      n += size;
      p = le + 2 + size + 2;
    }
    return { status, headers, bodyBytes: n };
  }
  return { status, headers, bodyBytes: body.length };
}

export async function herd({ port, path, n = 200, host = '127.0.0.1', hostHeader, timeoutMs = 15000 }) {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const s = connect({ port, host });
          s.setNoDelay(true);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader ?? `${host}:${port}`}\r\nUser-Agent: bench-herd\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  const results = new Array(n);
  const done = socks.map(
    (s, i) =>
      new Promise((resolve) => {
        const chunks = [];
        let t0 = 0;
        s.on('data', (d) => chunks.push(d));
        const finish = (err) => {
          if (results[i]) return;
          const r = parseResponse(Buffer.concat(chunks));
          results[i] = { ms: performance.now() - t0, ...r, error: err ? String(err.message ?? err) : undefined };
          s.destroy();
          resolve();
        };
        s.once('end', () => finish());
        s.once('error', (e) => finish(e));
        s.setTimeout(timeoutMs, () => finish(new Error('timeout')));
        s.start = () => {
          t0 = performance.now();
          s.write(req);
        };
      }),
  );
  for (const s of socks) s.start();
  await Promise.all(done);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    n,
    statuses,
    bodies: results.map((r) => r.bodyBytes),
    errors: results.filter((r) => r.error).length,
    minMs: ms[0],
    p50Ms: ms[Math.floor(n / 2)],
    maxMs: ms[n - 1],
    over400: ms.filter((x) => x >= 400).length,
    results,
  };
}
