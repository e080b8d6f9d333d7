import { Decoder, Encoder } from 'cbor-x';
import { GlowError } from './errors.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from './limits.js';
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
  scanCbor(bytes, limits);
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new GlowError('badpacket', `CBOR could not be decoded: ${(error as Error).message}`);
  }
}
