import { systemClock, unrefTimer, type Clock, type Timer } from '../firefly/clock.js';
import { errorMessage } from '../firefly/errors.js';
import type { Channel } from './channel.js';
import { Inbox } from './inbox.js';
/**
 * Runs `task` after the current event-loop turn, I/O included: setImmediate in Node, a (clamped)
 * setTimeout in browsers — not turn.ts's MessageChannel, whose unclamped turns let a busy paced
 * channel post one after another and starve the page's own data-channel and DevTools tasks (the
 * browser WebRTC compliance burst stalled at ~1 100 of 10 000 packets, 2 runs of 2).
 */
const nextTurn: (task: () => void) => void =
  typeof setImmediate === 'function' ? (task) => setImmediate(task) : (task) => setTimeout(task, 0);

/**
 * What {@link PacedDataChannel} needs of one open data channel (the lifecycle builds it over
 * the native stack's channel), so that pacing and closing are written once for every stack.
 */
export interface RawDataChannel {
  /** Hands one message to the data channel; may throw if it is closing. */
  send(message: Uint8Array): void;
  /** The data channel's own buffered amount, in bytes. */
  readonly bufferedAmount: number;
  /** Sets the level under which the backend reports "low" (it calls `PacedDataChannel.rawLow`). */
  setLowThreshold(bytes: number): void;
  /** Closes the data channel and its peer connection. */
  close(): void;
}

/** Settings of a {@link PacedDataChannel}. */
export interface PacingOptions {
  /** Largest message, in bytes, negotiated with the peer. */
  maxMessageSize: number;
  /**
   * Most messages handed to the data channel per event-loop turn; the rest waits for the next
   * turn. werift delivers ~12 k msg/s up to ~32 sends per turn and ~400 msg/s at 64
   * (webrtc-loopback.md), so its default is well under the cliff.
   */
  maxSendsPerTurn: number;
  /**
   * While the data channel itself buffers this many bytes, nothing more is handed to it: the
   * rest waits here until it reports low. Keeps the backend's queues (and its retransmissions)
   * short, so a burst does not turn into a collapse.
   * @default 1 MiB
   */
  rawHighWater?: number;
  /**
   * `ondrain` fires when `bufferedAmount` (ours plus the data channel's) falls under this.
   * @default 256 KiB
   */
  lowWater?: number;
  /**
   * Longest wait, in ms, for queued messages to leave after `close` before the data channel is
   * closed anyway (a peer that stopped reading must not hold the connection open).
   * @default 5000
   */
  closeGrace?: number;
  /** Both DTLS fingerprints, see {@link Channel.binding}. */
  binding: string;
  /**
   * The clock of the close grace.
   * @default systemClock
   */
  clock?: Clock;
}

/** Most messages a paced channel keeps before its consumer listens (see `onmessage`). */
const MAX_PENDING = 256;

/**
 * A {@link Channel} over a WebRTC data channel that paces its sends: at most `maxSendsPerTurn`
 * messages reach the data channel per event-loop turn, and none while the data channel is
 * above its high-water mark. The link above may write as fast as it likes; `bufferedAmount`
 * counts what waits here too, so its backpressure sees the whole queue.
 */
export class PacedDataChannel implements Channel {
  readonly kind = 'webrtc' as const;
  readonly maxMessageSize: number;
  readonly maxSendsPerTurn: number;
  readonly binding: string;
  onclose: ((reason: string) => void) | undefined;
  ondrain: (() => void) | undefined;
  onpeeractive: (() => void) | undefined;

  /** At most {@link MAX_PENDING} messages wait for the consumer: a peer cannot grow it while no one listens. */
  private readonly inbox = new Inbox(() => this.state === 'open', MAX_PENDING);
  private readonly queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private sentThisTurn = 0;
  private turnScheduled = false;
  private waitingForLow = false;
  private aboveLowWater = false;
  /** `closing`: `close` was called; what was queued still goes, then the data channel closes. */
  private state: 'open' | 'closing' | 'closed' = 'open';
  private notified = false;
  private graceTimer: Timer | undefined;
  private readonly rawHighWater: number;
  private readonly lowWater: number;
  private readonly closeGrace: number;
  private readonly clock: Clock;

