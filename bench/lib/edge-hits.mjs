// Cache-hit throughput of one object through one edge (the edge mode's hit runs, shared with the
// edge-cache mode): 3 GETs (the body checked, the third a hit by the edge's own header), a 1 s
// wrk warm-up, then wrk (median of `reps` runs) with the origin requests made meanwhile counted.

import { log, sleep } from './proc.mjs';
import { wrk, wrkMedian, fmtWrk } from './wrk.mjs';
import { httpGet } from './s3.mjs';

/** Is this response a cache hit, by each edge's own header? (id: ours | varnish | nginx…) */
export function isHit(id, h) {
  if (id === 'ours' || id.startsWith('ours')) return /^(Hit|RefreshHit)\b/i.test(h['x-cache'] ?? '');
  if (id === 'varnish' || id.startsWith('varnish')) return /^\d+ \d+$/.test(h['x-varnish'] ?? '');
  return (h['x-cache-status'] ?? '') === 'HIT';
}

/**
 * e: { id, name, url, proc }; obj: { id, path }; expected: the body (Buffer);
 * originCount(): the origin's request count so far (a number, or a promise of one). Returns the wrk figures plus
 * { originRequests, hitHeader }, or { ok: false, error } when the warm-up GETs fail.
 * `notes` gets a line for each anomaly (not a hit, origin requests during the run).
 */
export async function measureHit({ e, obj, expected, originCount, ctx, conns = 64, label = `${e.id}-${obj.id}`, notes }) {
  const url = e.url + obj.path;
  let last;
  try {
    for (let i = 0; i < 3; i++) last = await httpGet(url);
  } catch (err) {
    last = { status: 0, body: Buffer.alloc(0), headers: {}, error: err.message };
  }
  if (last.status !== 200 || !last.body.equals(expected)) {
    const error = `warm-up GET: HTTP ${last.status}, ${last.body.length} bytes ${last.error ?? ''}`;
    notes.push(`${e.name} ${obj.path}: ${error}`);
    log(`${e.name} ${obj.path}: ${error}`);
    return { ok: false, error };
  }
  const hit = isHit(e.id, last.headers);
  if (!hit)
    notes.push(
      `${e.name} ${obj.path}: third warm-up GET was not a hit by its header (${JSON.stringify({ xc: last.headers['x-cache'], xcs: last.headers['x-cache-status'], xv: last.headers['x-varnish'] })})`,
    );
  await wrk({ url, conns, duration: '1s', label: `warmup-${label}`, rawDir: ctx.rawDir });
  const before = await originCount();
  const r = await wrkMedian({ url, conns, duration: ctx.duration, label, rawDir: ctx.rawDir, pid: e.proc.pid }, ctx.reps);
  await sleep(100);
  r.originRequests = (await originCount()) - before;
  r.hitHeader = hit;
  log(`${e.name} ${obj.id}: ${fmtWrk(r)}; origin requests during the run: ${r.originRequests}`);
  if (r.originRequests) notes.push(`${e.name} ${obj.id}: ${r.originRequests} origin requests during the hit run`);
  return r;
}
