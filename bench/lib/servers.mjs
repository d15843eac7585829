// Starting the peers (nginx static, nginx proxy_cache, Varnish, s3rver) and ours
// (bucketfront origin / edge through the built CLI) on free loopback ports.

import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, waitPort, freePorts, run, log, which } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH = join(here, '..');
export const ROOT = join(BENCH, '..');
export const WORK = join(BENCH, '.work');
export const CONFIG = join(BENCH, 'config');

/** Fill @@NAME@@ placeholders of bench/config/<name>; throws on a placeholder left unfilled. */
export function renderTemplate(name, vars) {
  const src = readFileSync(join(CONFIG, name), 'utf8');
  const out = src.replace(/@@([A-Z_]+)@@/g, (m, k) => {
    if (!(k in vars)) throw new Error(`${name}: no value for ${m}`);
    return String(vars[k]);
  });
  return out;
}

function mkdirp(...ps) {
  for (const p of ps) mkdirSync(p, { recursive: true });
}

/** The nginx origin serving `site` on two listeners (direct: no log; upstream: access log). */
export async function startNginxOrigin({ name = 'nginx-origin', site, mutable, tcpNopush = 'on', logs }) {
  const prefix = join(WORK, 'run', name);
  rmSync(prefix, { recursive: true, force: true });
  mkdirp(join(prefix, 'tmp'), logs, mutable);
  // nginx workers run as www-data: the served trees must be readable (they are: 0755/0644).
  const [direct, upstream] = await freePorts(2);
  const conf = renderTemplate('nginx-origin.conf', {
    PREFIX: prefix,
    LOGS: logs,
    SITE: site,
    MUTABLE: mutable,
    DIRECT_PORT: direct,
    UPSTREAM_PORT: upstream,
    TCP_NOPUSH: tcpNopush,
  });
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const accessLog = join(logs, 'origin_access.log');
  writeFileSync(accessLog, '');
  chmodSync(mutable, 0o755);
  const p = startProcess(name, 'nginx', ['-g', 'daemon off;', '-e', join(logs, `${name}_error.log`), '-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    logFile: join(logs, `${name}.out`),
    stopSignal: 'SIGQUIT',
  });
  await waitPort(direct, { proc: p });
  await waitPort(upstream, { proc: p });
  return { proc: p, directUrl: `http://127.0.0.1:${direct}`, upstreamUrl: `http://127.0.0.1:${upstream}`, upstreamPort: upstream, accessLog, stop: () => p.stop() };
}

/**
 * The counting origin of the edge-cache mode: nginx serving `root` with Cache-Control
 * max-age=3600 and one access-log line per request (config/nginx-cache-origin.conf).
 */
export async function startCountingOrigin({ name = 'cache-origin', root, logs }) {
  const prefix = join(WORK, 'run', name);
  rmSync(prefix, { recursive: true, force: true });
  mkdirp(join(prefix, 'tmp'), logs);
  const [port] = await freePorts(1);
  writeFileSync(join(prefix, 'nginx.conf'), renderTemplate('nginx-cache-origin.conf', { PREFIX: prefix, LOGS: logs, ROOT: root, PORT: port }));
  const accessLog = join(logs, 'cache-origin_access.log');
  writeFileSync(accessLog, '');
  const p = startProcess(name, 'nginx', ['-g', 'daemon off;', '-e', join(logs, `${name}_error.log`), '-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    logFile: join(logs, `${name}.out`),
    stopSignal: 'SIGQUIT',
  });
  await waitPort(port, { proc: p });
  return { proc: p, url: `http://127.0.0.1:${port}`, port, accessLog, stop: () => p.stop() };
}

/**
 * nginx proxy_cache edge in front of originPort. `fresh: false` keeps the prefix (its cache
 * directory: a restart over the same cache); `port` reuses a listener port; `wait: false` returns
 * right after the spawn (the caller polls).
 */
export async function startNginxEdge({ name, originPort, tcpNopush = 'on', logs, fresh = true, port, wait = true }) {
  const prefix = join(WORK, 'run', name);
  if (fresh) rmSync(prefix, { recursive: true, force: true });
  mkdirp(join(prefix, 'tmp'), join(prefix, 'cache'), logs);
  port ??= (await freePorts(1))[0];
  const conf = renderTemplate('nginx-edge.conf', { PREFIX: prefix, LOGS: logs, NAME: name, ORIGIN_PORT: originPort, PORT: port, TCP_NOPUSH: tcpNopush });
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const p = startProcess(name, 'nginx', ['-g', 'daemon off;', '-e', join(logs, `${name}_error.log`), '-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    logFile: join(logs, `${name}.out`),
    stopSignal: 'SIGQUIT',
  });
  if (wait) await waitPort(port, { proc: p });
  return { proc: p, url: `http://127.0.0.1:${port}`, port, cacheDir: join(prefix, 'cache'), stop: () => p.stop() };
}

