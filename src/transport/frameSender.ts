import type { Clock, Timer } from '../firefly/clock.js';
import { allocate } from '../firefly/pool.js';
import type { Channel } from './channel.js';
import { CHUNK_START_HEADER, FRAME_HEADER, FrameType, writeHeader } from './frames.js';
import { SEAL_OVERHEAD, SEALED_AT, type Sealer } from './linkSeal.js';
import { afterThisTask, nextTurn } from './turn.js';

/** Send-side settings of a framed link (see `FramingOptions` for their defaults and reasons). */
export interface SenderSettings {
  /** Bytes in the channel's buffer at which data stops being handed to it. */
  readonly highWaterMark: number;
  /** The link's drain signal fires when its buffered bytes fall back under this. */
  readonly lowWaterMark: number;
  /** How often, in ms, a blocked sender looks at the channel's buffer again. */
  readonly drainPollInterval: number;
  /** Runs the drain poll. */
  readonly clock: Clock;
}

/** What the sender reports to its link. */
export interface SenderEvents {
  /** Buffered bytes fell back under the low-water mark. */
  drain(): void;
  /** The channel threw on `send`: the transport is broken. */
  broken(error: unknown): void;
}

interface Control {
  type: FrameType;
  payload: Uint8Array;
  /** Seal every message after the one carrying this frame (our `ready` on an encrypted link). */
  sealAfter?: Sealer;
}

interface Piece {
  type: FrameType;
  data: Uint8Array;
  total: number;
}

// A chunk smaller than this is not worth its header: the message ends and the chunk goes in the next.
const MIN_CHUNK = 256;
const NO_BYTES = new Uint8Array(0);

/**
 * The send side of a framed link: batching (everything queued by one task goes out in as few
 * messages as the message limit allows), chunking (packets larger than a message are split),
 * pacing (at most `channel.maxSendsPerTurn` messages per turn, and none while the channel's
 * buffer is over the high-water mark; control frames go first and are never held back by data),
 * and on an encrypted link, sealing: each message whole, once batched, so the cost is per
 * message rather than per packet.
 */
export class FrameSender {
  /** Largest message written (sealed, when sealing): the channel's limit, lowered to the peer's after the hello. */
  messageLimit: number;
  /** Packet bytes accepted and not yet handed to the channel. */
  queuedBytes = 0;
  messagesOut = 0;
  /** Bytes of transport messages written. */
  bytesOut = 0;
  private control: Control[] = [];
  /** Seals each message once the frame that switches sealing on has left. */
  private sealer: Sealer | undefined;
  /** The sealer the message being built switches on once it is sent. */
  private nextSealer: Sealer | undefined;
  private packets: Uint8Array[] = [];
  private head = 0;
  private offset = 0;
  private scheduled = false;
  private sendsThisTurn = 0;
  private pollTimer: Timer | undefined;
  private aboveLow = false;
  private stopped = false;

  constructor(
    private readonly channel: Channel,
    private readonly settings: SenderSettings,
    private readonly events: SenderEvents,
  ) {
    this.messageLimit = channel.maxMessageSize;
  }

  /** Bytes accepted and not yet sent: queued here plus the channel's own buffer. */
  get bufferedAmount(): number {
    return this.queuedBytes + this.channel.bufferedAmount;
  }

  /** Queues a packet; it leaves once the current task's code is done, or later under backpressure. */
  packet(packet: Uint8Array): void {
    if (this.stopped) return;
    this.packets.push(packet);
    this.queuedBytes += packet.length;
    if (this.bufferedAmount >= this.settings.lowWaterMark) this.aboveLow = true;
    this.schedule();
  }

  /**
   * Queues a control frame; it goes ahead of any queued data. With `sealAfter`, the frame ends
   * its message, which leaves in clear, and every later message is sealed by `sealAfter`.
   */
  controlFrame(type: FrameType, payload: Uint8Array = NO_BYTES, sealAfter?: Sealer): void {
    if (this.stopped) return;
    this.control.push(sealAfter ? { type, payload, sealAfter } : { type, payload });
    this.schedule();
  }

  /** The channel reports its buffer drained: carry on now rather than at the next poll. */
  channelDrained(): void {
    if (this.stopped) return;
    this.settings.clock.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.flush();
  }

  /**
   * Stops for good. With `flushData`, queued packets are written first regardless of pacing
   * (a graceful close delivers what was accepted); then the close frame, if any.
   */
  stop(closeReason: Uint8Array | undefined, flushData: boolean): void {
    if (this.stopped) return;
    this.control = [];
    try {
      if (flushData) for (let m = this.build(true); m; m = this.build(true)) this.write(m);
      if (closeReason) this.write(this.compose([{ type: FrameType.close, data: closeReason, total: 0 }], FRAME_HEADER + closeReason.length));
    } catch {
      // The transport is already broken; the link is closing anyway.
    }
    this.stopped = true;
    this.packets = [];
    this.queuedBytes = 0;
    this.settings.clock.clearTimeout(this.pollTimer);
  }