  constructor(
    private readonly raw: RawDataChannel,
    options: PacingOptions,
  ) {
    this.maxMessageSize = options.maxMessageSize;
    this.maxSendsPerTurn = options.maxSendsPerTurn;
    this.binding = options.binding;
    this.rawHighWater = options.rawHighWater ?? 1024 * 1024;
    this.lowWater = options.lowWater ?? 256 * 1024;
    this.closeGrace = options.closeGrace ?? 5000;
    this.clock = options.clock ?? systemClock;
    // The same level serves both: when the data channel falls under it, queued messages move on
    // and, with nothing queued here, the drain signal is due.
    raw.setLowThreshold(Math.min(this.lowWater, Math.floor(this.rawHighWater / 2)));
  }

  get bufferedAmount(): number {
    return this.state === 'open' ? this.queuedBytes + this.raw.bufferedAmount : 0;
  }

  get onmessage(): ((message: Uint8Array) => void) | undefined {
    return this.inbox.handler;
  }

  /** Messages that arrived before wait for it (see {@link Inbox}). */
  set onmessage(handler: ((message: Uint8Array) => void) | undefined) {
    this.inbox.handler = handler;
  }

  /**
   * Queues `message` and sends it as soon as pacing allows. Dropped after close. Throws a
   * `RangeError` for a message larger than `maxMessageSize`: the link chunks, so that is a bug.
   */
  send(message: Uint8Array): void {
    if (this.state !== 'open') return;
    if (message.length > this.maxMessageSize) {
      throw new RangeError(`message of ${message.length} bytes exceeds the data channel's ${this.maxMessageSize}`);
    }
    this.queue.push(message);
    this.queuedBytes += message.length;
    this.flush();
  }

  /**
   * Closes gracefully: `onclose('closed')` fires now; messages already given to `send` still go
   * out (a link writes its close frame just before closing), and the data channel closes once
   * they have left, or after `closeGrace` ms at the latest.
   */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.notify('closed');
    this.graceTimer = this.clock.setTimeout(() => this.end('closed'), this.closeGrace);
    unrefTimer(this.graceTimer);
    this.flush();
  }

  /** The backend delivers a message. */
  received(message: Uint8Array): void {
    if (this.state === 'open') this.inbox.deliver(message);
  }

  /** The backend heard from the peer below the data channel (see {@link Channel.onpeeractive}). */
  peerActive(): void {
    if (this.state === 'open') this.onpeeractive?.();
  }

  /** The backend's buffered amount fell under the threshold set by `setLowThreshold`. */
  rawLow(): void {
    if (this.state === 'closed') return;
    this.waitingForLow = false;
    this.flush();
  }

  /**
   * Ends the channel now, dropping whatever is queued: the data channel or its connection
   * ended (`reason` says how), or a graceful close has finished.
   */
  end(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clock.clearTimeout(this.graceTimer);
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    try {
      this.raw.close();
    } catch {
      // Closing something that is already broken has nothing more to tell.
    }
    this.notify(reason);
  }

  private notify(reason: string): void {
    if (this.notified) return;
    this.notified = true;
    this.onclose?.(reason);
  }

  private flush(): void {
    while (this.queueHead < this.queue.length && this.state !== 'closed') {
      if (this.sentThisTurn >= this.maxSendsPerTurn) return this.scheduleTurn();
      if (this.raw.bufferedAmount >= this.rawHighWater) {
        // rawLow resumes us; no timer, so an idle channel holds no handle.
        this.waitingForLow = true;
        return;
      }
      const message = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Uint8Array;
      this.queuedBytes -= message.length;
      this.sentThisTurn++;
      this.scheduleTurn();
      try {
        this.raw.send(message);
      } catch (error) {
        return this.end(`send failed: ${errorMessage(error)}`);
      }
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.state === 'closing') this.closeWhenSent();
    else this.checkDrain();
  }

  /** Closing with nothing queued here: close once the data channel's own buffer is empty too. */
  private closeWhenSent(): void {
    if (this.queueHead < this.queue.length) return;
    if (this.raw.bufferedAmount === 0) return this.end('closed');
    // The backend reports "low" again when it reaches 0.
    this.raw.setLowThreshold(0);
  }

  /** Schedules the turn boundary: the send budget resets and the queue is flushed again. */
  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    nextTurn(() => {
      this.turnScheduled = false;
      this.sentThisTurn = 0;
      if (!this.waitingForLow) this.flush();
    });
  }

  private checkDrain(): void {
    const amount = this.bufferedAmount;
    if (amount >= this.lowWater) this.aboveLowWater = true;
    else if (this.aboveLowWater) {
      this.aboveLowWater = false;
      this.ondrain?.();
    }
  }
}
