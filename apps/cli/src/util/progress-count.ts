/**
 * `label: done/total` on stderr for runs of many small operations: on a terminal one line
 * redrawn at most 10 times a second (cleared when a result line is printed and at the end);
 * elsewhere (CI logs, pipes) one line every 5 s, so only long runs print any.
 */
export interface ProgressCount {
  tick(): void;
  /** Clears the terminal line before another line is printed. */
  clear(): void;
  stop(): void;
}

export function progressCount(label: string, total: number, enabled: boolean): ProgressCount {
  const none: ProgressCount = { tick() {}, clear() {}, stop() {} };
  if (!enabled || total === 0) return none;
  const tty = !!process.stderr.isTTY;
  let done = 0;
  let shown = false;
  const render = () => {
    if (tty) {
      process.stderr.write(`\r\x1b[K${label}: ${done}/${total}`);
      shown = true;
    } else {
      process.stderr.write(`${label}: ${done}/${total}\n`);
    }
  };
  const timer = setInterval(render, tty ? 100 : 5000);
  timer.unref();
  return {
    tick() {
      done++;
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
    stop() {
      clearInterval(timer);
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
