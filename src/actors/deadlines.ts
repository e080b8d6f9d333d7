import { refTimer, unrefTimer, type Clock, type Timer } from '../firefly/clock.js';

/**
 * One timer for the deadlines of many pending calls. A timer per call costs an insertion into
 * and a removal from the runtime's timer lists on every call (about a microsecond here, a real
 * share of a call over one hop); calls mostly share one timeout, so their deadlines arrive in
 * order and a single timer, armed for the earliest, is re-armed only when it fires.
 */
export class DeadlineTimer {
  private timer: Timer | undefined;
  private at = Infinity;
  /** Whether the timer keeps the process alive (only while something waits on it). */
  private held = false;

  /** `onDue(now)` ends what is due and answers the earliest deadline left, if any; deadlines are on `clock`. */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: (now: number) => number | undefined,
  ) {}

  /** Something now waits until `at` (on the clock's time line). */
  add(at: number): void {
    if (at < this.at) return this.set(at);
    if (!this.held) {
      this.held = true;
      refTimer(this.timer);
    }
  }

  /** Nothing waits any more: the timer may stay armed, but no longer keeps the process alive. */
  idle(): void {
    if (!this.held) return;
    this.held = false;
    unrefTimer(this.timer);
  }

  /** Stops the timer. */
  clear(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
    this.held = false;
  }

  private set(at: number): void {
    this.clock.clearTimeout(this.timer);
    this.at = at;
    this.held = true;
    this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(at - this.clock.now())));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.at = Infinity;
    this.held = false;
    const next = this.onDue(this.clock.now());
    if (next !== undefined) this.set(next);
  };
}
