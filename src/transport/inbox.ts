/**
 * Where a channel's messages wait for its consumer: a peer speaks as soon as the transport is
 * open, often before the link above has set its listener. Messages that come first wait (at most
 * `max`) and are handed over on a microtask, in order, ahead of any later one: the consumer is
 * still setting itself up when it sets the listener, and a second set before the hand-over must
 * not deliver them twice.
 */
export class Inbox {
  private listener: ((message: Uint8Array) => void) | undefined;
  private waiting: Uint8Array[] | undefined = [];

  /** @param live whether messages may still be delivered (the channel has not closed) */
  constructor(
    private readonly live: () => boolean,
    private readonly max = Infinity,
  ) {}

  get handler(): ((message: Uint8Array) => void) | undefined {
    return this.listener;
  }

  set handler(listener: ((message: Uint8Array) => void) | undefined) {
    this.listener = listener;
    if (!this.waiting || !listener) return;
    if (this.waiting.length === 0) {
      this.waiting = undefined;
      return;
    }
    queueMicrotask(() => {
      const waiting = this.waiting ?? [];
      this.waiting = undefined;
      for (const message of waiting) if (this.live()) this.listener?.(message);
    });
  }

  /** A message from the transport: to the listener, or to wait for it. */
  deliver(message: Uint8Array): void {
    if (!this.waiting) this.listener?.(message);
    else if (this.waiting.length < this.max) this.waiting.push(message);
  }
}
