import { FrameType, parseFrames, readU32 } from './frames.js';

/** Receive-side limits of a framed link (see `FramingOptions` for defaults and reasons). */
export interface ReceiverLimits {
  /** Largest transport message accepted. */
  readonly maxMessageSize: number;
  /** Largest packet accepted, whole or reassembled from chunks. */
  readonly maxPacketBytes: number;
}

/** Where the receiver hands what it read. Either may return false to stop reading this message. */
export interface ReceiverHandlers {
  packet(packet: Uint8Array): boolean;
  control(type: FrameType, payload: Uint8Array): boolean;
}

/**
 * The receive side of a framed link: splits messages into frames, reassembles chunked packets,
 * and enforces the receive limits. `receive` returns why a message broke the protocol (the link
 * closes with that reason) and never throws on peer input.
 */
export class FrameReceiver {
  private parts: Uint8Array[] = [];
  private expected = 0;
  private received = 0;

  constructor(
    private readonly limits: ReceiverLimits,
    private readonly handlers: ReceiverHandlers,
  ) {}

  /** Reads one transport message; returns a protocol violation, or undefined. */
  receive(message: Uint8Array): string | undefined {
    if (message.length > this.limits.maxMessageSize) return `message of ${message.length} bytes exceeds ${this.limits.maxMessageSize}`;
    this.violation = undefined;
    const parsed = parseFrames(message, this.visit);
    return this.violation ?? parsed;
  }

  // Set by a handler returning false (the link closed while reading the message).
  private continue = true;
  /** The first protocol violation in the message being read. */
  private violation: string | undefined;
  /** One visitor for every message, rather than a closure made per message. */
  private readonly visit = (type: FrameType, payload: Uint8Array): boolean => {
    this.violation = this.frame(type, payload);
    return this.violation === undefined && this.continue;
  };

  private frame(type: FrameType, payload: Uint8Array): string | undefined {
    this.continue = true;
    switch (type) {
      case FrameType.packet:
        if (this.expected > 0) return 'packet frame inside a chunked packet';
        if (payload.length > this.limits.maxPacketBytes) return this.tooLarge(payload.length);
        this.continue = this.handlers.packet(payload);
        return undefined;
      case FrameType.chunkStart: {
        if (this.expected > 0) return 'chunkStart inside a chunked packet';
        if (payload.length < 4) return 'truncated chunkStart';
        const total = readU32(payload, 0);
        if (total > this.limits.maxPacketBytes) return this.tooLarge(total);
        this.expected = total;
        return this.append(payload.subarray(4));
      }
      case FrameType.chunk:
        if (this.expected === 0) return 'chunk without a chunkStart';
        return this.append(payload);
      default:
        this.continue = this.handlers.control(type, payload);
        return undefined;
    }
  }

  private append(data: Uint8Array): string | undefined {
    // Empty chunks carry nothing; a sender never writes one, and a peer that does could spin us.
    if (data.length === 0) return 'empty chunk';
    if (this.received + data.length > this.expected) return 'chunks longer than their packet';
    this.parts.push(data);
    this.received += data.length;
    if (this.received < this.expected) return undefined;
    const packet = new Uint8Array(this.expected);
    let at = 0;
    for (const part of this.parts) {
      packet.set(part, at);
      at += part.length;
    }
    this.parts = [];
    this.expected = 0;
    this.received = 0;
    this.continue = this.handlers.packet(packet);
    return undefined;
  }

  private tooLarge(size: number): string {
    return `packet of ${size} bytes exceeds ${this.limits.maxPacketBytes}`;
  }
}
