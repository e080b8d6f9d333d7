import { GlowError } from './errors.js';
import type { ReceiveLimits } from './limits.js';

/**
 * CBOR tags a peer may send. Everything else is refused before decoding: cbor-x would otherwise
 * honour tags such as 27 ("construct the global class named on the wire") or its record and
 * structured-clone extensions, which must never be driven by untrusted bytes.
 *
 * 0/1 date, 2/3 bignum (integers beyond 64 bits), 258 set, 259 map with non-string keys.
 */
const ALLOWED_TAGS = new Set([0, 1, 2, 3, 258, 259]);

function bad(message: string, details?: unknown): GlowError {
  return new GlowError('badpacket', message, details);
}

/**
 * Walks one CBOR item without building any value and throws `badpacket` when it breaks a
 * {@link ReceiveLimits} limit or is not well formed: truncated, trailing bytes, reserved
 * additional info, indefinite lengths (our encoder never writes them), tags outside the allow
 * list, or a declared length larger than the bytes that remain (which would let a 5-byte packet
 * ask a decoder to preallocate gigabytes).
 *
 * Iterative on purpose: a recursive walker would itself be the stack-exhaustion target.
 */
export function scanCbor(bytes: Uint8Array, limits: ReceiveLimits): void {
  if (bytes.length > limits.maxPacketBytes) {
    throw bad(`packet of ${bytes.length} bytes exceeds maxPacketBytes ${limits.maxPacketBytes}`, {
      limit: 'maxPacketBytes',
      max: limits.maxPacketBytes,
      actual: bytes.length,
    });
  }
  // A cursor object rather than closures over locals: this runs for every packet and every
  // body, both ways, and closures made per call cost an allocation each (and far more under
  // loaders that name every function they create, as tsx does).
  const cursor = new Cursor(bytes);
  const end = bytes.length;
  const remaining: number[] = [];
  for (;;) {
    cursor.need(1);
    const head = bytes[cursor.pos++]!;
    const major = head >> 5;
    const info = head & 31;
    let container = 0;
    switch (major) {
      case 0:
      case 1:
        if (info === 31) throw bad('indefinite-length CBOR items are not accepted');
        cursor.readArg(info);
        break;
      case 2:
      case 3: {
        const length = cursor.readArg(info);
        cursor.need(length);
        if (major === 3 && length > limits.maxStringBytes) {
          throw bad(`text of ${length} bytes exceeds maxStringBytes ${limits.maxStringBytes}`, {
            limit: 'maxStringBytes',
            max: limits.maxStringBytes,
            actual: length,
          });
        }
        cursor.pos += length;
        break;
      }
      case 4:
      case 5: {
        const count = cursor.readArg(info) * (major === 5 ? 2 : 1);
        if (count > end - cursor.pos) throw bad('CBOR container declares more items than bytes remain');
        if (count > 0) container = count;
        break;
      }
      case 6: {
        const tag = cursor.readArg(info);
        if (!ALLOWED_TAGS.has(tag)) throw bad(`CBOR tag ${tag} is not accepted`);
        container = 1;
        break;
      }
      default:
        if (info === 31) throw bad('unexpected CBOR break');
        if (info >= 28) throw bad(`reserved CBOR additional info ${info}`);
        if (info >= 24) cursor.readArg(info);
    }
    if (container > 0) {
      if (remaining.length + 1 > limits.maxDepth) {
        throw bad(`CBOR nesting deeper than maxDepth ${limits.maxDepth}`, { limit: 'maxDepth', max: limits.maxDepth });
      }
      remaining.push(container);
      continue;
    }
    // The item is complete: count it against every container it closes.
    for (;;) {
      if (remaining.length === 0) {
        if (cursor.pos !== end) throw bad('trailing bytes after CBOR item');
        return;
      }
      const left = --remaining[remaining.length - 1]!;
      if (left > 0) break;
      remaining.pop();
    }
  }
}

/** Where {@link scanCbor} is in its input. */
class Cursor {
  pos = 0;
  private readonly end: number;

  constructor(private readonly bytes: Uint8Array) {
    this.end = bytes.length;
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw bad('truncated CBOR');
  }

  /** The argument of a head byte's additional info (a length, count, tag or value). */
  readArg(info: number): number {
    const bytes = this.bytes;
    if (info < 24) return info;
    if (info === 24) {
      this.need(1);
      return bytes[this.pos++]!;
    }
    if (info === 25) {
      this.need(2);
      const v = (bytes[this.pos]! << 8) | bytes[this.pos + 1]!;
      this.pos += 2;
      return v;
    }
    const pos = this.pos;
    if (info === 26) {
      this.need(4);
      this.pos += 4;
      return ((bytes[pos]! << 24) >>> 0) + (bytes[pos + 1]! << 16) + (bytes[pos + 2]! << 8) + bytes[pos + 3]!;
    }
    if (info === 27) {
      this.need(8);
      this.pos += 8;
      const high = ((bytes[pos]! << 24) >>> 0) + (bytes[pos + 1]! << 16) + (bytes[pos + 2]! << 8) + bytes[pos + 3]!;
      const low = ((bytes[pos + 4]! << 24) >>> 0) + (bytes[pos + 5]! << 16) + (bytes[pos + 6]! << 8) + bytes[pos + 7]!;
      // Values beyond 2^53 are fine as integers (they decode to bigint) but never as lengths.
      return high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + low;
    }
    if (info === 31) throw bad('indefinite-length CBOR items are not accepted');
    throw bad(`reserved CBOR additional info ${info}`);
  }
}
