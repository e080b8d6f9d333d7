/**
 * The header fast path (src/firefly/packetCodec.ts) against the general CBOR path it stands in
 * for: the same bytes out, the same packets back (through the decode cache too), and a refusal
 * (undefined) for anything outside its shape, so that the general path answers — with the same
 * values or the same errors.
 */
import { encodeValue } from '../../src/firefly/codec.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { decodePacket, decodePacketGeneral } from '../../src/firefly/packet.js';
import { readPacket, writePacketFields } from '../../src/firefly/packetCodec.js';

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

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

type Fields = [number, number, string, string, string, string, number, number, string, Uint8Array];

/** Header fields, mostly those of a valid packet, now and then something only the general path reads or refuses. */
function randomFields(next: () => number): Fields {
  const odd = () => next() < 0.08;
  const uint = () => [0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffff][Math.floor(next() * 9)]!;
  const text = (min: number, max: number) => {
    const chars = Array.from({ length: min + Math.floor(next() * (max - min)) }, () => ID_ALPHABET[Math.floor(next() * ID_ALPHABET.length)]);
    // A dot or a space: still ASCII, no longer an id segment.
    if (chars.length > 0 && odd()) chars[Math.floor(next() * chars.length)] = next() < 0.5 ? '.' : ' ';
    return chars.join('');
  };
  const body = new Uint8Array(Math.floor(next() * (next() < 0.1 ? 70_000 : 300)));
  for (let i = 0; i < body.length; i++) body[i] = Math.floor(next() * 256);
  return [
    odd() ? uint() : 1,
    odd() ? uint() : 1 + Math.floor(next() * 12),
    text(odd() ? 0 : 1, 70),
    text(odd() ? 0 : 1, 30),
    text(1, 70),
    text(1, 30),
    odd() ? uint() : Math.floor(next() * 256),
    Math.floor(next() * 2 ** 32),
    text(0, 40),
    body,
  ];
}

/** What decoding gives: the packet, or the refusal's code and message. */
function outcome(decode: () => unknown): unknown {
  try {
    return decode();
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { refused: code, message };
  }
}

test('writes exactly the bytes the general encoder writes, and decodes what the general decoder decodes, cache or not', () => {
  const next = random(20261126);
  const packets: Uint8Array[] = [];
  let fast = 0;
  for (let n = 0; n < 5000; n++) {
    const fields = randomFields(next);
    const written = writePacketFields(...fields)!;
    const general = encodeValue(fields);
    expect(written).toBeDefined();
    expect(Buffer.from(written).equals(Buffer.from(general))).toBe(true);
    if (readPacket(general, DEFAULT_LIMITS)) fast++;
    expect(outcome(() => decodePacket(general))).toEqual(outcome(() => decodePacketGeneral(general)));
    packets.push(general);
  }
  // Most packets take the fast path; the texts of 5 000 packets overflow the decode cache's
  // 1 024 slots, so this second pass reads through hits, evictions and collisions.
  expect(fast).toBeGreaterThan(2500);
  for (const bytes of packets.reverse()) expect(outcome(() => decodePacket(bytes))).toEqual(outcome(() => decodePacketGeneral(bytes)));
});

test('never hands a cached text that is not an id segment back as an id', () => {
  const body = new Uint8Array([1]);
  // 'x.y' is a valid method and is cached as such; as a source id it must still be refused.
  const asMethod = encodeValue([1, 1, 'node', 'local', 'other', 'x', 32, 7, 'x.y', body]);
  expect(decodePacket(asMethod).method).toBe('x.y');
  const asId = encodeValue([1, 1, 'node', 'x.y', 'other', 'x', 32, 7, 'm', body]);
  expect(readPacket(asId, DEFAULT_LIMITS)).toBeUndefined();
  expect(() => decodePacket(asId)).toThrow(expect.objectContaining({ code: 'badpacket', message: 'malformed source address' }));
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
    expect(readPacket(encodeValue(fields), DEFAULT_LIMITS)).toBeUndefined();
  }
  const good = encodeValue(base);
  expect(readPacket(good, DEFAULT_LIMITS)).toEqual(decodePacketGeneral(good));
  expect(readPacket(good.subarray(0, good.length - 1), DEFAULT_LIMITS)).toBeUndefined(); // truncated
  expect(readPacket(new Uint8Array([...good, 0]), DEFAULT_LIMITS)).toBeUndefined(); // trailing byte
  expect(readPacket(encodeValue([...base, 'extra']), DEFAULT_LIMITS)).toBeUndefined(); // eleven items
  expect(readPacket(encodeValue([...base.slice(0, 2), 'x'.repeat(65), ...base.slice(3)]), DEFAULT_LIMITS)).toBeUndefined(); // id too long
  expect(readPacket(good, { ...DEFAULT_LIMITS, maxStringBytes: 3 })).toBeUndefined(); // a limit the scan enforces
  expect(readPacket(good, { ...DEFAULT_LIMITS, maxPacketBytes: good.length - 1 })).toBeUndefined();
});

test('gives every packet bytes of its own, even when they share a pool', () => {
  const a = writePacketFields(1, 1, 'a', 'b', 'c', 'd', 1, 1, 'm', new Uint8Array([1]))!;
  const copy = Uint8Array.from(a);
  const b = writePacketFields(1, 1, 'a', 'b', 'c', 'd', 1, 2, 'm', new Uint8Array([9]))!;
  b.fill(0xff);
  expect(Buffer.from(a).equals(Buffer.from(copy))).toBe(true);
});

test('a cached id is a copy: reusing the buffer it was read from cannot change what later bytes decode to', () => {
  const body = new Uint8Array([1]);
  const original = 'A'.repeat(43);
  // Same length, same first and last bytes: it lands in the same cache slot as the original.
  const changed = 'A'.repeat(20) + 'B' + 'A'.repeat(22);
  const buffer = Buffer.from(encodeValue([1, 1, original, 'l', 'other', 'x', 32, 7, 'm', body]));
  expect(decodePacket(buffer).src.node).toBe(original);
  // The caller reuses its buffer for another packet, whose source differs in one byte.
  buffer.set(Buffer.from(changed), buffer.indexOf(original));
  expect(decodePacket(buffer).src.node).toBe(changed);
  expect(decodePacket(encodeValue([1, 1, original, 'l', 'other', 'x', 32, 7, 'm', body])).src.node).toBe(original);
});
