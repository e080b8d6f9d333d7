/**
 * The routers' clock in the convergence benchmark: real time with the benchmark's own pauses
 * taken out. Checking a thousand tables stops every router for a while; on this clock no time
 * passes meanwhile, so a router's timers (retries, pacing, grace, periodic updates) see only the
 * time in which routers could run — the time the benchmark reports.
 */
import type { Clock, Timer } from '../../src/firefly/clock.js';

interface PausableTimer extends Timer {
  due: number;
  every: number | undefined;
  callback: () => void;
  handle: ReturnType<typeof setTimeout> | undefined;
}

export class RouterTime implements Clock {
  /** Real ms spent paused so far. */
  private paused = 0;
  private pausedAt: number | undefined;

  now(): number {
    const at = performance.now();
    return at - this.paused - (this.pausedAt === undefined ? 0 : at - this.pausedAt);
  }

  /** Stops the clock (while the benchmark works and the routers cannot run). */
  pause(): void {
    this.pausedAt ??= performance.now();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.paused += performance.now() - this.pausedAt;
    this.pausedAt = undefined;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.start(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.start(callback, ms, Math.max(1, ms));
  }

  clearTimeout(timer: Timer | undefined): void {
    const pausable = timer as PausableTimer | undefined;
    if (!pausable) return;
    clearTimeout(pausable.handle);
    pausable.handle = undefined;
  }

  private start(callback: () => void, ms: number, every: number | undefined): PausableTimer {
    const timer: PausableTimer = { due: this.now() + Math.max(0, ms), every, callback, handle: undefined };
    this.arm(timer);
    return timer;
  }

  /** Sets a real timer for what is left; one that fires early (the clock was paused meanwhile) sets itself again. */
  private arm(timer: PausableTimer): void {
    timer.handle = setTimeout(() => {
      const left = timer.due - this.now();
      if (left >= 1) return this.arm(timer);
      if (timer.every === undefined) timer.handle = undefined;
      else {
        timer.due += timer.every;
        this.arm(timer);
      }
      timer.callback();
    }, Math.max(0, timer.due - this.now()));
  }
}
