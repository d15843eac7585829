// Process, port and shell helpers for the benchmark harness.
// Every process started through `startProcess` is tracked and stopped by
// `stopAll()` (called from run.mjs in `finally` and on SIGINT/SIGTERM).

import { spawn, execFile } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { openSync, closeSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set();
// Things that are not one process group of ours (e.g. a Ceph cluster started by a script whose
// daemons each run in a session of their own): { name, stop: async () => …, stopSync: () => … }.
const cleanups = new Set();

/**
 * Have stopAll() (end of a mode, failure, watchdog, Ctrl-C) run `stop`, and the process 'exit'
 * handler run `stopSync` when stopAll() never ran. Returns `release()`: call it once the resource
 * was stopped by its owner.
 */
export function onStopAll(c) {
  cleanups.add(c);
  return () => cleanups.delete(c);
}

export function log(...a) {
  const t = new Date().toISOString().slice(11, 19);
  console.error(`[${t}]`, ...a);
}

/** A free TCP port on 127.0.0.1 (bind 0, read, close). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export async function waitPort(port, { timeoutMs = 30000, proc } = {}) {
  const t0 = Date.now();
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`${proc.name} exited (${proc.exitCode}) before listening on ${port}; see ${proc.logFile}`);
    const ok = await new Promise((resolve) => {
      const c = connect({ port, host: '127.0.0.1' });
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`port ${port} not listening after ${timeoutMs} ms${proc ? ` (${proc.name}, log ${proc.logFile})` : ''}`);
    await sleep(50);
  }
}

/**
 * Start a long-running process in its own process group, stdout+stderr to logFile
 * (or to a callback via `onStdout`). Returns a handle with pid, name, logFile, stop().
 */
export function startProcess(name, cmd, args, { env, cwd, logFile, stopSignal = 'SIGTERM', onStdout } = {}) {
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', onStdout ? 'pipe' : fd, fd],
  });
  if (logFile) closeSync(fd);
  if (onStdout) child.stdout.on('data', onStdout);
  const h = {
    name,
    child,
    pid: child.pid,
    logFile,
    get exitCode() {
      return child.exitCode ?? (child.signalCode ? 128 : null);
    },
    exited: new Promise((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig))),
    async stop(timeoutMs = 5000) {
      running.delete(h);
      if (child.exitCode !== null || child.signalCode) return;
      try {
        process.kill(child.pid, stopSignal);
      } catch {
        /* gone */
      }
      const done = await Promise.race([h.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
      // Whatever is left in the group (workers, children): kill hard.
      try {
        process.kill(-child.pid, done ? 'SIGTERM' : 'SIGKILL');
      } catch {
        /* gone */
      }
      if (!done) await Promise.race([h.exited, sleep(2000)]);
    },
  };
  child.on('error', (e) => log(`${name}: spawn error: ${e.message}`));
  running.add(h);
  return h;
}

const transient = new Set(); // children of run(): wrk, aws, dd, … (killed by stopAll too)

export async function stopAll() {
  for (const pid of transient) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  transient.clear();
  const all = [...running];
  await Promise.all(all.map((h) => h.stop().catch(() => {})));
  const cs = [...cleanups];
  cleanups.clear();
  await Promise.all(
    cs.map((c) =>
      Promise.resolve()
        .then(() => c.stop())
        .catch((e) => log(`${c.name}: stop failed: ${e.message}`)),
    ),
  );
}

