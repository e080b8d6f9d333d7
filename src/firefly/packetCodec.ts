import type { ReceiveLimits } from './limits.js';
import { headSize, writeHead } from './cborHead.js';
import { FieldReader, MAX_FAST_TEXT } from './fieldReader.js';
import { allocate } from './pool.js';

/**
 * The fast path of the packet header codec. Every packet is encoded once per hop and decoded
 * once per hop, and a general CBOR library spends most of a call's CPU on that (measured: ~1 µs
 * to encode and ~0.4 µs to decode a call's header with cbor-x, against ~0.1–0.2 µs here). The
 * header has one shape — a ten-item array of uint, uint, text ×4, uint, uint, text, bytes — so
 * it is written and read directly.
 *
 * Both directions only handle the common case: integers up to 2^32 − 1 and ASCII text of up
 * to {@link MAX_FAST_TEXT} bytes. Anything else (and anything malformed) returns undefined,
 * and the caller takes the general path (cbor-x with the full scan), which produces the same
 * values or the same errors as before. What the fast path writes is plain, canonical CBOR
 * (shortest lengths, definite sizes), as cbor-x would write it, so any CBOR peer reads it.
 */

/** Longest text read or written here; longer (rare: ids and method names are short) takes the general path. */

const ARRAY_OF_TEN = 0x8a;

/**
 * Bytes of an ASCII text item, or -1 when `text` is not a short ASCII string. A long one's
 * encoded item is looked up (or made) here and left in `items[field]` for {@link writeText}.
 */
function textSize(text: unknown, field: number): number {
  if (typeof text !== 'string' || text.length > MAX_FAST_TEXT) return -1;
  let item = text.length >= MIN_CACHED_TEXT ? textItems.get(text) : undefined;
  if (!item) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return -1;
    if (text.length < MIN_CACHED_TEXT) return headSize(text.length) + text.length;
    item = new Uint8Array(headSize(text.length) + text.length);
    const at = writeHead(item, 0, 3, text.length);
    for (let i = 0; i < text.length; i++) item[at + i] = text.charCodeAt(i);
    if (textItems.size >= MAX_TEXT_ITEMS) textItems.clear();
    textItems.set(text, item);
  }
  items[field] = item;
  return item.length;
}

/**
 * Encoded text items (head and characters) of the strings that come back on every packet: node
 * ids (43 characters) and resource ids (21), copied in one go instead of character by character.
 * Bounded: emptied whole when full, it only ever holds the strings of the moment.
 */
const textItems = new Map<string, Uint8Array>();
const MAX_TEXT_ITEMS = 4096;
/** Shorter strings (members, short names) are written directly: as cheap as a lookup. */
const MIN_CACHED_TEXT = 16;
/** The items {@link textSize} found for the packet being written, by text field (0–4). */
const items: (Uint8Array | undefined)[] = [undefined, undefined, undefined, undefined, undefined];

function writeText(out: Uint8Array, at: number, text: string, field: number): number {
  if (text.length >= MIN_CACHED_TEXT) {
    const item = items[field]!;
    items[field] = undefined;
    out.set(item, at);
    return at + item.length;
  }
  at = writeHead(out, at, 3, text.length);
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * The CBOR of `[version, kind, srcNode, srcLocal, dstNode, dstLocal, hop, corr, method, body]`,
 * or undefined when a field is outside the fast path (see the module comment).
 */
export function writePacketFields(
  version: number,
  kind: number,
  srcNode: string,
  srcLocal: string,
  dstNode: string,
  dstLocal: string,
  hop: number,
  corr: number,
  method: string,
  body: Uint8Array,
): Uint8Array | undefined {
  if (!(body instanceof Uint8Array)) return undefined;
  const v = headSize(version);
  const k = headSize(kind);
  const sn = textSize(srcNode, 0);
  const sl = textSize(srcLocal, 1);
  const dn = textSize(dstNode, 2);
  const dl = textSize(dstLocal, 3);
  const h = headSize(hop);
  const c = headSize(corr);
  const m = textSize(method, 4);
  const b = headSize(body.length);
  // Any field outside the fast path is -1, and a bitwise or of small sizes with -1 is negative.
  if ((v | k | sn | sl | dn | dl | h | c | m | b) < 0) return undefined;
  const size = 1 + v + k + sn + sl + dn + dl + h + c + m + b + body.length;
  const out = allocate(size);
  out[0] = ARRAY_OF_TEN;
  let at = writeHead(out, 1, 0, version);
  at = writeHead(out, at, 0, kind);
  at = writeText(out, at, srcNode, 0);
  at = writeText(out, at, srcLocal, 1);
  at = writeText(out, at, dstNode, 2);
  at = writeText(out, at, dstLocal, 3);
  at = writeHead(out, at, 0, hop);
  at = writeHead(out, at, 0, corr);
  at = writeText(out, at, method, 4);
  at = writeHead(out, at, 2, body.length);
  out.set(body, at);
  return out;
}

/** A packet's header fields as the fast path reads them (`kind` and `version` still unchecked). */
export interface PacketFields {
  version: number;
  kind: number;
  src: { node: string; local: string };
  dst: { node: string; local: string };
  hop: number;
  corr: number;
  method: string;
  body: Uint8Array;
}

/**
 * The header of a packet in its common shape — ids that are id segments, ASCII method, integers
 * under 2^32 — checked against `limits` as the full scan would check them; undefined when the
 * packet is not in that shape (or is malformed), so that the general path decodes it or rejects
 * it with the precise reason.
 */
export function readPacket(bytes: Uint8Array, limits: ReceiveLimits): PacketFields | undefined {
  if (bytes.length > limits.maxPacketBytes || limits.maxDepth < 1 || bytes[0] !== ARRAY_OF_TEN) return undefined;
  const reader = new FieldReader(bytes, limits.maxStringBytes, 1);
  const version = reader.uint();
  const kind = reader.uint();
  const srcNode = reader.text(true);
  const srcLocal = reader.text(true);
  const dstNode = reader.text(true);
  const dstLocal = reader.text(true);
  const hop = reader.uint();
  const corr = reader.uint();
  const method = reader.text(false);
  const body = reader.bin();
  if (reader.failed || reader.pos !== bytes.length || body === undefined) return undefined;
  return { version, kind, src: { node: srcNode, local: srcLocal }, dst: { node: dstNode, local: dstLocal }, hop, corr, method, body };
}
