/**
 * One clock for everything that depends on time: call timeouts, heartbeats, handshake and
 * route timers, restart intensity and backoff, schedules. Injected wherever time decides
 * behaviour, so that a test about time moves the clock forward ({@link ManualClock.advance})
 * instead of sleeping. It lives in the lowest layer because every layer above needs it.
 */

/** A timer started by a {@link Clock}. Opaque: pass it back to `clearTimeout`. */
export interface Timer {
  /** Lets the process exit while only this timer is pending (Node); absent or a no-op elsewhere. */
  unref?(): unknown;
  /** Undoes `unref`. */
  ref?(): unknown;
}

/** Time in milliseconds and timers on the same time line. */
export interface Clock {
  /**
   * Milliseconds. Monotonic for {@link systemClock} (only differences mean something); since
   * the epoch for {@link systemWallClock}, whose readings are dates.
   */
  now(): number;
  /** Runs `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): Timer;
  /** Stops a timeout or an interval; `undefined` and stopped timers are ignored. */
  clearTimeout(timer: Timer | undefined): void;
  /** Runs `callback` every `ms` until it is cleared with `clearTimeout`. */
  setInterval(callback: () => void, ms: number): Timer;
}

// Bound once: the globals are looked up per platform, and `this` must be the global object.
const timers = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): Timer;
  clearTimeout(timer: unknown): void;
  setInterval(callback: () => void, ms: number): Timer;
};

function realTimers(now: () => number): Clock {
  return {
    now,
    setTimeout: (callback, ms) => timers.setTimeout(callback, ms),
    clearTimeout: (timer) => timers.clearTimeout(timer),
    setInterval: (callback, ms) => timers.setInterval(callback, ms),
  };
}

/** The default clock: `performance.now()` and the platform's timers. */
export const systemClock: Clock = realTimers(() => performance.now());

/** The default wall clock: `Date.now()` (dates, schedules) and the platform's timers. */
export const systemWallClock: Clock = realTimers(() => Date.now());

/** Lets a timer not keep Node alive by itself (no-op in browsers and on a manual clock). */
export function unrefTimer(timer: Timer | undefined): void {
  timer?.unref?.();
}

/** Lets a timer keep Node alive again. */
export function refTimer(timer: Timer | undefined): void {
  timer?.ref?.();
}

interface ManualTimer extends Timer {
  at: number;
  /** Order of creation, so timers due at one instant fire in the order they were set. */
  seq: number;
  every?: number;
  callback: () => void;
  cleared: boolean;
}

/** Lets promise callbacks and the I/O they started run: one real macrotask. */
function settle(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : timers.setTimeout(resolve, 0)));
}

/**
 * A clock that moves only when told: tests set it up, act, then {@link ManualClock.advance} to
 * the moment that matters. Timers fire in order of due time (then of creation); after each one,
 * pending promise callbacks run before the next, so work a timer starts (a restart, a retry)
 * can set later timers that still fire within the same advance.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  /** @param start the first reading of `now()` (e.g. a date in ms for a wall clock) */
  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, Math.max(1, ms));
  }

  clearTimeout(timer: Timer | undefined): void {
    const manual = timer as ManualTimer | undefined;
    if (!manual || !this.timers.delete(manual)) return;
    manual.cleared = true;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer is due, if any. */
  get nextDue(): number | undefined {
    return this.earliest()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (and those they set, when due
   * within the span) at its own due time; `now()` reads `start + ms` afterwards.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock by ${ms} ms`);
    const end = this.time + ms;
    await settle();
    for (let next = this.earliest(); next && next.at <= end; next = this.earliest()) {
      this.time = Math.max(this.time, next.at);
      this.fire(next);
      await settle();
    }
    this.time = end;
  }

  /** Moves time to the next timer and fires it (with any due at the same instant); false when none waits. */
  async advanceToNext(): Promise<boolean> {
    const next = this.earliest();
    if (!next) return false;
    await this.advance(next.at - this.time);
    return true;
  }

  private add(callback: () => void, ms: number, every: number | undefined): ManualTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: ManualTimer = { at: this.time + delay, seq: this.seq++, every, callback, cleared: false, unref: () => timer, ref: () => timer };
    this.timers.add(timer);
    return timer;
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers) if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    return best;
  }

  private fire(timer: ManualTimer): void {
    if (timer.every === undefined) this.timers.delete(timer);
    else {
      timer.at += timer.every;
      timer.seq = this.seq++;
    }
    timer.callback();
  }
}