  /**
   * Flushes soon: right after the current task on a channel without a send budget (a WebSocket:
   * latency is what matters there), at the next turn on a paced one (a data channel, where the
   * whole turn's packets should share messages) or when `later` continues a paced flush.
   */
  private schedule(later = false): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    (later || this.channel.maxSendsPerTurn !== Infinity ? nextTurn : afterThisTask)(this.scheduledFlush);
  }

  private readonly scheduledFlush = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const maxSends = Math.max(1, this.channel.maxSendsPerTurn);
    while (!this.stopped && this.sendsThisTurn < maxSends) {
      const blocked = this.channel.bufferedAmount >= this.settings.highWaterMark;
      const message = this.build(!blocked);
      if (!message) break;
      // The counter resets at the next turn; the reset is queued before any flush it could race.
      // A channel without a budget (WebSocket) skips it: the reset's turn of its own would cost
      // every send an extra, non-blocking pass of the event loop.
      if (maxSends !== Infinity && this.sendsThisTurn++ === 0) nextTurn(() => (this.sendsThisTurn = 0));
      try {
        this.write(message);
      } catch (error) {
        this.events.broken(error);
        return;
      }
      this.messagesOut++;
      this.bytesOut += message.length;
    }
    if (this.stopped) return;
    const pending = this.control.length > 0 || this.head < this.packets.length;
    if (pending && this.sendsThisTurn >= maxSends) this.schedule(true);
    this.checkDrain();
    // Blocked on the channel, or waiting for its buffer to fall under the low-water mark: the
    // Channel contract does not say where its own drain mark lies, so look again on a timer too.
    if ((pending || this.aboveLow) && !this.scheduled && !this.pollTimer) {
      this.pollTimer = this.settings.clock.setTimeout(() => {
        this.pollTimer = undefined;
        this.flush();
      }, this.settings.drainPollInterval);
    }
  }

  /**
   * Hands a built message to the channel, sealed when sealing is on (built with room for it by
   * {@link FrameSender.compose}); then switches sealing on if the message asked to.
   */
  private write(message: Uint8Array): void {
    this.channel.send(this.sealer ? this.sealer.sealInPlace(message) : message);
    if (this.nextSealer) {
      this.sealer = this.nextSealer;
      this.nextSealer = undefined;
    }
  }

  private checkDrain(): void {
    if (this.aboveLow && this.bufferedAmount < this.settings.lowWaterMark) {
      this.aboveLow = false;
      this.events.drain();
    }
  }

  /** The next message: control frames first, then (unless blocked) as much data as fits. */
  private build(withData: boolean): Uint8Array | undefined {
    const limit = this.messageLimit - (this.sealer ? SEAL_OVERHEAD : 0);
    // The common case on a quiet link, a lone whole packet: framed without the general bookkeeping.
    if (withData && this.control.length === 0 && this.offset === 0 && this.head === this.packets.length - 1) {
      const packet = this.packets[this.head]!;
      if (FRAME_HEADER + packet.length <= limit) {
        this.queuedBytes -= packet.length;
        this.advance();
        return this.compose([{ type: FrameType.packet, data: packet, total: 0 }], FRAME_HEADER + packet.length);
      }
    }
    const pieces: Piece[] = [];
    let size = 0;
    while (this.control.length > 0 && size + FRAME_HEADER + this.control[0]!.payload.length <= limit) {
      const { type, payload, sealAfter } = this.control.shift()!;
      pieces.push({ type, data: payload, total: 0 });
      size += FRAME_HEADER + payload.length;
      if (sealAfter) {
        // Nothing may follow it in this clear message: the peer reads everything after it sealed.
        this.nextSealer = sealAfter;
        return this.compose(pieces, size);
      }
    }
    while (withData && this.head < this.packets.length) {
      const packet = this.packets[this.head]!;
      const room = limit - size;
      if (this.offset === 0 && FRAME_HEADER + packet.length <= room) {
        pieces.push({ type: FrameType.packet, data: packet, total: 0 });
        size += FRAME_HEADER + packet.length;
        this.queuedBytes -= packet.length;
        this.advance();
        continue;
      }
      // It fits a message of its own: send it whole next rather than chunk it needlessly.
      if (this.offset === 0 && FRAME_HEADER + packet.length <= limit) break;
      const header = this.offset === 0 ? CHUNK_START_HEADER : FRAME_HEADER;
      if (room < header + MIN_CHUNK) break;
      const n = Math.min(packet.length - this.offset, room - header);
      const type = this.offset === 0 ? FrameType.chunkStart : FrameType.chunk;
      pieces.push({ type, data: packet.subarray(this.offset, this.offset + n), total: packet.length });
      size += header + n;
      this.offset += n;
      this.queuedBytes -= n;
      if (this.offset < packet.length) break;
      this.advance();
    }
    return pieces.length === 0 ? undefined : this.compose(pieces, size);
  }

  /**
   * The message of `pieces` (`size` bytes of frames). On a sealed link it is built after room
   * for the counter and before room for the tag, so that it is sealed where it lies.
   */
  private compose(pieces: Piece[], size: number): Uint8Array {
    if (!this.sealer) return writeFrames(allocate(size), 0, pieces);
    return writeFrames(allocate(size + SEAL_OVERHEAD), SEALED_AT, pieces);
  }

  private advance(): void {
    this.packets[this.head++] = NO_BYTES; // let the packet be collected now
    this.offset = 0;
    if (this.head === this.packets.length) {
      // Emptied in place: a new array per drained queue is garbage on every quiet-link send.
      this.packets.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.packets.length) {
      this.packets = this.packets.slice(this.head);
      this.head = 0;
    }
  }
}

/** Writes `pieces` as frames into `out` from `at` on; returns `out`. */
function writeFrames(out: Uint8Array, at: number, pieces: Piece[]): Uint8Array {
  for (const { type, data, total } of pieces) {
    const extra = type === FrameType.chunkStart ? 4 : 0;
    writeHeader(out, at, type, data.length + extra);
    at += FRAME_HEADER;
    if (extra) {
      out[at] = total >>> 24;
      out[at + 1] = (total >>> 16) & 0xff;
      out[at + 2] = (total >>> 8) & 0xff;
      out[at + 3] = total & 0xff;
      at += 4;
    }
    out.set(data, at);
    at += data.length;
  }
  return out;
}
