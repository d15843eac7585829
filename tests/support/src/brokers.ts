/**
 * Private message brokers for fault tests: a RabbitMQ node, nats-server (JetStream), redis-server,
 * mosquitto or a PostgreSQL cluster of the test's own, on a free loopback port with a data
 * directory in a temp dir, so a test can stop it (by pid) and start it again on the same port and
 * data without touching the machine-wide brokers other suites use.
 *
 * `startPrivateBroker(kind)` returns null when the broker's program is missing: locally after a
 * loud message naming the Debian package to install, under CI=true it throws (tools.ts).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { makeTempDir, type TempDir } from './temp.js';
import { hasTool, missingPrerequisite } from './tools.js';

export type BrokerKind = 'rabbitmq' | 'nats' | 'redis' | 'mosquitto' | 'postgres';

export interface PrivateBroker {
  readonly kind: BrokerKind;
  readonly port: number;
  /** How a client reaches it: amqp://, nats://, redis://, mqtt:// or postgres:// (database `postgres`). */
  readonly url: string;
  /** The running process's pid, or undefined while stopped. */
  readonly pid: number | undefined;
  /** Stops the process by its pid and waits until it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once the port answers. */
  start(): Promise<void>;
  /** Stops it, waits `ms`, starts it again (an outage of about `ms`). */
  outage(ms: number): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

/** What launching one broker takes. */
interface LaunchSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** The signal that makes it stop cleanly (PostgreSQL: SIGINT, "fast shutdown"). */
  stopSignal: NodeJS.Signals;
  /** How long a start may take before the test fails. */
  startTimeoutMs: number;
  /** Beyond an open port, whether it serves (PostgreSQL answers "starting up" for a while). */
  ready?: () => boolean;
}

const DEBIAN_PACKAGE: Record<BrokerKind, string> = {
  rabbitmq: 'rabbitmq-server',
  nats: 'nats-server',
  redis: 'redis-server',
  mosquitto: 'mosquitto',
  postgres: 'postgresql',
};

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin), or undefined. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

function isInstalled(kind: BrokerKind): boolean {
  switch (kind) {
    case 'rabbitmq':
      return existsSync(RABBITMQ_SERVER) && hasTool('erl', ['-noshell', '-eval', 'halt().']);
    case 'nats':
      return hasTool('nats-server', ['--version']);
    case 'redis':
      return hasTool('redis-server', ['--version']);
    case 'mosquitto':
      // `mosquitto -h` exits non-zero: ask the shell whether it is on PATH.
      return hasTool('sh', ['-c', 'command -v mosquitto']);
    case 'postgres':
      return postgresBin() !== undefined;
  }
}

/**
 * Whether `kind`'s server program is installed. When it is not: locally a loud message naming
 * the package and false (the caller skips), under CI=true a thrown error (the suite fails).
 */
