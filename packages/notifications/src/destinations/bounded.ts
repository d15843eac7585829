/**
 * The two things every destination needs: a time bound on each broker operation (a destination
 * never hangs the sender) and a connection opened lazily, dropped after a failure and opened
 * again on the next call (a broker restart needs no origin restart).
 */

/** A broker operation did not finish within the destination's `timeoutMs`. */
export class DestinationTimeoutError extends Error {
  override name = 'DestinationTimeoutError';
}

/** `work`, or a DestinationTimeoutError after `ms` (the timer never keeps the process alive). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DestinationTimeoutError(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One connection (or client) to a broker, opened on first use. After a failure the caller
 * `discard()`s it (closing it in the background) so the next `get()` opens a fresh one.
 */
export class LazyConnection<C> {
  /** The connection being opened or open, and once open, the connection itself. */
  #current: { opening: Promise<C>; open?: C } | undefined;
  #closed = false;

  /**
   * `usable` tells whether an open connection can still be used (not closed by the broker
   * since); one that cannot is dropped and a new one opened, so the first call after a broker
   * restart succeeds.
   */
  constructor(
    private readonly open: () => Promise<C>,
    private readonly shut: (connection: C) => Promise<void>,
    private readonly timeoutMs: number,
    private readonly what: string,
    private readonly usable: (connection: C) => boolean = () => true,
  ) {}

  /** The open connection, or a new one (bounded by the timeout; a failed open is not kept). */
  async get(): Promise<C> {
    if (this.#closed) throw new Error(`${this.what}: the destination is closed`);
    const current = this.#current;
    if (current) {
      const connection = await current.opening.catch(() => undefined);
      if (connection !== undefined && this.usable(connection)) return connection;
      if (connection !== undefined) this.discard(connection);
      // Another caller may have opened a new one meanwhile.
      if (this.#current) return this.#current.opening;
    }
    const opening = this.open();
    const entry: { opening: Promise<C>; open?: C } = { opening: withTimeout(opening, this.timeoutMs, `connecting to ${this.what}`) };
    this.#current = entry;
    entry.opening.then(
      (connection) => {
        entry.open = connection;
      },
      () => {
        if (this.#current === entry) this.#current = undefined;
        // An open that finishes after its timeout must not leak a socket.
        opening.then(
          (late) => this.shut(late).catch(() => {}),
          () => {},
        );
      },
    );
    return entry.opening;
  }

  /**
   * Closes `failed` without waiting, and forgets it if it is still the current connection (a
   * newer one that another caller opened meanwhile is kept).
   */
  discard(failed: C): void {
    if (this.#current?.open === failed) this.#current = undefined;
    this.shut(failed).catch(() => {});
  }

  /** Closes the connection (if one is open) and refuses any later `get()`. */
  async close(): Promise<void> {
    this.#closed = true;
    const current = this.#current;
    this.#current = undefined;
    if (!current) return;
    const connection = await current.opening.catch(() => undefined);
    if (connection !== undefined) await withTimeout(this.shut(connection), this.timeoutMs, `closing ${this.what}`).catch(() => {});
  }
}

/**
 * Runs `use(connection)`, bounded by the timeout; on any failure that connection is discarded
 * (the next call reconnects) and the error is rethrown.
 */
export async function useConnection<C, T>(connection: LazyConnection<C>, timeoutMs: number, what: string, use: (c: C) => Promise<T>): Promise<T> {
  const c = await connection.get();
  try {
    return await withTimeout(use(c), timeoutMs, what);
  } catch (error) {
    connection.discard(c);
    throw error;
  }
}

/** Runs calls one at a time, in call order (one connection can carry one transaction at a time). */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => {});
    return result;
  }
}
