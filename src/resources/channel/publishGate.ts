import type { Clock, Timer } from '../../firefly/clock.js';
import { GlowError } from '../../firefly/errors.js';
import type { Hub } from './hub.js';

interface Waiting {
  message: unknown;
  resolve: (offset: number) => void;
  reject: (error: GlowError) => void;
  timer: Timer;
}

/**
 * What `block` means for publishers: while a `block` subscriber lags its full buffer, a publish
 * waits here (in arrival order, so one publisher's messages keep their order) until the
 * subscriber catches up, at most `timeout` ms; then it answers `busy` and is NOT published.
 * So a publisher is paced to its slowest `block` subscriber, and an answer is never ambiguous:
 * an offset means published, `busy` means not — as long as the caller's own call timeout is
 * longer than `timeout` (the default 2000 ms is well under the 5000 ms call default).
 */
export class PublishGate {
  private readonly waiting: Waiting[] = [];
  private pumping = false;

  constructor(
    private readonly hub: Hub,
    /** Longest wait for room, in ms. */
    private readonly timeout: number,
    /** Most publishes waiting at once; one more answers `busy` at once (bounds memory). */
    private readonly maxWaiting: number,
    private readonly clock: Clock,
  ) {}

  /** Publishes waiting now. */
  get size(): number {
    return this.waiting.length;
  }

  /** Appends `message` now (its offset) or once there is room (a promise of its offset). */
  publish(message: unknown): number | Promise<number> {
    if (this.waiting.length === 0 && this.hub.hasRoom()) return this.hub.append(message);
    if (this.waiting.length >= this.maxWaiting) {
      throw new GlowError('busy', `${this.waiting.length} publishes already wait for slow subscribers`, { waiting: this.waiting.length });
    }
    return new Promise<number>((resolve, reject) => {
      const entry: Waiting = {
        message,
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(new GlowError('busy', `a 'block' subscriber did not catch up within ${this.timeout} ms; not published`, { timeout: this.timeout }));
        }, this.timeout),
      };
      this.waiting.push(entry);
    });
  }

  /** Room may have appeared: admit waiting publishes in order while it lasts. */
  pump(): void {
    // Appending wakes subscribers, whose taking calls pump again: the outer loop goes on instead.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0 && this.hub.hasRoom()) {
        const entry = this.waiting.shift()!;
        this.clock.clearTimeout(entry.timer);
        entry.resolve(this.hub.append(entry.message));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The channel ended: every waiting publish fails with `error`. */
  close(error: GlowError): void {
    for (const entry of this.waiting.splice(0)) {
      this.clock.clearTimeout(entry.timer);
      entry.reject(error);
    }
  }
}
