import { Decoder, Encoder } from 'cbor-x';
import { GlowError } from './errors.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from './limits.js';
import { argumentBytes, headSize, readArgument, writeHead } from './cborHead.js';
import { allocate } from './pool.js';
import { scanCbor } from './scan.js';

// Plain CBOR only: no records, no shared structures, no typed-array tags, so any CBOR peer
// (a browser, another language) can read what we write. Maps with string keys become objects;
// cbor-x renames a `__proto__` key instead of assigning the prototype.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

// Encoding checks well-formedness only: the receiver applies its own limits.
const WELL_FORMED: ReceiveLimits = { maxPacketBytes: Infinity, maxDepth: Infinity, maxStringBytes: Infinity };

/**
 * Encodes a value as CBOR. Throws `badarg` for values CBOR cannot carry (functions, symbols)
 * and for values cbor-x would write with tags or indefinite lengths that no receiver accepts
 * (Error, RegExp, typed arrays other than Uint8Array, iterators): the sender learns it here,
 * instead of the receiver answering `badpacket`. Costs one scan (~1 µs for a small value), and
 * only on the remote path: local calls never encode.
 */
export function encodeValue(value: unknown): Uint8Array {
  const scalar = encodeScalar(value);
  if (scalar) return scalar;
  let bytes: Uint8Array;
  try {
    bytes = encoder.encode(value);
  } catch (error) {
    throw new GlowError('badarg', `value cannot be encoded: ${(error as Error).message}`);
  }
  // Small values made only of what cbor-x writes as plain CBOR need no scan: most calls' args.
  if (plainBudget(value, PLAIN_BUDGET) >= 0) return bytes;
  try {
    scanCbor(bytes, WELL_FORMED);
  } catch (error) {
    throw new GlowError('badarg', `value cannot be sent as plain CBOR: ${(error as GlowError).message}`);
  }
  return bytes;
}

/** Most items of a value {@link plainBudget} walks before it leaves the check to the scan. */
const PLAIN_BUDGET = 64;

/**
 * What is left of `budget` after walking `value`, or -1 when it holds anything cbor-x could
 * write with a tag or an indefinite length (or is too big to be worth walking): strings,
 * numbers, booleans, null, undefined, Uint8Array, and plain arrays and objects of those only.
 */
function plainBudget(value: unknown, budget: number): number {
  if (--budget < 0) return -1;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return budget;
    case 'object': {
      if (value === null) return budget;
      if (Array.isArray(value)) {
        for (const item of value) if ((budget = plainBudget(item, budget)) < 0) return -1;
        return budget;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto === Uint8Array.prototype) return budget;
      if (proto !== Object.prototype && proto !== null) return -1;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return -1;
        if ((budget = plainBudget((value as Record<string, unknown>)[key], budget - 1)) < 0) return -1;
      }
      return budget;
    }
    default:
      return -1;
  }
}

/**
 * Decodes untrusted CBOR: checks it against the receive limits first, then decodes.
 * Throws `badpacket` for anything malformed; never anything else.
 */
export function decodeValue(bytes: Uint8Array, limits: ReceiveLimits = DEFAULT_LIMITS): unknown {
  if (bytes.length <= 5) {
    const scalar = decodeScalar(bytes);
    if (scalar !== NOT_SCALAR) return scalar;
  }
  scanCbor(bytes, limits);
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new GlowError('badpacket', `CBOR could not be decoded: ${(error as Error).message}`);
  }
}

// ---- scalars -------------------------------------------------------------------------------
// Most replies are one small integer, a boolean, null or undefined (a method with nothing to
// return). The encoder and decoder cost ~0.1–0.2 µs each to set up for those one to five bytes,
// a measurable part of a call over one hop, so they are written and read here directly: the
// same bytes cbor-x writes (its integer rules: unsigned below 2^32, negative down to -2^31, -0
// as 0), and the same values it reads back. Anything else goes through cbor-x.

const NOT_SCALAR = Symbol('not a scalar');

function encodeScalar(value: unknown): Uint8Array | undefined {
  switch (typeof value) {
    case 'number': {
      let major: number;
      let n: number;
      if (value >>> 0 === value) {
        major = 0;
        n = value >>> 0;
      } else if (value >> 0 === value) {
        major = 1;
        n = -1 - value;
      } else return undefined;
      const out = allocate(headSize(n));
      writeHead(out, 0, major, n);
      return out;
    }
    case 'boolean':
      return simple(value ? 0xf5 : 0xf4);
    case 'undefined':
      return simple(0xf7);
    case 'object':
      return value === null ? simple(0xf6) : undefined;
    default:
      return undefined;
  }
}

function simple(byte: number): Uint8Array {
  const out = allocate(1);
  out[0] = byte;
  return out;
}

/** The value of a one-item integer (up to 32-bit argument) or simple value, or NOT_SCALAR. */
function decodeScalar(bytes: Uint8Array): unknown {
  const head = bytes[0];
  if (head === undefined) return NOT_SCALAR;
  const major = head >> 5;
  if (major > 1) {
    if (bytes.length !== 1) return NOT_SCALAR;
    if (head === 0xf4) return false;
    if (head === 0xf5) return true;
    if (head === 0xf6) return null;
    return head === 0xf7 ? undefined : NOT_SCALAR;
  }
  const extra = argumentBytes(head & 31);
  if (extra < 0 || bytes.length !== 1 + extra) return NOT_SCALAR;
  const n = readArgument(bytes, 0);
  return major === 0 ? n : -1 - n;
}