/**
 * Varnish with the builtin VCL, backend = originPort (bench/config/varnish.md). `storage` is the -s
 * argument (default malloc,256M; a relative file path is taken under the work directory);
 * `fresh: false` keeps the work directory, `port` reuses the listener port, `wait: false` returns
 * right after the spawn.
 */
export async function startVarnish({ originPort, logs, name = 'varnish', storage = 'malloc,256M', fresh = true, port, wait = true }) {
  const workdir = join(WORK, 'run', name);
  if (fresh) rmSync(workdir, { recursive: true, force: true });
  mkdirp(workdir, logs);
  if (port == null) [port] = await freePorts(1);
  const [admin] = await freePorts(1);
  const args = [
    '-F',
    '-a',
    `127.0.0.1:${port}`,
    '-T',
    `127.0.0.1:${admin}`,
    '-b',
    `127.0.0.1:${originPort}`,
    '-s',
    storage.replace('@@WORKDIR@@', workdir),
    '-n',
    workdir,
    '-P',
    join(workdir, 'varnishd.pid'),
  ];
  const p = startProcess(name, 'varnishd', args, { logFile: join(logs, `${name}.out`) });
  if (wait) await waitPort(port, { proc: p, timeoutMs: 30000 });
  return { proc: p, url: `http://127.0.0.1:${port}`, port, workdir, cmd: `varnishd ${args.join(' ')}`, stop: () => p.stop() };
}

export const S3RVER_CREDS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** s3rver 3.7.1 under --openssl-legacy-provider (ListObjectsV2 continuation tokens use DES). */
export async function startS3rver({ logs, buckets = [], websiteBuckets = [], silent = true }) {
  const bin = join(BENCH, 'node_modules', 's3rver', 'bin', 's3rver.js');
  if (!existsSync(bin)) throw new Error('s3rver not installed: run `npm install --prefix bench` (or bash bench/setup.sh)');
  const data = join(WORK, 'run', 's3rver-data');
  rmSync(data, { recursive: true, force: true });
  mkdirp(data, logs);
  const [port] = await freePorts(1);
  const websiteXml = join(CONFIG, 's3rver-website.xml');
  const args = ['--openssl-legacy-provider', bin, '-d', data, '-a', '127.0.0.1', '-p', String(port)];
  if (silent) args.push('--silent');
  for (const b of websiteBuckets) args.push('--configure-bucket', b, websiteXml);
  for (const b of buckets) args.push('--configure-bucket', b);
  const p = startProcess('s3rver', process.execPath, args, { logFile: join(logs, 's3rver.out'), env: { FORCE_COLOR: '1' } });
  await waitPort(port, { proc: p });
  return { proc: p, url: `http://127.0.0.1:${port}`, port, pid: p.pid, credentials: S3RVER_CREDS, stop: () => p.stop() };
}

// ---------------------------------------------------------------- ours

export const OURS_CREDS = { accessKeyId: 'BENCHAKIDEXAMPLE0001', secretAccessKey: 'benchSecretKey/0123456789abcdefghijklmnop' };
const CLI_DIST = join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const CLI_SRC = join(ROOT, 'apps', 'cli', 'src', 'bin.ts');

let oursCache = null;
/**
 * How to run the bucketfront CLI: { ok, cmd, args, reason, commands }.
 * Uses the built CLI (`npm run build` first unless BENCH_NO_BUILD=1 and dist exists), or sources
 * with BENCH_OURS=source. ok=false with a reason when the CLI (or the command) is not there yet.
 */
