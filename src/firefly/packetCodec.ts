import type { ReceiveLimits } from './limits.js';
import { argumentBytes, headSize, readArgument, writeHead } from './cborHead.js';
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
const MAX_FAST_TEXT = 256;

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

/** Longest text kept in the decode cache: ids (node ids are 43 characters) and method names. */
const MAX_CACHED_TEXT = 64;
const CACHE_SLOTS = 1024;

/**
 * Decoded texts by their bytes. The same few node ids, resource ids and method names come in on
 * every packet, and building a string from bytes cost more than the rest of the header (measured:
 * ~0.3 µs per id). Direct-mapped and bounded; a hit is checked byte for byte, so a collision
 * only costs a miss, never a wrong string.
 */
const cachedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SLOTS).fill(undefined);
const cachedText: string[] = new Array<string>(CACHE_SLOTS).fill('');
/** 1 when the cached text is an id segment (see `isIdSegment`: [A-Za-z0-9_-], 1–64 characters). */
const cachedIsId = new Uint8Array(CACHE_SLOTS);

/** 1 for the bytes an id segment may hold. */
const ID_BYTE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-') ID_BYTE[c.charCodeAt(0)] = 1;

/** Reads the header fields in order; `failed` once anything is outside the fast path. */
class FieldReader {
  pos = 1;
  failed = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxString: number,
  ) {}

  /** The argument of an item of `major` type (a value or a length), or -1. */
  private head(major: number): number {
    const bytes = this.bytes;
    const pos = this.pos;
    if (this.failed || pos >= bytes.length || bytes[pos]! >> 5 !== major) return this.fail();
    const extra = argumentBytes(bytes[pos]! & 31);
    if (extra < 0 || pos + 1 + extra > bytes.length) return this.fail();
    this.pos = pos + 1 + extra;
    return readArgument(bytes, pos);
  }

  uint(): number {
    return this.head(0);
  }

  /** An ASCII text; with `id`, only an id segment is accepted. */
  text(id: boolean): string {
    const length = this.head(3);
    const start = this.pos;
    const end = start + length;
    const bytes = this.bytes;
    if (length < 0 || length > MAX_FAST_TEXT || length > this.maxString || end > bytes.length || (id && (length === 0 || length > MAX_CACHED_TEXT))) {
      this.fail();
      return '';
    }
    this.pos = end;
    if (length === 0) return '';
    let slot = -1;
    if (length <= MAX_CACHED_TEXT) {
      // FNV-1a over the length, the first eight bytes and the last one: ids differ early.
      let h = Math.imul(0x811c9dc5 ^ length, 0x01000193);
      const n = length < 8 ? length : 8;
      for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[start + i]!, 0x01000193);
      h = Math.imul(h ^ bytes[end - 1]!, 0x01000193);
      slot = (h ^ (h >>> 16)) & (CACHE_SLOTS - 1);
      const hit = cachedBytes[slot];
      if (hit !== undefined && hit.length === length) {
        let i = 0;
        while (i < length && hit[i] === bytes[start + i]) i++;
        if (i === length) {
          if (id && cachedIsId[slot] === 0) return this.failText();
          return cachedText[slot]!;
        }
      }
    }
    let isId = 1;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte > 0x7f) return this.failText();
      isId &= ID_BYTE[byte]!;
    }
    if (id && isId === 0) return this.failText();
    const text = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
    if (slot >= 0) {
      // A copy of its own (a Buffer's `slice` would share the caller's memory, which may change).
      const own = new Uint8Array(length);
      for (let i = 0; i < length; i++) own[i] = bytes[start + i]!;
      cachedBytes[slot] = own;
      cachedText[slot] = text;
      cachedIsId[slot] = isId;
    }
    return text;
  }

  bin(): Uint8Array | undefined {
    const length = this.head(2);
    const start = this.pos;
    if (length < 0 || start + length > this.bytes.length) {
      this.fail();
      return undefined;
    }
    this.pos = start + length;
    // A view, as cbor-x gives by default: bodies are not copied on their way through.
    return this.bytes.subarray(start, this.pos);
  }

  private failText(): string {
    this.failed = true;
    return '';
  }

  private fail(): -1 {
    this.failed = true;
    return -1;
  }
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
  const reader = new FieldReader(bytes, limits.maxStringBytes);
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
