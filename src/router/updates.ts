import { isIdSegment, type NodeId } from '../firefly/address.js';
import { decodeValue, encodeValue } from '../firefly/codec.js';
import { GlowError } from '../firefly/errors.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { INFINITY } from './metric.js';
import { readRouteBody, writeRouteBody } from './routeWire.js';
import { isSeqno } from './seqno.js';
import { PROOF_BYTES } from './seqnoProof.js';

/**
 * The body of a `route` packet: a list of messages between two neighbours. Route packets are the
 * only packets whose body a router decodes, because they are addressed to the router itself.
 *
 * Wire form (CBOR): an array of arrays, each starting with its type number:
 * - `[1, destination, seqno, metric, hops, proof?]` — an update; `metric` {@link INFINITY}
 *   retracts. `proof` (64 bytes) is the destination's signature of its seqno (see seqnoProof.ts),
 *   passed on unchanged by every relay; retractions carry none.
 * - `[2, destination | null]` — a route request: send me your route to `destination`, or your
 *   whole table when null.
 * - `[3, destination, seqno, hopCount]` — a seqno request: I am starving for `destination`; ask
 *   it to raise its seqno to at least `seqno`. Forwarded towards the destination while
 *   `hopCount` lasts.
 *
 * Unknown message types are skipped (a newer peer may speak more); malformed known ones reject
 * the whole body, so a half-understood packet never half-applies.
 */
export type RouteMessage = RouteUpdate | RouteRequest | SeqnoRequest;

/** A neighbour's route to `destination` (or its retraction, when `metric` is {@link INFINITY}). */
export interface RouteUpdate {
  readonly type: 'update';
  readonly destination: NodeId;
  readonly seqno: number;
  readonly metric: number;
  /** Hops from the sender to the destination (0 when the sender is the destination). */
  readonly hops: number;
  /** The destination's signature of `seqno` ({@link PROOF_BYTES} bytes), when it has one. */
  readonly proof?: Uint8Array;
}

/** Asks a neighbour for its route to `destination`, or for its whole table when null. */
export interface RouteRequest {
  readonly type: 'request';
  readonly destination: NodeId | null;
}

/** Asks the destination, through the mesh, for a seqno of at least `seqno`. */
export interface SeqnoRequest {
  readonly type: 'seqno';
  readonly destination: NodeId;
  readonly seqno: number;
  readonly hopCount: number;
}

/**
 * Most messages in one route packet. A full table is split into packets of at most this many,
 * and a receiver refuses longer bodies: one packet cannot make a router hold an unbounded list.
 */
export const MAX_ROUTE_MESSAGES = 1024;

const UPDATE = 1;
const REQUEST = 2;
const SEQNO = 3;

/** Encodes messages as a route packet body. */
export function encodeRouteBody(messages: readonly RouteMessage[]): Uint8Array {
  const fast = writeRouteBody(messages);
  if (fast) return fast;
  return encodeValue(
    messages.map((message) => {
      switch (message.type) {
        case 'update': {
          const fields = [UPDATE, message.destination, message.seqno, message.metric, message.hops];
          return message.proof ? [...fields, message.proof] : fields;
        }
        case 'request':
          return [REQUEST, message.destination];
        case 'seqno':
          return [SEQNO, message.destination, message.seqno, message.hopCount];
      }
    }),
  );
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Decodes and validates an untrusted route body. Throws `badpacket` for anything malformed or
 * longer than `maxMessages` (a neighbour must not make us hold an unbounded list).
 */
export function decodeRouteBody(body: Uint8Array, limits: ReceiveLimits, maxMessages: number): RouteMessage[] {
  const fast = readRouteBody(body, limits, maxMessages);
  if (fast) return fast;
  const value = decodeValue(body, limits);
  if (!Array.isArray(value)) throw new GlowError('badpacket', 'route body is not an array');
  if (value.length > maxMessages) throw new GlowError('badpacket', `route body has more than ${maxMessages} messages`);
  const messages: RouteMessage[] = [];
  for (const item of value as unknown[]) {
    if (!Array.isArray(item) || !isUint(item[0], 255)) throw new GlowError('badpacket', 'malformed route message');
    const message = readMessage(item as unknown[]);
    if (message === undefined) throw new GlowError('badpacket', `malformed route message of type ${item[0] as number}`);
    if (message !== null) messages.push(message);
  }
  return messages;
}

/** One message; null for an unknown type (skipped), undefined for a malformed known one. */
function readMessage(item: unknown[]): RouteMessage | null | undefined {
  const [type, destination, a, b, c] = item;
  switch (type) {
    case UPDATE: {
      if ((item.length !== 5 && item.length !== 6) || !isIdSegment(destination) || !isSeqno(a) || !isUint(b, INFINITY) || !isUint(c, 255)) return undefined;
      if (item.length === 5) return { type: 'update', destination, seqno: a, metric: b, hops: c };
      const proof = item[5];
      if (!(proof instanceof Uint8Array) || proof.length !== PROOF_BYTES) return undefined;
      // A copy of its own: a view would keep the whole packet alive as long as the route.
      return { type: 'update', destination, seqno: a, metric: b, hops: c, proof: proof.slice() };
    }
    case REQUEST:
      if (item.length !== 2 || (destination !== null && !isIdSegment(destination))) return undefined;
      return { type: 'request', destination };
    case SEQNO:
      if (item.length !== 4 || !isIdSegment(destination) || !isSeqno(a) || !isUint(b, 255)) return undefined;
      return { type: 'seqno', destination, seqno: a, hopCount: b };
    default:
      return null;
  }
}