export async function oursCli() {
  if (oursCache) return oursCache;
  let cmd = process.execPath,
    pre;
  if (process.env.BENCH_OURS === 'source') {
    pre = ['--conditions=source', '--import', 'tsx', CLI_SRC];
  } else {
    // Build unless told not to (turbo makes an up-to-date build a cache hit).
    if (!existsSync(CLI_DIST) || process.env.BENCH_NO_BUILD !== '1') {
      // Only the CLI and what it depends on (origin, edge, packages/*): a failing build
      // elsewhere in the monorepo must not keep ours out of the benchmark.
      log('building the CLI and its dependencies (turbo run build --filter=bucketfront...) …');
      const b = await run('npx', ['turbo', 'run', 'build', '--filter=bucketfront...', '--output-logs=errors-only'], { cwd: ROOT, timeoutMs: 480000 });
      if (b.code !== 0) log(`build failed (exit ${b.code}); ${existsSync(CLI_DIST) ? 'using the existing dist' : 'ours not available'}:\n${(b.stdout + b.stderr).slice(-1500)}`);
    }
    pre = [CLI_DIST];
  }
  const help = await run(cmd, [...pre, '--help'], { cwd: ROOT, timeoutMs: 30000 });
  const text = help.stdout + help.stderr;
  const commands = new Set();
  for (const c of ['origin', 'edge', 'sync', 'mb', 'website', 'invalidate', 'function']) if (new RegExp(`^\\s+${c}\\b`, 'm').test(text)) commands.add(c);
  oursCache = {
    ok: help.code === 0 && commands.size > 0,
    cmd,
    args: pre,
    commands,
    reason: help.code === 0 ? (commands.size ? '' : 'the CLI lists no commands yet') : `\`bucketfront --help\` failed: ${text.slice(0, 200)}`,
  };
  if (!oursCache.ok) log(`bucketfront CLI not usable: ${oursCache.reason}`);
  return oursCache;
}

export async function oursHas(command) {
  const c = await oursCli();
  if (!c.ok) return { ok: false, reason: c.reason };
  if (!c.commands.has(command)) return { ok: false, reason: `\`bucketfront ${command}\` is not implemented yet` };
  return { ok: true };
}

export function oursEnv() {
  return {
    BUCKETFRONT_ACCESS_KEY_ID: OURS_CREDS.accessKeyId,
    BUCKETFRONT_SECRET_ACCESS_KEY: OURS_CREDS.secretAccessKey,
    AWS_ACCESS_KEY_ID: OURS_CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: OURS_CREDS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
}

/**
 * Our origin via `bucketfront origin`; stdout (the JSON access log) goes to logs/<name>.out.
 * `store`: a `--store` spec (e.g. `s3:http://127.0.0.1:7480?bucketPrefix=bf-`) instead of the fs
 * data directory, with `storeCredentials` ({ accessKeyId, secretAccessKey }) passed as
 * BUCKETFRONT_STORE_ACCESS_KEY_ID / _SECRET_ACCESS_KEY. `websitePort: true` adds a website
 * listener on a free port. `nodeArgs` go to node before the CLI (e.g. --cpu-prof).
 */
export async function startOursOrigin({ name = 'ours-origin', logs, dataDir, fresh = true, accessLog = true, extraArgs = [], store, storeCredentials, websitePort = false, nodeArgs = [] }) {
  const has = await oursHas('origin');
  if (!has.ok) throw new NotAvailable(has.reason);
  const c = await oursCli();
  if (!accessLog) {
    c.originHelp ??= (await run(c.cmd, [...c.args, 'origin', '--help'], { cwd: ROOT, timeoutMs: 30000 })).stdout;
    if (c.originHelp.includes('--no-access-log')) extraArgs = ['--no-access-log', ...extraArgs];
  }
  let data = null;
  const storeArgs = [];
  if (store) {
    storeArgs.push('--store', store);
  } else {
    data = dataDir ?? join(WORK, 'run', `${name}-data`);
    if (fresh) rmSync(data, { recursive: true, force: true });
    mkdirp(data);
    storeArgs.push('--data', data);
  }
  mkdirp(logs);
  const [port, wport] = await freePorts(2);
  if (websitePort) storeArgs.push('--website-port', String(wport));
  const logFile = join(logs, `${name}.out`);
  writeFileSync(logFile, '');
  const env = { ...oursEnv() };
  if (storeCredentials) Object.assign(env, { BUCKETFRONT_STORE_ACCESS_KEY_ID: storeCredentials.accessKeyId, BUCKETFRONT_STORE_SECRET_ACCESS_KEY: storeCredentials.secretAccessKey });
  const p = startProcess(name, c.cmd, [...nodeArgs, ...c.args, 'origin', '--port', String(port), '--host', '127.0.0.1', ...storeArgs, ...extraArgs], { logFile, env, cwd: ROOT });
  await waitPortsOrExplain(p, websitePort ? [port, wport] : [port], logFile, 4);
  return {
    proc: p,
    pid: p.pid,
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir: data,
    store,
    logFile,
    credentials: OURS_CREDS,
    stop: () => p.stop(),
    ...(websitePort ? { websitePort: wport, websiteUrl: `http://127.0.0.1:${wport}` } : {}),
  };
}

/**
 * Wait (30 s each) for `ports` of process `p`; on failure stop it and say why (e.g. a
 * configuration it refuses) with the last `tailLines` lines of its log instead of only pointing at the log.
 */
async function waitPortsOrExplain(p, ports, logFile, tailLines) {
  try {
    for (const port of ports) await waitPort(port, { proc: p, timeoutMs: 30000 });
  } catch (e) {
    let tail = '';
    try {
      tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-tailLines).join(' | ');
    } catch {
      /* no log */
    }
    await p.stop();
    throw new Error(`${e.message}${tail ? `: ${tail}` : ''}`);
  }
}

