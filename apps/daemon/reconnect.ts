/**
 * Keeping a connection up: dial, wait while it lasts, dial again after a capped exponential
 * backoff with jitter. Used for `--connect` URLs, signaling servers and peers found by mDNS, so a
 * daemon started before its peers finds them when they appear, and one that lost a peer finds
 * it again when it comes back, without many daemons retrying in lockstep.
 */

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay, ms. @default 500 */
  initial?: number;
  /** Largest delay, ms. @default 30000 */
  max?: number;
  /** Growth per failed attempt. @default 2 */
  factor?: number;
  /** Random source in [0, 1), injectable for tests. @default Math.random */
  random?: () => number;
}

/**
 * Delays of successive failed attempts: `initial · factor^n` capped at `max`, each one drawn
 * from its upper half ("equal jitter": never less than half, so attempts still spread out
 * but a retry is never immediate).
 */
export class Backoff {
  private attempt = 0;
  private readonly initial: number;
  private readonly max: number;
  private readonly factor: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initial = options.initial ?? 500;
    this.max = Math.max(options.max ?? 30_000, this.initial);
    this.factor = options.factor ?? 2;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, ms. */
  next(): number {
    const cap = Math.min(this.max, this.initial * this.factor ** this.attempt++);
    return cap / 2 + this.random() * (cap / 2);
  }

  /** After a success: the next failure starts from `initial` again. */
  reset(): void {
    this.attempt = 0;
  }
}

/** A connection that was made: `closed` settles when it ends. */
export interface Connection {
  readonly closed: Promise<unknown>;
  /** Ends it (when the loop is stopped). */
  close(): void;
}

/** Options of {@link keepConnected}. */
export interface KeepConnectedOptions extends BackoffOptions {
  /** Makes one connection; a rejection counts as a failed attempt. */
  connect: () => Promise<Connection>;
  /**
   * Checked before each attempt: false skips it (a link to that peer exists already) and looks
   * again after `recheck` ms, without growing the backoff.
   * @default always true
   */
  wanted?: () => boolean;
  /** @default 2000 */
  recheck?: number;
  /** Each failed attempt, with how many failed in a row. */
  onFailure?: (error: unknown, failures: number, retryIn: number) => void;
  /** Each connection made. */
  onConnected?: () => void;
}

/** A running reconnect loop. */
export interface Reconnector {
  /** Stops retrying; closes the current connection unless `closeCurrent` is false. */
  stop(closeCurrent?: boolean): void;
  /** Retries now (the target's address changed): ends a backoff wait and resets it. */
  kick(): void;
}

/** Runs the loop until `stop()`. Never throws; failures go to `onFailure`. */
export function keepConnected(options: KeepConnectedOptions): Reconnector {
  const backoff = new Backoff(options);
  let stopped = false;
  let current: Connection | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  void (async () => {
    let failures = 0;
    while (!stopped) {
      if (options.wanted && !options.wanted()) {
        await sleep(options.recheck ?? 2000);
        continue;
      }
      try {
        const connection = await options.connect();
        if (stopped) {
          connection.close();
          break;
        }
        current = connection;
        failures = 0;
        backoff.reset();
        options.onConnected?.();
        await connection.closed;
        current = undefined;
        // A connection that ended is retried soon, not at once: the peer may be restarting.
        if (!stopped) await sleep(backoff.next());
      } catch (error) {
        if (stopped) break;
        const retryIn = backoff.next();
        options.onFailure?.(error, ++failures, retryIn);
        await sleep(retryIn);
      }
    }
  })();

  return {
    stop(closeCurrent = true) {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      if (closeCurrent) current?.close();
    },
    kick() {
      backoff.reset();
      clearTimeout(timer);
      wake?.();
    },
  };
}
