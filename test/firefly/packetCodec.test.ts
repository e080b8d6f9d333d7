/**
 * The header fast path (src/firefly/packetCodec.ts) against the general CBOR path it stands in
 * for: the same bytes out, the same fields back, and a refusal (undefined) for anything outside
 * its shape, so that the general path answers — with the same values or the same errors.
 */
import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { readPacketFields, writePacketFields } from '../../src/firefly/packetCodec.js';

/** A deterministic pseudo-random source (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

type Fields = [number, number, string, string, string, string, number, number, string, Uint8Array];

function randomFields(next: () => number): Fields {
  const uint = () => [0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffff][Math.floor(next() * 9)]!;
  const text = (max: number) => Array.from({ length: Math.floor(next() * max) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('');
  const body = new Uint8Array(Math.floor(next() * (next() < 0.1 ? 70_000 : 300)));
  for (let i = 0; i < body.length; i++) body[i] = Math.floor(next() * 256);
  return [uint(), uint(), text(60), text(30), text(60), text(30), uint(), Math.floor(next() * 2 ** 32), text(40), body];
}

test('writes exactly the bytes the general encoder writes, and reads back what the general decoder reads', () => {
  const next = random(20261126);
  for (let n = 0; n < 5000; n++) {
    const fields = randomFields(next);
    const fast = writePacketFields(...fields)!;
    const general = encodeValue(fields);
    expect(fast).toBeDefined();
    expect(Buffer.from(fast).equals(Buffer.from(general))).toBe(true);
    const read = readPacketFields(general, DEFAULT_LIMITS)!;
    expect(read).toEqual(decodeValue(general, DEFAULT_LIMITS));
    expect(read.slice(0, 9)).toEqual(fields.slice(0, 9));
    expect(Buffer.from(read[9] as Uint8Array).equals(Buffer.from(fields[9]))).toBe(true);
  }
});

test('leaves anything outside its shape to the general path', () => {
  const base: Fields = [1, 1, 'node', 'local', 'other', 'x', 32, 7, 'ping', new Uint8Array([1, 2, 3])];
  const variants: unknown[][] = [
    [...base.slice(0, 2), 'nœud', ...base.slice(3)], // non-ASCII text
    [...base.slice(0, 6), -1, ...base.slice(7)], // negative integer
    [...base.slice(0, 7), 2 ** 40, ...base.slice(8)], // beyond 32 bits
    [...base.slice(0, 8), 'm'.repeat(300), base[9]], // longer text than the fast path reads
    [...base.slice(0, 9), 'not bytes'],
  ];
  for (const fields of variants) {
    expect(writePacketFields(...(fields as Fields))).toBeUndefined();
    expect(readPacketFields(encodeValue(fields), DEFAULT_LIMITS)).toBeUndefined();
  }
  const good = encodeValue(base);
  expect(readPacketFields(good.subarray(0, good.length - 1), DEFAULT_LIMITS)).toBeUndefined(); // truncated
  expect(readPacketFields(new Uint8Array([...good, 0]), DEFAULT_LIMITS)).toBeUndefined(); // trailing byte
  expect(readPacketFields(encodeValue([...base, 'extra']), DEFAULT_LIMITS)).toBeUndefined(); // eleven items
  expect(readPacketFields(good, { ...DEFAULT_LIMITS, maxStringBytes: 3 })).toBeUndefined(); // a limit the scan enforces
  expect(readPacketFields(good, { ...DEFAULT_LIMITS, maxPacketBytes: good.length - 1 })).toBeUndefined();
});

test('gives every packet bytes of its own, even when they share a pool', () => {
  const a = writePacketFields(1, 1, 'a', 'b', 'c', 'd', 1, 1, 'm', new Uint8Array([1]))!;
  const copy = Uint8Array.from(a);
  const b = writePacketFields(1, 1, 'a', 'b', 'c', 'd', 1, 2, 'm', new Uint8Array([9]))!;
  b.fill(0xff);
  expect(Buffer.from(a).equals(Buffer.from(copy))).toBe(true);
});
