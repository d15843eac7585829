// A throw-away Ceph cluster (scripts/ceph-dev-cluster.sh, docs/ceph-dev-cluster.md) for the
// cluster mode: started in a fresh directory under bench/.work on a free block of 100 ports, with
// the harness's pid as --owner-pid (the script's watchdog stops it should the harness die), and
// registered with stopAll() so the end of the mode, a failure, the watchdog or Ctrl-C stop it
// (`stop DIR --purge`: the daemons, the cgroup and the directory with its 3 × 10 GiB sparse files).

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run, log, which, onStopAll, sleep } from './proc.mjs';
import { ROOT, WORK } from './servers.mjs';

export const CEPH_SCRIPT = join(ROOT, 'scripts', 'ceph-dev-cluster.sh');
export const CEPH_BINARIES = ['ceph', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool'];

export async function missingCephBinaries() {
  const out = [];
  for (const b of CEPH_BINARIES) if (!(await which(b))) out.push(b);
  return out;
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A base B with B..B+99 free (monitor B, B+1; radosgw B+2; messengers B+10..B+99), as the vitest setup picks it. */
async function freeBasePort() {
  const slots = 110; // 21000 … 31900, below the ephemeral range
  const first = Math.floor(Math.random() * slots);
  for (let i = 0; i < slots; i++) {
    const base = 21000 + ((first + i) % slots) * 100;
    let free = true;
    for (let p = base; p < base + 100 && free; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error('no free block of 100 ports between 21000 and 32000 on 127.0.0.1');
}

/** The pid in DIR/<name>.pid if that process is alive and names DIR's ceph.conf (as the script checks). */
function pidOf(dir, name) {
  try {
    const pid = Number(readFileSync(join(dir, `${name}.pid`), 'utf8').trim());
    if (!pid) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return cmdline.includes(join(dir, 'ceph.conf')) && state !== 'Z' ? pid : null;
  } catch {
    return null;
  }
}

const DAEMONS = ['mon.a', 'mgr.x', 'osd.0', 'osd.1', 'osd.2', 'client.rgw.a'];

/**
 * Start a cluster; resolves { dir, endpoint, credentials, startMs, pids(), rgwPid(), stopRgw(), stop() }.
 * `stopRgw()` stops radosgw alone (SIGTERM, SIGKILL after 5 s); `stop()` stops everything and
 * deletes the directory (idempotent).
 */
export async function startCephCluster({ logs, name = 'ceph' } = {}) {
  const missing = await missingCephBinaries();
  if (missing.length) throw new Error(`Ceph programs missing: ${missing.join(', ')} (Debian: apt-get install ceph-mon ceph-osd ceph-mgr radosgw ceph-common; docs/ceph-dev-cluster.md)`);
  const dir = join(WORK, `${name}-${process.pid}-${Date.now().toString(36)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env = {};
  if (!['CEPH_DEV_BASE_PORT', 'CEPH_DEV_MON_PORT', 'CEPH_DEV_RGW_PORT', 'CEPH_DEV_MS_PORT_MIN'].some((k) => process.env[k])) env.CEPH_DEV_BASE_PORT = String(await freeBasePort());
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    spawnSync('bash', [CEPH_SCRIPT, 'stop', dir, '--purge'], { stdio: 'ignore', timeout: 60000 });
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const t0 = Date.now();
    const r = await run('bash', [CEPH_SCRIPT, 'stop', dir, '--purge'], { timeoutMs: 60000 });
    rmSync(dir, { recursive: true, force: true });
    log(`ceph: stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.code ? ` (stop exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')})` : ''}; ${dir} deleted`);
  };
  // Registered before the start: a start interrupted half-way leaves daemons to stop too.
  const release = onStopAll({ name: 'ceph cluster', stop, stopSync });
  log(`ceph: starting a cluster in ${dir}${env.CEPH_DEV_BASE_PORT ? ` (base port ${env.CEPH_DEV_BASE_PORT})` : ''} …`);
  const t0 = Date.now();
  const r = await run('bash', [CEPH_SCRIPT, 'start', dir, '--owner-pid', String(process.pid)], { env, timeoutMs: 150000 });
  const startMs = Date.now() - t0;
  if (logs) {
    try {
      mkdirSync(logs, { recursive: true });
    } catch {
      /* exists */
    }
    try {
      writeFileSync(join(logs, 'ceph-start.out'), `${r.stdout}\n${r.stderr}`);
    } catch {
      /* best effort */
    }
  }
  if (r.code !== 0 || !existsSync(join(dir, 'cluster.json'))) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-12).join('\n');
    await stop();
    release();
    throw new Error(`scripts/ceph-dev-cluster.sh start failed (exit ${r.code}) after ${(startMs / 1000).toFixed(1)} s:\n${tail}`);
  }
  const facts = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8'));
  log(`ceph: up in ${(startMs / 1000).toFixed(1)} s, radosgw ${facts.endpoint}`);
  return {
    dir,
    startMs,
    endpoint: facts.endpoint,
    credentials: { accessKeyId: facts.accessKeyId, secretAccessKey: facts.secretAccessKey },
    /** { 'mon.a': pid, …, 'client.rgw.a': pid } of the daemons alive now. */
    pids: () => Object.fromEntries(DAEMONS.map((d) => [d, pidOf(dir, d)]).filter(([, p]) => p)),
    rgwPid: () => pidOf(dir, 'client.rgw.a'),
    async stopRgw() {
      const pid = pidOf(dir, 'client.rgw.a');
      if (!pid) return { ms: 0, signal: null };
      const t = Date.now();
      let signal = 'SIGTERM';
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      while (pidOf(dir, 'client.rgw.a') && Date.now() - t < 5000) await sleep(50);
      if (pidOf(dir, 'client.rgw.a')) {
        signal = 'SIGKILL';
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        while (pidOf(dir, 'client.rgw.a') && Date.now() - t < 10000) await sleep(50);
      }
      return { ms: Date.now() - t, signal, gone: !pidOf(dir, 'client.rgw.a') };
    },
    async stop() {
      await stop();
      release();
    },
  };
}