/** The edge.yaml cache mapping when a mode gives no overrides (what the edge mode runs with). */
export const OURS_EDGE_CACHE = Object.freeze({ maxSizeBytes: 268435456, maxObjectBytes: 33554432 });

/**
 * Our edge via `bucketfront edge --workers N`; config rendered from bench/config/edge.yaml.
 * `cache`: fields merged into the config's cache mapping (e.g. { diskPath, maxDiskBytes }; a
 * field set to undefined is left out). `name`: run directory and log name. `fresh: false` keeps
 * the run directory (and a diskPath under it: a restart over the same cache). `origin`: fields
 * merged into the distribution's one origin (default { id: 'nginx' (its name in the edge mode), url: http://127.0.0.1:originPort,
 * connectionTimeout: 10, connectionAttempts: 3, responseTimeout: 30 }; e.g. { hostHeader }). `port` /
 * `controlPort` reuse ports; `wait: false` returns right after the spawn (the caller polls); `extraArgs`
 * go after the edge's own (e.g. --tls-cert FILE --tls-key FILE).
 */
export async function startOursEdge({ logs, originPort, origin = {}, workers = 2, cache = {}, name = 'ours-edge', fresh = true, port, controlPort, wait = true, extraArgs = [], nodeArgs = [] }) {
  const has = await oursHas('edge');
  if (!has.ok) throw new NotAvailable(has.reason);
  const c = await oursCli();
  const dir = join(WORK, 'run', name);
  if (fresh) rmSync(dir, { recursive: true, force: true });
  mkdirp(dir, logs);
  const cfg = join(dir, 'edge.yaml');
  // The shared tier lives in the run directory (a fresh run starts cold), never in the user's
  // ~/.cache/bucketfront/edge, which `bucketfront edge` would use by default.
  const cacheCfg = Object.fromEntries(Object.entries({ ...OURS_EDGE_CACHE, diskPath: join(dir, 'cache'), ...cache }).filter(([, v]) => v !== undefined));
  const originCfg = { id: 'nginx', url: `http://127.0.0.1:${originPort}`, connectionTimeout: 10, connectionAttempts: 3, responseTimeout: 30, ...origin };
  writeFileSync(cfg, renderTemplate('edge.yaml', { ORIGIN: JSON.stringify(originCfg), CACHE: JSON.stringify(cacheCfg) }));
  const [p1, p2] = await freePorts(2);
  port ??= p1;
  controlPort ??= p2;
  const logFile = join(logs, `${name}.out`);
  const p = startProcess(name, c.cmd, [...nodeArgs, ...c.args, 'edge', '--config', cfg, '--port', String(port), '--control-port', String(controlPort), '--workers', String(workers), ...extraArgs], {
    logFile,
    env: oursEnv(),
    cwd: ROOT,
  });
  if (wait) await waitPortsOrExplain(p, [port, controlPort], logFile, 6);
  return {
    proc: p,
    url: `http://127.0.0.1:${port}`,
    port,
    controlPort,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    distributionId: 'EBENCH00000001',
    credentials: OURS_CREDS,
    config: cfg,
    cache: cacheCfg,
    logFile,
    stop: () => p.stop(),
  };
}

export class NotAvailable extends Error {}

export async function toolVersions() {
  const v = {};
  const first = async (cmd, args) => {
    const r = await run(cmd, args, { timeoutMs: 20000 });
    return (
      (r.stdout + r.stderr)
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? '?'
    );
  };
  if (await which('nginx')) v.nginx = await first('nginx', ['-v']);
  if (await which('varnishd')) v.varnish = await first('varnishd', ['-V']);
  if (await which('wrk')) v.wrk = (await first('wrk', ['-v'])).split(' ').slice(0, 2).join(' ');
  if (await which('aws')) v.aws = await first('aws', ['--version']);
  try {
    v.s3rver = JSON.parse(readFileSync(join(BENCH, 'node_modules', 's3rver', 'package.json'), 'utf8')).version;
  } catch {
    /* absent */
  }
  return v;
}

/** Env for the aws CLI against an endpoint with given credentials. */
export function awsEnv(creds) {
  return {
    AWS_CONFIG_FILE: join(CONFIG, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export async function aws(args, { creds, endpoint, timeoutMs = 300000 }) {
  return run('aws', [...args, '--endpoint-url', endpoint], { env: awsEnv(creds), timeoutMs });
}
