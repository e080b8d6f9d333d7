/**
 * Keeping a connection up: dial, wait while it lasts, dial again after a capped exponential
 * backoff with jitter. Used for `--connect` URLs, signaling servers and peers found by mDNS, so a
 * daemon started before its peers finds them when they appear, and one that lost a peer finds
 * it again when it comes back, without many daemons retrying in lockstep.
 */

import { systemClock, type Clock, type Timer } from '../../src/firefly/clock.js';
import { backoffDelay, withJitter, type BackoffSpec } from '../../src/supervision/backoff.js';

/** A connection that lasted this long (ms) before it ended is redialled after {@link QUICK_REDIAL}. */
const LONG_LIVED = 10_000;
const QUICK_REDIAL = 50;

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
 * Delays of successive failed attempts: the shared backoff formula (`initial · factor^n`
 * capped at `max`), each drawn from its upper half ("equal jitter": never less than half, so
 * attempts still spread out but a retry is never immediate).
 */
export class Backoff {
  private attempt = 0;
  private readonly spec: BackoffSpec;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    const initial = options.initial ?? 500;
    this.spec = { initial, max: Math.max(options.max ?? 30_000, initial), factor: options.factor ?? 2 };
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, ms. */
  next(): number {
    return withJitter(backoffDelay(this.spec, ++this.attempt), this.random);
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
  /**
   * The clock the waits run on.
   * @default systemClock
   */
  clock?: Clock;
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
  const clock = options.clock ?? systemClock;
  let stopped = false;
  let current: Connection | undefined;
  let timer: Timer | undefined;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = clock.setTimeout(resolve, ms);
    });

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        if (options.wanted && !options.wanted()) {
          await sleep(options.recheck ?? 2000);
          continue;
        }
        const connection = await options.connect();
        if (stopped) {
          connection.close();
          break;
        }
        current = connection;
        failures = 0;
        backoff.reset();
        options.onConnected?.();
        const connectedAt = clock.now();
        await connection.closed;
        current = undefined;
        // A connection that ended is retried soon, not at once: the peer may be restarting. But one
        // that had lasted a while most likely ended because our path moved (a phone that changed
        // networks), with the peer fine: it is redialled at once, and the backoff follows if that fails.
        if (!stopped) await sleep(clock.now() - connectedAt >= LONG_LIVED ? QUICK_REDIAL : backoff.next());
      } catch (error) {
        if (stopped) break;
        const retryIn = backoff.next();
        options.onFailure?.(error, ++failures, retryIn);
        await sleep(retryIn);
      }
    }
  };
  run().catch((error: unknown) => {
    // Only `onFailure` throwing gets here (any other failure is a failed attempt): with its
    // reporting channel broken, the loop ends and says so where it still can.
    stopped = true;
    console.error('glow: a reconnect loop ended:', error);
  });

  return {
    stop(closeCurrent = true) {
      stopped = true;
      clock.clearTimeout(timer);
      wake?.();
      if (closeCurrent) current?.close();
    },
    kick() {
      backoff.reset();
      clock.clearTimeout(timer);
      wake?.();
    },
  };
}
