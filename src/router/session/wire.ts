import { encodePacket, type Packet } from '../../firefly/packet.js';

/**
 * The bytes of end-to-end session traffic. Everything here is read from hostile peers: every
 * reader returns undefined for anything malformed and never throws.
 *
 * Session messages (kind `session`), by their first byte:
 * - `initiation`: index (u32) the initiator receives on, then Noise message 1;
 * - `response`: the responder's index, the initiator's index, then Noise message 2;
 * - `ping` / `pong`: an envelope (below) whose plaintext is 8 probe bytes;
 * - `reset`: the index a sender used that the receiver does not know, with the receiver's
 *   Ed25519 signature, so that only the real node can make a sender open a new session and
 *   send again what the old one lost.
 *
 * Sealed packets (a kind with `SEALED` set) carry an envelope as body: the receiver's index
 * (u32), the message counter (u64, the AEAD nonce), then the ciphertext and tag of
 * `method length (u16) ‖ method (UTF-8) ‖ body`. The associated data is the packet's header
 * with the hop count zeroed and no body, so that a relay that changes anything but the hop
 * count makes the packet fail to open.
 */
export const SessionMessage = Object.freeze({ initiation: 1, response: 2, ping: 3, pong: 4, reset: 5 } as const);

/** A session message's type byte. */
export type SessionMessage = (typeof SessionMessage)[keyof typeof SessionMessage];

/** Bytes before the ciphertext of an envelope: type-less index and counter. */
export const ENVELOPE_HEAD = 12;

/** Largest counter a session seals with (2^53 − 1: counters are JavaScript numbers). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The associated data of a sealed or session packet: its header, hop count zeroed, no body. */
export function associatedData(packet: Packet): Uint8Array {
  return encodePacket({ ...packet, hop: 0, body: EMPTY }, 0);
}

/** Writes index and counter at `at`. */
export function writeEnvelopeHead(out: Uint8Array, at: number, index: number, counter: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, index);
  view.setUint32(at + 4, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(at + 8, counter >>> 0);
}

/** An envelope's index, counter and sealed bytes, read from `at`. */
export interface EnvelopeFields {
  readonly index: number;
  readonly counter: number;
  readonly sealed: Uint8Array;
}

/** Reads an envelope starting at `at`; undefined when too short or the counter is out of range. */
export function readEnvelope(bytes: Uint8Array, at: number): EnvelopeFields | undefined {
  if (bytes.length < at + ENVELOPE_HEAD) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(at + 4);
  if (high > 0x1f_ffff) return undefined;
  return { index: view.getUint32(at), counter: high * 0x1_0000_0000 + view.getUint32(at + 8), sealed: bytes.subarray(at + ENVELOPE_HEAD) };
}

/** The plaintext of a sealed packet: method and body. */
export function writeInner(method: string, body: Uint8Array): Uint8Array {
  const name = method === '' ? EMPTY : utf8Encoder.encode(method);
  const out = new Uint8Array(2 + name.length + body.length);
  out[0] = name.length >>> 8;
  out[1] = name.length & 0xff;
  out.set(name, 2);
  out.set(body, 2 + name.length);
  return out;
}

/** Method and body of an opened plaintext; undefined when malformed (a peer can seal anything). */
export function readInner(plaintext: Uint8Array): { method: string; body: Uint8Array } | undefined {
  if (plaintext.length < 2) return undefined;
  const length = (plaintext[0]! << 8) | plaintext[1]!;
  if (plaintext.length < 2 + length || length > MAX_METHOD_BYTES) return undefined;
  let method = '';
  if (length > 0) {
    try {
      method = utf8Decoder.decode(plaintext.subarray(2, 2 + length));
    } catch {
      return undefined;
    }
  }
  return { method, body: plaintext.subarray(2 + length) };
}

/** As many bytes as a packet's method may have (256 characters of up to 4 bytes). */
const MAX_METHOD_BYTES = 1024;

/** A session message with `type` and the given fields (u32 each) followed by `rest`. */
export function sessionBody(type: SessionMessage, indexes: readonly number[], rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 4 * indexes.length + rest.length);
  const view = new DataView(out.buffer);
  out[0] = type;
  indexes.forEach((index, i) => view.setUint32(1 + 4 * i, index));
  out.set(rest, 1 + 4 * indexes.length);
  return out;
}

/** The u32 at `at`, or undefined past the end. */
export function readIndex(bytes: Uint8Array, at: number): number | undefined {
  if (bytes.length < at + 4) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at);
}

const RESET_CONTEXT = utf8Encoder.encode('glow session reset v1');

/** What a reset's signer signs: context, the index, the node told, the node telling. */
export function resetStatement(index: number, to: string, from: string): Uint8Array {
  const parts = [RESET_CONTEXT, Uint8Array.of(index >>> 24, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff), utf8Encoder.encode(to), utf8Encoder.encode(from)];
  const out = new Uint8Array(parts.reduce((n, part) => n + 1 + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out[at] = part.length;
    out.set(part, at + 1);
    at += 1 + part.length;
  }
  return out;
}
