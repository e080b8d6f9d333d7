import { closeIterator } from '../../actors/closeIterator.js';
import type { Hub } from './hub.js';
import type { ChannelItem, ChannelPolicy, SubscribeArgs } from './interface.js';
import type { Relay } from './relay.js';

const DONE: IteratorResult<ChannelItem> = Object.freeze({ value: undefined, done: true });

/**
 * One local subscriber of a {@link Relay}: the iterator its `subscribe` stream pulls from.
 *
 * - Live, or from an offset the relay holds: a subscription to the relay's hub.
 * - From an older offset: a catch-up subscription straight to the channel (its own copy on the
 *   link while it lasts), with the channel's own `gap` report if the channel no longer has
 *   them either. After each item it checks whether the relay's hub now holds the next offset;
 *   once it does, it cancels the catch-up and continues from the hub, so it ends up costing
 *   nothing extra on the link. A catch-up slower than the publishers simply stays direct.
 *
 * Like {@link Subscriber}, `return()` acts at once (no async generator).
 */
export class RelaySubscription implements AsyncIterableIterator<ChannelItem> {
  private inner?: AsyncIterator<ChannelItem>;
  private catchingUp = false;
  private closed = false;
  private readonly from?: number;
  private readonly policy?: ChannelPolicy;
  private readonly buffer?: number;

  constructor(
    private readonly relay: Relay,
    args: SubscribeArgs,
  ) {
    this.from = args.from;
    this.policy = args.policy;
    this.buffer = args.buffer;
    relay.attach();
  }

  async next(): Promise<IteratorResult<ChannelItem>> {
    if (this.closed) return DONE;
    try {
      if (!this.inner) this.open(await this.relay.ready);
      if (this.closed) return DONE;
      const result = await this.inner!.next();
      if (this.closed) return DONE;
      if (result.done) {
        this.finish();
        return DONE;
      }
      if (this.catchingUp) this.handOver(result.value.offset + 1);
      return result;
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  return(): Promise<IteratorResult<ChannelItem>> {
    if (!this.closed) {
      closeIterator(this.inner);
      this.finish();
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChannelItem> {
    return this;
  }

  private open(hub: Hub): void {
    if (this.closed) return;
    if (this.from === undefined || hub.covers(this.from)) {
      this.inner = hub.subscribe(this.options(this.from));
    } else {
      // Older than the relay holds, or ahead of it (the relay lags the channel): the channel
      // itself answers, including its `gap` or `badarg`.
      this.catchingUp = true;
      this.inner = this.relay.direct(this.args(this.from), undefined);
    }
  }

  /** Joins the relay's hub once it holds `next`. */
  private handOver(next: number): void {
    const hub = this.relay.hub;
    if (!hub || !hub.covers(next)) return;
    closeIterator(this.inner);
    this.inner = hub.subscribe(this.options(next));
    this.catchingUp = false;
  }

  private options(from: number | undefined) {
    return { from, policy: this.policy ?? 'block', buffer: this.buffer ?? this.relay.buffer };
  }

  private args(from: number): SubscribeArgs {
    const args: SubscribeArgs = { from };
    if (this.policy) args.policy = this.policy;
    if (this.buffer) args.buffer = this.buffer;
    return args;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.relay.detach();
  }
}
