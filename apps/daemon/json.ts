/**
 * Values from resources are CBOR's data model; HTTP clients get JSON. The mapping (the same as
 * `describe`'s JSON Schemas say):
 *
 * | CBOR value | JSON |
 * | --- | --- |
 * | byte string (`Uint8Array`) | base64 string (a whole result of bytes: `application/octet-stream` on the gateway) |
 * | `bigint` | a number when it is a safe integer, else its decimal string |
 * | `Map` | an object when every key is a string, else an array of `[key, value]` pairs |
 * | `Set` | an array |
 * | `Date` | an ISO 8601 string |
 * | `undefined` | omitted in objects, `null` in arrays |
 */

/** `JSON.stringify` with the mapping above. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null, function (this: Record<string, unknown>, key, converted: unknown) {
    // `this[key]` is the value before toJSON ran (Buffer.toJSON would give { type, data }).
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
    if (raw instanceof Map) {
      const entries = [...raw.entries()];
      return entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries) : entries;
    }
    if (raw instanceof Set) return [...raw];
    return converted;
  });
}
