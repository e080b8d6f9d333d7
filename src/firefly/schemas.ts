import * as v from 'valibot';

const U64_MAX = 2n ** 64n - 1n;

/**
 * An unsigned 64-bit integer. CBOR peers send integers above 2^53 as `bigint` and smaller ones as
 * `number`, so this accepts both and keeps whichever arrived.
 */
export const u64 = v.union([
  v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  v.pipe(v.bigint(), v.minValue(0n), v.maxValue(U64_MAX)),
]);

// Typed as plain `Uint8Array` (any backing buffer): inferred, it would be `Uint8Array<ArrayBuffer>`,
// which rejects the `Uint8Array`s that encodeValue, packet bodies and decoded Buffers are typed as.
/** A byte string: CBOR byte strings arrive as `Uint8Array` (a `Buffer` in Node.js). */
export const bytes: v.InstanceSchema<new (...args: any[]) => Uint8Array, undefined> = v.instance(Uint8Array);
