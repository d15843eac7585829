/**
 * An edge in its own process tree (primary + cluster workers), so tests can measure its memory
 * apart from the test runner: `node --conditions=source --import tsx edge-process-main.ts`.
 * The child prints `{"port":…}` on its first stdout line and stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { sourceNodeArgs } from '@bucketfront/test-support';

export interface EdgeProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** The primary and every live worker process. */
  pids(): number[];
  /** Summed VmRSS of the primary and its workers, bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./edge-process-main.ts', import.meta.url));

const NODE = realpathSync(process.execPath);
const isNode = (pid: number): boolean => {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === NODE;
  } catch {
    return false;
  }
};

/** Direct node children of `pid` (Linux: /proc/<pid>/task/<tid>/children): the cluster workers, not tsx's esbuild. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number).filter(isNode));
    }
  } catch {
    /* the process is gone */
  }
  return out;
}

export function vmRssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function startEdgeProcess(config: Record<string, unknown>, workers: number): Promise<EdgeProcess> {
  const child = spawn(process.execPath, sourceNodeArgs(MAIN), {
    env: { ...process.env, EDGE_PROCESS_CONFIG: JSON.stringify(config), EDGE_PROCESS_WORKERS: String(workers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch (err) {
        reject(err as Error);
      }
    });
    child.once('exit', (code) => reject(new Error(`edge process exited (code ${code})`)));
  });
  const pid = child.pid!;
  const pids = (): number[] => [pid, ...childPids(pid)];
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    pids,
    rssBytes: () => pids().reduce((n, p) => n + vmRssBytes(p), 0),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        for (const p of pids().reverse()) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