/** Synchronous-ish kill for process 'exit' handlers. */
export function killAllNow() {
  for (const h of running) {
    try {
      process.kill(-h.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  running.clear();
  for (const pid of transient) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  transient.clear();
  for (const c of cleanups) {
    try {
      c.stopSync?.();
    } catch {
      /* best effort */
    }
  }
  cleanups.clear();
}

/** Run a command to completion; resolves {code, stdout, stderr, ms}. Never rejects on non-zero exit. */
export function run(cmd, args, { env, cwd, timeoutMs = 300000, input } = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    if (child.pid) transient.add(child.pid);
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      stderr += `\n[bench] killed after ${timeoutMs} ms`;
    }, timeoutMs);
    child.on('error', (e) => {
      stderr += String(e);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      transient.delete(child.pid);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

export function which(bin) {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${bin}`], (e, out) => resolve(e ? null : out.trim() || null)));
}

/** Peak and current RSS of a pid from /proc (KiB), or null. */
export function procMem(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const g = (k) => {
      const m = s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'));
      return m ? Number(m[1]) : null;
    };
    return { hwmKiB: g('VmHWM'), rssKiB: g('VmRSS') };
  } catch {
    return null;
  }
}

/**
 * Sample VmRSS of pid (and its direct children) every 10 ms while fn runs; VmHWM of pid at the end.
 * Resolves { r, maxRssMiB, hwmMiB, rssBeforeMiB }.
 */
export async function withRssSampling(pid, fn) {
  let maxRss = 0;
  const sample = () => {
    for (const p of [pid, ...childPids(pid)]) {
      const m = procMem(p);
      if (m?.rssKiB > maxRss) maxRss = m.rssKiB;
    }
  };
  const before = procMem(pid);
  const t = setInterval(sample, 10);
  try {
    const r = await fn();
    sample();
    return { r, maxRssMiB: maxRss / 1024, hwmMiB: (procMem(pid)?.hwmKiB ?? 0) / 1024, rssBeforeMiB: (before?.rssKiB ?? 0) / 1024 };
  } finally {
    clearInterval(t);
  }
}

/** Children pids of a pid (direct), from /proc. */
export function childPids(pid) {
  try {
    const f = `/proc/${pid}/task/${pid}/children`;
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function loadavg() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return '?';
  }
}

export { sleep };

/** Descendant pids of pid (recursive), from /proc/PID/task/TID/children. */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = [];
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        /* gone */
      }
      for (const k of kids) {
        out.push(k);
        walk(k);
      }
    }
  };
  walk(pid);
  return out;
}

/** user+system CPU seconds of pid and all its descendants (clock ticks at 100 Hz). */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

/** Run fn and report the cores used by pid's process tree meanwhile: { r, cores }. */
export async function withCpu(pid, fn) {
  if (!pid) return { r: await fn(), cores: null };
  const c0 = cpuSeconds(pid),
    t0 = performance.now();
  const r = await fn();
  const secs = (performance.now() - t0) / 1000;
  return { r, cores: Math.round(((cpuSeconds(pid) - c0) / secs) * 100) / 100 };
}

/**
 * CPU used by several process trees over an interval: `const m = cpuMeter({ ours: pid, rgw: pid2 })`,
 * later `m.stop()` → { ours: cores, rgw: cores } (cores of the machine's, over the wall time).
 */
export function cpuMeter(pids) {
  const alive = (p) => {
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
    } catch {
      return false;
    }
  };
  // Per pid, so a process that exits (or is a zombie) meanwhile counts 0 instead of going negative.
  const entries = Object.entries(pids)
    .filter(([, p]) => p)
    .map(([k, p]) => [
      k,
      [p]
        .flat()
        .filter(alive)
        .map((x) => [x, cpuSeconds(x)]),
    ]);
  const t0 = performance.now();
  return {
    stop() {
      const secs = (performance.now() - t0) / 1000;
      return Object.fromEntries(entries.map(([k, list]) => [k, Math.round((list.reduce((a, [x, c0]) => a + (alive(x) ? Math.max(0, cpuSeconds(x) - c0) : 0), 0) / secs) * 100) / 100]));
    },
  };
}

/** Pids whose command line contains `needle` (from /proc/PID/cmdline), e.g. a broker's beam.smp. */
export function pidsMatching(needle) {
  const out = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (Number(d) !== process.pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The machine's idle share over an interval (from /proc/stat): `const m = idleMeter()`, later `m.stop()` → 0..1. */
export function idleMeter() {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) }; // idle + iowait
  };
  const a = read();
  return {
    stop() {
      const b = read();
      return Math.round(((b.idle - a.idle) / Math.max(1, b.total - a.total)) * 100) / 100;
    },
  };
}

/** Pids whose process group is pgid (from /proc/PID/stat field 5). */
export function groupPids(pgid) {
  const out = [];
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of pids) {
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(d)); // field 3 state, field 5 pgrp
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * SIGKILL a started process's whole group (a crash of every process of the server at once) and
 * wait until none of them is left; the handle is no longer tracked by stopAll(). Returns the
 * pids that were killed.
 */
export async function killGroupHard(h, timeoutMs = 5000) {
  running.delete(h);
  const pids = groupPids(h.pid);
  try {
    process.kill(-h.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  await Promise.race([h.exited, sleep(timeoutMs)]);
  const t0 = Date.now();
  while (groupPids(h.pid).length && Date.now() - t0 < timeoutMs) await sleep(10);
  const left = groupPids(h.pid);
  if (left.length) throw new Error(`${h.name}: ${left.length} process(es) of group ${h.pid} still alive after SIGKILL`);
  return pids;
}
