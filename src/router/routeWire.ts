import { headSize, writeHead } from '../firefly/cborHead.js';
import { FieldReader } from '../firefly/fieldReader.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { INFINITY } from './metric.js';
import { SEQNO_MODULUS } from './seqno.js';
import { PROOF_BYTES } from './seqnoProof.js';
import type { RouteMessage } from './updates.js';

/**
 * Route bodies written and read byte by byte: the very CBOR the general codec writes for them
 * (an array of short arrays of small integers and ids), without building the arrays in between.
 * A router reads and writes every entry of every table it exchanges; on a 1000-router mesh the
 * general path (arrays for cbor-x, a scan, a decode, then a check of each field and a regular
 * expression per id) cost more than the routing itself. Anything not in the common shape is
 * left to the general path in updates.ts, which also words the errors.
 */

const ARRAY = 4;
const BYTES = 2;
const TEXT = 3;
const NULL = 0xf6;
const UPDATE = 1;
const REQUEST = 2;
const SEQNO = 3;

/** Bytes of an ASCII text item; -1 when the text is not ASCII. */
function textSize(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return -1;
  return headSize(text.length) + text.length;
}

function writeText(out: Uint8Array, at: number, text: string): number {
  at = writeHead(out, at, TEXT, text.length);
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** Encodes messages; undefined when an id is not ASCII (the general path takes those). */
export function writeRouteBody(messages: readonly RouteMessage[]): Uint8Array | undefined {
  let size = headSize(messages.length);
  for (const message of messages) {
    const text = message.destination === null ? 1 : textSize(message.destination);
    if (text < 0) return undefined;
    switch (message.type) {
      case 'update':
        size += 2 + text + headSize(message.seqno) + headSize(message.metric) + headSize(message.hops);
        if (message.proof) size += headSize(message.proof.length) + message.proof.length;
        break;
      case 'request':
        size += 2 + text;
        break;
      case 'seqno':
        size += 2 + text + headSize(message.seqno) + headSize(message.hopCount);
        break;
    }
  }
  const out = new Uint8Array(size);
  let at = writeHead(out, 0, ARRAY, messages.length);
  for (const message of messages) {
    switch (message.type) {
      case 'update':
        out[at] = message.proof ? 0x86 : 0x85;
        out[at + 1] = UPDATE;
        at = writeText(out, at + 2, message.destination);
        at = writeHead(out, at, 0, message.seqno);
        at = writeHead(out, at, 0, message.metric);
        at = writeHead(out, at, 0, message.hops);
        if (message.proof) {
          at = writeHead(out, at, BYTES, message.proof.length);
          out.set(message.proof, at);
          at += message.proof.length;
        }
        break;
      case 'request':
        out[at] = 0x82;
        out[at + 1] = REQUEST;
        if (message.destination === null) out[at + 2] = NULL;
        at = message.destination === null ? at + 3 : writeText(out, at + 2, message.destination);
        break;
      case 'seqno':
        out[at] = 0x84;
        out[at + 1] = SEQNO;
        at = writeText(out, at + 2, message.destination);
        at = writeHead(out, at, 0, message.seqno);
        at = writeHead(out, at, 0, message.hopCount);
        break;
    }
  }
  return out;
}

/**
 * Decodes a route body in the common shape — known message types, ids, integers in range,
 * within `limits` — or answers undefined, for the general path to decode or reject. Throws
 * nothing: what is too long or malformed is the general path's to word.
 */
export function readRouteBody(body: Uint8Array, limits: ReceiveLimits, maxMessages: number): RouteMessage[] | undefined {
  if (body.length > limits.maxPacketBytes || limits.maxDepth < 2) return undefined;
  const reader = new FieldReader(body, limits.maxStringBytes);
  const count = reader.head(ARRAY);
  // Every message takes at least three bytes: a count beyond that is a lie the general path rejects.
  if (count < 0 || count > maxMessages || count * 3 > body.length) return undefined;
  const messages: RouteMessage[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = reader.head(ARRAY);
    const type = reader.uint(255);
    if (type === UPDATE && (length === 5 || length === 6)) {
      const destination = reader.text(true);
      const seqno = reader.uint(SEQNO_MODULUS - 1);
      const metric = reader.uint(INFINITY);
      const hops = reader.uint(255);
      if (length === 5) messages[i] = { type: 'update', destination, seqno, metric, hops };
      else {
        const proof = reader.bin();
        if (proof?.length !== PROOF_BYTES) return undefined;
        // A copy of its own: a view would keep the whole packet alive as long as the route.
        messages[i] = { type: 'update', destination, seqno, metric, hops, proof: proof.slice() };
      }
    } else if (type === REQUEST && length === 2) {
      if (reader.pos < body.length && body[reader.pos] === NULL) {
        reader.pos++;
        messages[i] = { type: 'request', destination: null };
      } else messages[i] = { type: 'request', destination: reader.text(true) };
    } else if (type === SEQNO && length === 4) {
      const destination = reader.text(true);
      const seqno = reader.uint(SEQNO_MODULUS - 1);
      const hopCount = reader.uint(255);
      messages[i] = { type: 'seqno', destination, seqno, hopCount };
    } else return undefined;
    if (reader.failed) return undefined;
  }
  return reader.pos === body.length ? messages : undefined;
}
