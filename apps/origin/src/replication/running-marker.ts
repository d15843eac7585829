/**
 * The "running" marker of an origin node's replication engine: `<data>/replication/running.<node id>`,
 * written when the engine starts and removed when it stops cleanly. Found at start, it means the
 * last process of this node did not stop cleanly (a crash, SIGKILL, power loss): a version written
 * PENDING may have missed its queue record, and crash-scan.ts looks for such versions.
 * docs/replication.md#after-an-unclean-stop.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export class RunningMarker {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  /** The node's marker; `leftByCrash`: a previous process left it (it did not stop cleanly). */
  static async open(dataDir: string, nodeId: string): Promise<{ marker: RunningMarker; leftByCrash: boolean }> {
    const dir = join(dataDir, 'replication');
    const file = join(dir, `running.${nodeId}`);
    let leftByCrash = true;
    try {
      await fsp.access(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      leftByCrash = false;
    }
    return { marker: new RunningMarker(dir, file), leftByCrash };
  }

  /** Writes the marker, durably (file and directory synced). */
  async write(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    const fh = await fsp.open(this.file, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.syncDir();
  }

  /** A clean stop: the next start scans nothing. */
  async remove(): Promise<void> {
    await fsp.rm(this.file, { force: true });
    await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    const dh = await fsp.open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
