import { allocate } from '../firefly/pool.js';

/**
 * The frame format links speak on a {@link Channel}. One transport message carries one or more
 * frames back to back (on an encrypted link, each message after a side's `ready` is sealed whole:
 * see `linkSeal.ts`); each frame is
 *
 * ```
 * type: u8 | length: u32 (big-endian) | payload: `length` bytes
 * ```
 *
 * | type | name        | payload                                                        |
 * | ---- | ----------- | -------------------------------------------------------------- |
 * | 0x01 | packet      | one whole Firefly packet                                       |
 * | 0x02 | chunkStart  | total packet length (u32), then the packet's first bytes       |
 * | 0x03 | chunk       | the next bytes of the packet being reassembled                 |
 * | 0x10 | hello       | CBOR `{ v, id, nonce, maxMessage, maxPacket, cert?, eph? }`    |
 * | 0x11 | auth        | 64-byte Ed25519 signature of the handshake transcript          |
 * | 0x12 | ready       | empty: the sender verified our auth and admits us; on an encrypted link, the last frame the sender sends in clear |
 * | 0x20 | ping        | 8 bytes (the sender's clock, float64)                          |
 * | 0x21 | pong        | the ping's 8 bytes, echoed                                     |
 * | 0x30 | close       | UTF-8 reason                                                   |
 *
 * Chunks of one packet are consecutive among data frames (packet, chunkStart, chunk); control
 * frames may sit between them, so heartbeats keep flowing while a large packet is in transit.
 */

/** Frame type numbers (wire values; never change meaning). */
export const FrameType = Object.freeze({
  packet: 0x01,
  chunkStart: 0x02,
  chunk: 0x03,
  hello: 0x10,
  auth: 0x11,
  ready: 0x12,
  ping: 0x20,
  pong: 0x21,
  close: 0x30,
} as const);

/** A frame type's wire number. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** The frames of the link handshake. */
export type HandshakeFrame = typeof FrameType.hello | typeof FrameType.auth | typeof FrameType.ready;

/** Bytes before every frame's payload: type (1) and length (4). */
export const FRAME_HEADER = 5;

/** Bytes a chunkStart frame spends before packet bytes: the header and the total length. */
export const CHUNK_START_HEADER = FRAME_HEADER + 4;

const KNOWN = new Set<number>(Object.values(FrameType));

/** One transport message holding a single frame. */
export function encodeFrame(type: FrameType, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = allocate(FRAME_HEADER + payload.length);
  writeHeader(out, 0, type, payload.length);
  out.set(payload, FRAME_HEADER);
  return out;
}

/** Writes a frame header at `offset` of `target`. */
export function writeHeader(target: Uint8Array, offset: number, type: FrameType, length: number): void {
  target[offset] = type;
  target[offset + 1] = length >>> 24;
  target[offset + 2] = (length >>> 16) & 0xff;
  target[offset + 3] = (length >>> 8) & 0xff;
  target[offset + 4] = length & 0xff;
}

/** Reads a big-endian u32 at `offset`. */
export function readU32(source: Uint8Array, offset: number): number {
  return ((source[offset]! << 24) >>> 0) + (source[offset + 1]! << 16) + (source[offset + 2]! << 8) + source[offset + 3]!;
}

/**
 * Splits one transport message into frames, calling `visit` for each in order until it returns
 * false. Returns a description of the first malformation (for the close reason), or undefined
 * when the message was well formed as far as it was read. The payloads are views into
 * `message`, not copies.
 */
export function parseFrames(message: Uint8Array, visit: (type: FrameType, payload: Uint8Array) => boolean): string | undefined {
  if (message.length === 0) return 'empty message';
  let offset = 0;
  while (offset < message.length) {
    if (message.length - offset < FRAME_HEADER) return 'truncated frame header';
    const type = message[offset]!;
    const length = readU32(message, offset + 1);
    if (!KNOWN.has(type)) return `unknown frame type 0x${type.toString(16)}`;
    const start = offset + FRAME_HEADER;
    if (length > message.length - start) return 'frame longer than its message';
    offset = start + length;
    if (!visit(type as FrameType, message.subarray(start, offset))) return undefined;
  }
  return undefined;
}
