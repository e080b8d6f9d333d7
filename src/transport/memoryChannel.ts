import type { Channel } from './channel.js';
import { nextTurn } from './turn.js';

/** Options of a memory channel pair. */
export interface MemoryChannelOptions {
  /**
   * Largest message, in bytes; `send` throws on a larger one, as a data channel does.
   * @default 65536
   */
  maxMessageSize?: number;
  /**
   * What the channels report as `maxSendsPerTurn` (they count, never enforce: see `stats`).
   * @default Infinity
   */
  maxSendsPerTurn?: number;
  /**
   * `binding` of each end: one string for both, or `[a, b]` to play a relay in the middle.
   * @default ''
   */
  binding?: string | readonly [string, string];
  /**
   * Bytes delivered per direction per turn (at least one message): makes `bufferedAmount` real.
   * @default Infinity
   */
  bytesPerTurn?: number;
  /**
   * `ondrain` fires when `bufferedAmount`, having reached this, falls under it.
   * @default 65536
   */
  lowWaterMark?: number;
}

/** What one end of a memory channel counted. */
export interface MemoryChannelStats {
  sends: number;
  bytesSent: number;
  /** Most `send` calls seen within one event-loop turn: pacing keeps it ≤ `maxSendsPerTurn`. */
  maxSendsInTurn: number;
}

/** Controls of a memory channel pair. */
export interface MemoryChannelControls {
  /** Breaks the pair like a reset connection: both ends' `onclose` fire with `reason`. */
  cut(reason?: string): void;
  /** Silences the pair like a frozen or vanished peer: nothing is delivered, nothing closes. */
  stall(): void;
}

interface Shared {
  stalled: boolean;
  readonly bytesPerTurn: number;
  readonly lowWaterMark: number;
}

/** One end of an in-process {@link Channel}: messages arrive on a later turn, in order. */
export class MemoryChannel implements Channel {
  readonly kind = 'memory' as const;
  readonly stats: MemoryChannelStats = { sends: 0, bytesSent: 0, maxSendsInTurn: 0 };
  onmessage: ((message: Uint8Array) => void) | undefined;
  onclose: ((reason: string) => void) | undefined;
  ondrain: (() => void) | undefined;
  /** Never called by the memory transport itself: tests call it to stand for a transport-level sign of life. */
  onpeeractive: (() => void) | undefined;
  /** @internal */
  peer!: MemoryChannel;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private queue: Uint8Array[] = [];
  private queued = 0;
  private scheduled = false;
  private sendsThisTurn = 0;

  constructor(
    readonly maxMessageSize: number,
    readonly maxSendsPerTurn: number,
    readonly binding: string,
    private readonly shared: Shared,
  ) {}

  get bufferedAmount(): number {
    return this.queued;
  }

  send(message: Uint8Array): void {
    if (this.state !== 'open') return;
    if (message.length > this.maxMessageSize) throw new RangeError(`message of ${message.length} bytes exceeds ${this.maxMessageSize}`);
    this.stats.sends++;
    this.stats.bytesSent += message.length;
    if (this.sendsThisTurn++ === 0) nextTurn(() => (this.sendsThisTurn = 0));
    this.stats.maxSendsInTurn = Math.max(this.stats.maxSendsInTurn, this.sendsThisTurn);
    if (this.shared.stalled) return;
    // Copied, as a transport does: the sender may reuse its buffer.
    this.queue.push(message.slice());
    this.queued += message.length;
    this.schedule();
  }

  /** Closes after what was already sent is delivered; then both ends' `onclose` fire. */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.schedule();
  }

  /** @internal */
  end(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue = [];
    this.queued = 0;
    this.onclose?.(reason);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    nextTurn(() => this.deliver());
  }

  private deliver(): void {
    this.scheduled = false;
    const before = this.queued;
    let budget = this.shared.bytesPerTurn;
    while (this.queue.length > 0 && (budget > 0 || this.queued === before)) {
      const message = this.queue.shift()!;
      this.queued -= message.length;
      budget -= message.length;
      if (!this.shared.stalled && this.peer.state !== 'closed') this.peer.onmessage?.(message);
    }
    if (before >= this.shared.lowWaterMark && this.queued < this.shared.lowWaterMark && this.state === 'open') this.ondrain?.();
    if (this.queue.length > 0) this.schedule();
    else if (this.state === 'closing') {
      this.end('closed');
      // A stalled pair carries nothing, not even the news of a close.
      if (!this.shared.stalled) this.peer.end('closed by peer');
    }
  }
}

/** Two connected ends of an in-process channel, for testing handshakes and framing. */
export function memoryChannelPair(options: MemoryChannelOptions = {}): [MemoryChannel, MemoryChannel, MemoryChannelControls] {
  const shared: Shared = {
    stalled: false,
    bytesPerTurn: options.bytesPerTurn ?? Infinity,
    lowWaterMark: options.lowWaterMark ?? 65536,
  };
  const binding = options.binding ?? '';
  const [bindingA, bindingB] = typeof binding === 'string' ? [binding, binding] : binding;
  const size = options.maxMessageSize ?? 65536;
  const sends = options.maxSendsPerTurn ?? Infinity;
  const a = new MemoryChannel(size, sends, bindingA, shared);
  const b = new MemoryChannel(size, sends, bindingB, shared);
  a.peer = b;
  b.peer = a;
  const controls: MemoryChannelControls = {
    cut(reason = 'cut') {
      queueMicrotask(() => {
        a.end(reason);
        b.end(reason);
      });
    },
    stall() {
      shared.stalled = true;
    },
  };
  return [a, b, controls];
}
