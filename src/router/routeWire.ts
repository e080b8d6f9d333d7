import { argumentBytes, headSize, readArgument, writeHead } from '../firefly/cborHead.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { INFINITY } from './metric.js';
import { SEQNO_MODULUS } from './seqno.js';
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
        out[at] = 0x85;
        out[at + 1] = UPDATE;
        at = writeText(out, at + 2, message.destination);
        at = writeHead(out, at, 0, message.seqno);
        at = writeHead(out, at, 0, message.metric);
        at = writeHead(out, at, 0, message.hops);
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

/** Longest id: see `isIdSegment`. */
const MAX_ID = 64;
const CACHE_SLOTS = 4096;

/**
 * Ids by their bytes. The same few thousand destinations come in on every update, and making a
 * string from bytes costs more than the rest of an entry; a shared string also costs the table
 * that keeps it nothing more. Direct-mapped and bounded: a hit is checked byte for byte, so a
 * collision only costs a miss.
 */
const cachedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SLOTS).fill(undefined);
const cachedText: string[] = new Array<string>(CACHE_SLOTS).fill('');

/** 1 for the bytes an id may hold. */
const ID_BYTE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-') ID_BYTE[c.charCodeAt(0)] = 1;

/** Reads route messages in the common shape; `failed` once anything is not. */
class Reader {
  pos = 0;
  failed = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxString: number,
  ) {}

  /** The argument of an item of `major` type, or -1. */
  head(major: number): number {
    const bytes = this.bytes;
    const pos = this.pos;
    if (this.failed || pos >= bytes.length || bytes[pos]! >> 5 !== major) return this.fail();
    const extra = argumentBytes(bytes[pos]! & 31);
    if (extra < 0 || pos + 1 + extra > bytes.length) return this.fail();
    this.pos = pos + 1 + extra;
    return readArgument(bytes, pos);
  }

  /** An unsigned integer at most `max`, or -1. */
  uint(max: number): number {
    const value = this.head(0);
    return value <= max ? value : this.fail();
  }

  /** An id, or '' (and failed). */
  id(): string {
    const length = this.head(TEXT);
    const start = this.pos;
    const end = start + length;
    const bytes = this.bytes;
    if (length < 1 || length > MAX_ID || length > this.maxString || end > bytes.length) {
      this.fail();
      return '';
    }
    this.pos = end;
    let h = Math.imul(0x811c9dc5 ^ length, 0x01000193);
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
    const hit = cachedBytes[slot];
    if (hit !== undefined && hit.length === length) {
      let i = 0;
      while (i < length && hit[i] === bytes[start + i]) i++;
      if (i === length) return cachedText[slot]!;
    }
    const own = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const byte = bytes[start + i]!;
      if (byte > 0x7f || ID_BYTE[byte] === 0) {
        this.fail();
        return '';
      }
      own[i] = byte;
    }
    const text = String.fromCharCode.apply(null, own as unknown as number[]);
    cachedBytes[slot] = own;
    cachedText[slot] = text;
    return text;
  }

  fail(): -1 {
    this.failed = true;
    return -1;
  }
}

/**
 * Decodes a route body in the common shape — known message types, ids, integers in range,
 * within `limits` — or answers undefined, for the general path to decode or reject. Throws
 * nothing: what is too long or malformed is the general path's to word.
 */
export function readRouteBody(body: Uint8Array, limits: ReceiveLimits, maxMessages: number): RouteMessage[] | undefined {
  if (body.length > limits.maxPacketBytes || limits.maxDepth < 2) return undefined;
  const reader = new Reader(body, limits.maxStringBytes);
  const count = reader.head(ARRAY);
  // Every message takes at least three bytes: a count beyond that is a lie the general path rejects.
  if (count < 0 || count > maxMessages || count * 3 > body.length) return undefined;
  const messages: RouteMessage[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = reader.head(ARRAY);
    const type = reader.uint(255);
    if (type === UPDATE && length === 5) {
      const destination = reader.id();
      const seqno = reader.uint(SEQNO_MODULUS - 1);
      const metric = reader.uint(INFINITY);
      const hops = reader.uint(255);
      messages[i] = { type: 'update', destination, seqno, metric, hops };
    } else if (type === REQUEST && length === 2) {
      if (reader.pos < body.length && body[reader.pos] === NULL) {
        reader.pos++;
        messages[i] = { type: 'request', destination: null };
      } else messages[i] = { type: 'request', destination: reader.id() };
    } else if (type === SEQNO && length === 4) {
      const destination = reader.id();
      const seqno = reader.uint(SEQNO_MODULUS - 1);
      const hopCount = reader.uint(255);
      messages[i] = { type: 'seqno', destination, seqno, hopCount };
    } else return undefined;
    if (reader.failed) return undefined;
  }
  return reader.pos === body.length ? messages : undefined;
}