export function hasBroker(kind: BrokerKind): boolean {
  const ok = isInstalled(kind);
  if (!ok) missingPrerequisite(`the ${kind} server is not installed`, `Install it with: apt-get install -y ${DEBIAN_PACKAGE[kind]}`);
  return ok;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (!isAlive()) throw new Error(`the process meant to listen on port ${port} exited`);
    if (Date.now() > deadline) throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

class BrokerProcess implements PrivateBroker {
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(
    readonly kind: BrokerKind,
    readonly port: number,
    readonly url: string,
    private readonly dir: TempDir,
    private readonly spec: LaunchSpec,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const logFile = join(this.dir.path, `${this.kind}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.dir.path,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', log, log],
      ...(this.spec.uid !== undefined ? { uid: this.spec.uid, gid: this.spec.gid } : {}),
    });
    closeSync(log);
    this.#child = child;
    let alive = true;
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        alive = false;
        resolve();
      }),
    );
    try {
      const deadline = Date.now() + this.spec.startTimeoutMs;
      await waitForPort(this.port, this.spec.startTimeoutMs, () => alive);
      while (this.spec.ready && !this.spec.ready()) {
        if (!alive || Date.now() > deadline) throw new Error(`not ready within ${this.spec.startTimeoutMs} ms`);
        await sleep(100);
      }
    } catch (error) {
      await this.stop();
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`private ${this.kind} did not start: ${(error as Error).message}\n${tail}`);
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(this.spec.stopSignal);
      const stopped = await Promise.race([this.#exited!.then(() => true), sleep(30_000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await this.#exited;
      }
    }
    // The port must be closed before the caller checks that a client fails.
    await waitForPortClosed(this.port);
  }

  async outage(ms: number): Promise<void> {
    await this.stop();
    await sleep(ms);
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    await this.dir.cleanup();
  }
}

async function waitForPortClosed(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await sleep(100);
  }
}

/** The uid/gid of `user` (from /etc/passwd), for a server that refuses to run as root. */
function userIds(user: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

async function launchSpec(kind: BrokerKind, port: number, dir: string): Promise<{ spec: LaunchSpec; url: string }> {
  switch (kind) {
    case 'nats':
      return {
        url: `nats://127.0.0.1:${port}`,
        spec: { command: 'nats-server', args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'jetstream')], stopSignal: 'SIGTERM', startTimeoutMs: 20_000 },
      };
    case 'redis':
      return {
        url: `redis://127.0.0.1:${port}`,
        spec: {
          command: 'redis-server',
          // Append-only file fsynced on every write: what was acknowledged survives the restart.
          args: ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no'],
          stopSignal: 'SIGTERM',
          startTimeoutMs: 20_000,
        },
      };
    case 'mosquitto': {
      // Started as root, mosquitto drops to its own user, which must own the persistence directory.
      const owner = process.getuid?.() === 0 ? userIds('mosquitto') : undefined;
      if (owner) chownSync(dir, owner.uid, owner.gid);
      const conf = join(dir, 'mosquitto.conf');
      writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', ''].join('\n'));
      return { url: `mqtt://127.0.0.1:${port}`, spec: { command: 'mosquitto', args: ['-c', conf], stopSignal: 'SIGTERM', startTimeoutMs: 20_000 } };
    }
    case 'postgres': {
      const bin = postgresBin()!;
      const data = join(dir, 'data');
      const asUser = process.getuid?.() === 0 ? userIds('postgres') : undefined;
      if (process.getuid?.() === 0 && !asUser) throw new Error('a private PostgreSQL needs the postgres user when run as root (apt-get install -y postgresql creates it)');
      if (asUser) chownSync(dir, asUser.uid, asUser.gid);
      const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'], {
        encoding: 'utf8',
        timeout: 120_000,
        ...(asUser ?? {}),
      });
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        spec: {
          command: join(bin, 'postgres'),
          args: ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'],
          stopSignal: 'SIGINT',
          startTimeoutMs: 60_000,
          ready: () => spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { timeout: 10_000 }).status === 0,
          ...(asUser ?? {}),
        },
      };
    }
    case 'rabbitmq': {
      // A second node beside the machine's: its own name, ports, config, data and log dirs.
      // https://www.rabbitmq.com/docs/configure#supported-environment-variables
      const distPort = await freePort();
      const conf = join(dir, 'rabbitmq.conf');
      writeFileSync(conf, `listeners.tcp.local = 127.0.0.1:${port}\n`);
      writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
      writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
      return {
        url: `amqp://guest:guest@127.0.0.1:${port}`,
        spec: {
          command: RABBITMQ_SERVER,
          args: [],
          env: {
            HOME: dir,
            RABBITMQ_NODENAME: `bftest${port}@localhost`,
            RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
            RABBITMQ_NODE_PORT: String(port),
            RABBITMQ_DIST_PORT: String(distPort),
            RABBITMQ_CONFIG_FILE: conf,
            RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
            RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
            RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
            RABBITMQ_LOG_BASE: join(dir, 'log'),
            ERL_EPMD_ADDRESS: '127.0.0.1',
            ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
          },
          stopSignal: 'SIGTERM',
          startTimeoutMs: 120_000,
        },
      };
    }
  }
}

/**
 * Starts a private `kind` broker on a free loopback port (see the file comment); null when its
 * program is missing (after a loud message; under CI=true `hasBroker` throws instead).
 * Stop it with `destroy()` in afterAll.
 */
export async function startPrivateBroker(kind: BrokerKind): Promise<PrivateBroker | null> {
  if (!hasBroker(kind)) return null;
  const dir = await makeTempDir(`bucketfront-${kind}-`);
  try {
    const port = await freePort();
    const { spec, url } = await launchSpec(kind, port, dir.path);
    const broker = new BrokerProcess(kind, port, url, dir, spec);
    await broker.start();
    return broker;
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
}
