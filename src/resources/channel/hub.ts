import { GlowError } from '../../firefly/errors.js';
import type { ChannelPolicy } from './interface.js';
import { MessageLog } from './messageLog.js';
import { Subscriber } from './subscriber.js';

/** Options of a {@link Hub}. */
export interface HubOptions {
  /** Offset of the first message it will hold (0 for a channel; the channel's next offset for a relay). */
  start: number;
  /** Messages kept for replay once every subscriber has them. */
  history: number;
}

/** What a subscription asks a hub for. */
export interface HubSubscribeOptions {
  /** First offset wanted; undefined for live. */
  from?: number;
  policy: ChannelPolicy;
  buffer: number;
}

/**
 * Ordered messages and their subscribers: the part a channel and a relay share. The log keeps
 * the last `history` messages, and longer whatever a subscriber's cursor still needs (a `block`
 * subscriber never loses a message; a `dropOldest` one is trimmed to `buffer` first), so memory
 * is bounded by `history` plus the largest subscriber `buffer`.
 */
export class Hub {
  readonly log: MessageLog;
  readonly history: number;
  /** Set once: the upstream failed (relay) or the owner ended; subscribers drain, then throw it. */
  failure?: GlowError;
  /** A `block` subscriber took a message or left: publishes (or a relay's upstream) may go on. */
  onRoom?: () => void;
  private readonly subscribers = new Set<Subscriber>();
  private blocking = 0;

  constructor(options: HubOptions) {
    this.log = new MessageLog(options.start);
    this.history = options.history;
  }

  /** Subscriptions open now. */
  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Opens a subscription. From an offset older than the log holds, it starts at the oldest held
   * and its first item carries `gap`; from an offset past the next one it fails with `badarg`
   * (offsets from another incarnation of the channel, or a typo), never a silent wait.
   */
  subscribe(options: HubSubscribeOptions): Subscriber {
    if (this.failure) throw this.failure;
    const next = this.log.next;
    let from = options.from ?? next;
    if (from > next) throw new GlowError('badarg', `offset ${from} is past the next offset ${next}`, { from, next });
    let gap: { from: number; to: number } | undefined;
    if (from < this.log.first) {
      gap = { from, to: this.log.first - 1 };
      from = this.log.first;
    }
    const subscriber = new Subscriber(this, options.policy, options.buffer, from, next, gap);
    this.subscribers.add(subscriber);
    if (subscriber.policy === 'block') this.blocking++;
    return subscriber;
  }

  /** True when a subscription from `offset` can be served without a gap. */
  covers(offset: number): boolean {
    return !this.failure && this.log.first <= offset && offset <= this.log.next;
  }

  /** True when no `block` subscriber lags its full `buffer`: one more message may be appended. */
  hasRoom(): boolean {
    if (this.blocking === 0) return true;
    for (const subscriber of this.subscribers) if (subscriber.policy === 'block' && subscriber.lag >= subscriber.buffer) return false;
    return true;
  }

  /** Appends a message at the next offset and hands it to every subscriber; returns the offset. */
  append(message: unknown): number {
    const offset = this.log.append(message);
    for (const subscriber of this.subscribers) subscriber.appended();
    this.evict();
    return offset;
  }

  /**
   * Appends a message that already has an offset (a relay copying its channel). An offset past
   * the next one means the upstream skipped messages (a relay's upstream can only do so on its
   * first item: it is `block` and starts at the channel's next offset): the log restarts there
   * and every subscriber that had not reached it is told with a `gap`, which then also covers
   * any held message it had not taken yet. Old offsets are ignored.
   */
  appendAt(offset: number, message: unknown): void {
    if (offset < this.log.next) return;
    if (offset > this.log.next) {
      for (const subscriber of this.subscribers) subscriber.skippedTo(offset);
      this.log.restartAt(offset);
    }
    this.append(message);
  }

  /** A `block` subscriber took a message. */
  advanced(): void {
    this.onRoom?.();
  }

  /** A subscriber ended (cancelled, or drained after a failure). */
  leave(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (subscriber.policy === 'block') {
      this.blocking--;
      this.onRoom?.();
    }
  }

  /** Ends the hub: subscribers get what is left, then `error`. */
  fail(error: GlowError): void {
    this.failure ??= error;
    for (const subscriber of [...this.subscribers]) subscriber.failed();
  }

  /** Drops messages beyond the history that no subscriber still needs. */
  private evict(): void {
    let keepFrom = this.log.next - this.history;
    for (const subscriber of this.subscribers) if (subscriber.cursor < keepFrom) keepFrom = subscriber.cursor;
    this.log.evictBefore(keepFrom);
  }
}
