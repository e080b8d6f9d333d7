import { isIdSegment, type ResourceId } from './address.js';
import { GlowError } from './errors.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from './limits.js';
import { decodeValue, encodeValue } from './codec.js';
import { readPacket, writePacketFields } from './packetCodec.js';

/** The Firefly protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;

/**
 * Packet kinds. Numbers are wire values and never change meaning.
 * `signal` packets carry the signal's name (see {@link SignalName}) in `method`.
 */
export const PacketKind = Object.freeze({
  call: 1,
  reply: 2,
  error: 3,
  cast: 4,
  stream: 5,
  item: 6,
  end: 7,
  credit: 8,
  cancel: 9,
  signal: 10,
  /** Routing updates between neighbours (the router's own traffic). */
  route: 11,
  /** WebRTC offers, answers and candidates travelling through the mesh. */
  rtc: 12,
  /** End-to-end session traffic between two routers: handshakes, probes, resets (`router/session`). */
  session: 13,
} as const);

/** A packet kind's wire number. */
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

/**
 * Added to a kind's wire number when the packet travels sealed end to end: its method and body
 * are one ciphertext only the destination node can open (see `router/session`), and the rest
 * of the header is authenticated with it. Relays still read the kind (to answer a call they
 * cannot deliver) and the addresses (to route).
 */
export const SEALED = 0x40;

/** The kinds a packet of the local node's traffic can have (everything but the routers' own). */
const TRAFFIC_KINDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12];

const KNOWN_KINDS = new Set<number>([...Object.values(PacketKind), ...TRAFFIC_KINDS.map((kind) => kind | SEALED)]);

/** True for a sealed kind ({@link SEALED}). */
export function isSealed(kind: number): boolean {
  return (kind & SEALED) !== 0;
}

/** Names carried in `method` by `signal` packets. */
export type SignalName = 'exit' | 'down' | 'link' | 'unlink' | 'monitor' | 'demonitor';

/**
 * A Firefly packet. The header is small and fixed; `body` is the CBOR encoding of the payload,
 * carried as bytes so that routers read the header without decoding the body.
 */
export interface Packet {
  /** Protocol version; {@link PROTOCOL_VERSION}. */
  version: number;
  kind: PacketKind;
  src: ResourceId;
  dst: ResourceId;
  /** Hops left; a router drops the packet (with an error to the sender) when it reaches 0. */
  hop: number;
  /** Correlates replies, errors and stream traffic with the call or stream that began them; 0 for none. */
  corr: number;
  /** Method, cast or stream name; the signal name for signals; '' when none applies. */
  method: string;
  /** CBOR of the payload. */
  body: Uint8Array;
}

/** Hop limit given to new packets: far more than any real mesh's diameter. */
export const DEFAULT_HOP_LIMIT = 32;

/** Encodes a packet for a link; `hop` replaces the packet's own hop limit (a router's decrement). */
export function encodePacket(p: Packet, hop: number = p.hop): Uint8Array {
  return (
    writePacketFields(p.version, p.kind, p.src.node, p.src.local, p.dst.node, p.dst.local, hop, p.corr, p.method, p.body) ??
    encodeValue([p.version, p.kind, p.src.node, p.src.local, p.dst.node, p.dst.local, hop, p.corr, p.method, p.body])
  );
}

/**
 * What a receiver learns from a packet it cannot accept: the error, plus as much of the header
 * as could be read, so that the sender can still be told (`unsupported`, `badpacket`).
 */
export class PacketRejection extends GlowError {
  constructor(
    error: GlowError,
    /** The sender, when the header got that far. */
    readonly src?: ResourceId,
    /** The correlation id, when the header got that far. */
    readonly corr?: number,
  ) {
    super(error.code, error.message, error.details);
  }
}

/** A rejection naming as much of the header as was read (a module function: no closure per packet). */
function rejection(code: 'badpacket' | 'unsupported', message: string, src: ResourceId | undefined, corr: number | undefined): PacketRejection {
  return new PacketRejection(new GlowError(code, message), src, corr);
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Decodes a packet's header; the body stays bytes. Throws a {@link PacketRejection}
 * (`badpacket` or `unsupported`) for anything it cannot accept, with the sender's address
 * when that much was readable.
 */
export function decodePacket(bytes: Uint8Array, limits: ReceiveLimits = DEFAULT_LIMITS): Packet {
  // The common shape is read directly; anything else (or anything wrong) takes the general path.
  const fast = readPacket(bytes, limits);
  if (fast !== undefined && fast.version === PROTOCOL_VERSION && KNOWN_KINDS.has(fast.kind) && fast.hop <= 255) return fast as Packet;
  return decodePacketGeneral(bytes, limits);
}

/** {@link decodePacket} through the general CBOR decoder: any shape, and the precise reason for a refusal. */
export function decodePacketGeneral(bytes: Uint8Array, limits: ReceiveLimits = DEFAULT_LIMITS): Packet {
  let fields: unknown;
  try {
    fields = decodeValue(bytes, limits);
  } catch (error) {
    throw new PacketRejection(error instanceof GlowError ? error : new GlowError('badpacket', String(error)));
  }
  if (!Array.isArray(fields)) throw new PacketRejection(new GlowError('badpacket', 'packet is not an array'));
  const [version, kind, srcNode, srcLocal, dstNode, dstLocal, hop, corr, method, body] = fields as unknown[];
  const src = isIdSegment(srcNode) && isIdSegment(srcLocal) ? { node: srcNode, local: srcLocal } : undefined;
  const readCorr = isUint(corr, Number.MAX_SAFE_INTEGER) ? corr : undefined;
  // Only a number is echoed in the message: JSON.stringify throws on a bigint version and would
  // copy up to maxStringBytes of a hostile text version into the reply.
  if (!isUint(version, Number.MAX_SAFE_INTEGER)) throw rejection('badpacket', 'malformed protocol version', src, readCorr);
  if (version !== PROTOCOL_VERSION) throw rejection('unsupported', `unsupported protocol version ${version}`, src, readCorr);
  if (fields.length !== 10) throw rejection('badpacket', `packet has ${fields.length} fields, expected 10`, src, readCorr);
  if (!isUint(kind, 255)) throw rejection('badpacket', 'packet kind is not a small integer', src, readCorr);
  if (!KNOWN_KINDS.has(kind)) throw rejection('unsupported', `unknown packet kind ${kind}`, src, readCorr);
  if (!src) throw rejection('badpacket', 'malformed source address', src, readCorr);
  if (!isIdSegment(dstNode) || !isIdSegment(dstLocal)) throw rejection('badpacket', 'malformed destination address', src, readCorr);
  if (!isUint(hop, 255)) throw rejection('badpacket', 'malformed hop limit', src, readCorr);
  if (readCorr === undefined) throw rejection('badpacket', 'malformed correlation id', src, readCorr);
  if (typeof method !== 'string' || method.length > 256) throw rejection('badpacket', 'malformed method', src, readCorr);
  if (!(body instanceof Uint8Array)) throw rejection('badpacket', 'body is not a byte string', src, readCorr);
  return {
    version,
    kind: kind as PacketKind,
    src,
    dst: { node: dstNode, local: dstLocal },
    hop,
    corr: readCorr,
    method,
    body,
  };
}
