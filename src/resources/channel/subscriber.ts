import type { GlowError } from '../../firefly/errors.js';
import type { Hub } from './hub.js';
import type { ChannelItem, ChannelPolicy } from './interface.js';

/**
 * One subscription to a {@link Hub}: a cursor into the hub's log, read as an async iterator
 * (what a stream handler returns; the stream pulls only while its consumer has credit). It
 * holds no copy of any message: a slow subscriber costs one number, and the log keeps what
 * its cursor still needs.
 *
 * Not an async generator on purpose: `return()` on a generator that waits for the next message
 * is queued behind that wait, so a cancelled subscriber would linger until the next publish.
 * Here `return()` leaves the hub at once.
 */
export class Subscriber implements AsyncIterableIterator<ChannelItem> {
  /** Next offset to deliver. */
  cursor: number;
  private dropped = 0;
  private gap?: { from: number; to: number };
  private wake?: () => void;
  private closed = false;

  constructor(
    private readonly hub: Hub,
    readonly policy: ChannelPolicy,
    readonly buffer: number,
    from: number,
    /** The offset at which it joined live traffic: lag before it (a replay) neither blocks nor drops. */
    private readonly since: number,
    gap?: { from: number; to: number },
  ) {
    this.cursor = from;
    this.gap = gap;
  }

  /** Messages published since it joined that it has not taken yet. */
  get lag(): number {
    return this.hub.log.next - Math.max(this.cursor, this.since);
  }

  /** The hub appended a message: `dropOldest` keeps only the newest `buffer`; a waiting `next` wakes. */
  appended(): void {
    if (this.policy === 'dropOldest' && this.lag > this.buffer) {
      const to = this.hub.log.next - this.buffer;
      this.dropped += to - this.cursor;
      this.cursor = to;
    }
    this.wake?.();
  }

  /** The hub's upstream skipped ahead to `offset` (a relay restarted): report it as a gap. */
  skippedTo(offset: number): void {
    if (this.cursor >= offset) return;
    this.gap = { from: this.gap?.from ?? this.cursor, to: offset - 1 };
    this.cursor = offset;
  }

  /** The hub failed: a waiting `next` wakes to drain what is left, then throws. */
  failed(): void {
    this.wake?.();
  }

  next(): Promise<IteratorResult<ChannelItem>> {
    try {
      const ready = this.take();
      if (ready) return Promise.resolve(ready);
    } catch (error) {
      return Promise.reject(error as GlowError);
    }
    return new Promise((resolve, reject) => {
      // Cleared before `take`: taking may let a publish in (room for a `block` subscriber),
      // which appends and wakes subscribers again, and must not hand this one a second item.
      const wake = () => {
        this.wake = undefined;
        let result: IteratorResult<ChannelItem> | undefined;
        try {
          result = this.take();
        } catch (error) {
          return reject(error as GlowError);
        }
        if (result) resolve(result);
        else this.wake = wake;
      };
      this.wake = wake;
    });
  }

  return(): Promise<IteratorResult<ChannelItem>> {
    this.close();
    this.wake?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChannelItem> {
    return this;
  }

  /** The next item, the end, or undefined when it must wait; throws the hub's failure once drained. */
  private take(): IteratorResult<ChannelItem> | undefined {
    if (this.closed) return { value: undefined, done: true };
    const log = this.hub.log;
    // The log keeps what every cursor needs, so this only happens after the history shrank
    // under a replay that was itself trimmed; count it rather than skip silently.
    if (this.cursor < log.first) {
      this.dropped += log.first - this.cursor;
      this.cursor = log.first;
    }
    if (this.cursor < log.next) {
      const item: ChannelItem = { offset: this.cursor, message: log.get(this.cursor) };
      if (this.gap) item.gap = this.gap;
      if (this.dropped > 0) item.dropped = this.dropped;
      this.gap = undefined;
      this.dropped = 0;
      this.cursor++;
      if (this.policy === 'block') this.hub.advanced();
      return { value: item, done: false };
    }
    const failure = this.hub.failure;
    if (failure) {
      this.close();
      throw failure;
    }
    return undefined;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.leave(this);
  }
}
