/**
 * The fast-path CBOR field reader shared by the packet codec (headers) and the router (route
 * bodies): definite-length items read in an expected order, texts through a bounded cache.
 */
import { argumentBytes, readArgument } from './cborHead.js';

/** Longest text the fast paths read (longer ones go to the general decoder). */
export const MAX_FAST_TEXT = 256;

/** Longest text kept in the decode cache: ids (node ids are 43 characters) and method names. */
const MAX_CACHED_TEXT = 64;
// Room for the ids of a large mesh: routers decode every destination through it too.
const CACHE_SLOTS = 4096;

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

/**
 * Reads CBOR items in an expected order, for the fast paths of the packet header and of route
 * bodies; `failed` once anything is outside what a fast path takes (the general decoder then
 * decides). Ids and short texts come from a shared cache.
 */
export class FieldReader {
  failed = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxString: number,
    /** Where the next item starts. */
    public pos = 0,
  ) {}

  /** The argument of an item of `major` type (a value or a length), or -1. */
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
  uint(max = Number.MAX_SAFE_INTEGER): number {
    const value = this.head(0);
    return value <= max ? value : this.fail();
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

  fail(): -1 {
    this.failed = true;
    return -1;
  }
}
