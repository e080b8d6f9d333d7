/**
 * One timer for the deadlines of many pending calls. A timer per call costs an insertion into
 * and a removal from the runtime's timer lists on every call (about a microsecond here, a real
 * share of a call over one hop); calls mostly share one timeout, so their deadlines arrive in
 * order and a single timer, armed for the earliest, is re-armed only when it fires.
 */

const now = (): number => performance.now();

/** Keeps one timer at the earliest deadline; `onDue` answers the next deadline after it ran. */
export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private at = Infinity;
  /** Whether the timer keeps the process alive (only while something waits on it). */
  private held = false;

  /** `onDue(now)` ends what is due and answers the earliest deadline left, if any. */
  constructor(private readonly onDue: (now: number) => number | undefined) {}

  /** The current time on the deadlines' clock (ms). */
  static now(): number {
    return now();
  }

  /** Something now waits until `at` (see {@link DeadlineTimer.now}). */
  add(at: number): void {
    if (at < this.at) return this.set(at);
    if (!this.held) {
      this.held = true;
      (this.timer as { ref?: () => void } | undefined)?.ref?.();
    }
  }

  /** Nothing waits any more: the timer may stay armed, but no longer keeps the process alive. */
  idle(): void {
    if (!this.held) return;
    this.held = false;
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Stops the timer. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
    this.held = false;
  }

  private set(at: number): void {
    clearTimeout(this.timer);
    this.at = at;
    this.held = true;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - now())));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.at = Infinity;
    this.held = false;
    const next = this.onDue(now());
    if (next !== undefined) this.set(next);
  };
}
