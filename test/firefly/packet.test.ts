import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import {
  decodePacket,
  DEFAULT_HOP_LIMIT,
  encodePacket,
  PacketKind,
  PacketRejection,
  PROTOCOL_VERSION,
  SEALED,
} from '../../src/firefly/packet.js';
import { cborArray, hex, sampleFields, samplePacket, thrown } from './helpers.js';

const SRC = { node: 'laptop', local: 'caller-1' };

/** The sample packet's fields with some replaced, encoded as they would arrive. */
function withFields(changes: Record<number, unknown>): Uint8Array {
  const fields = sampleFields();
  for (const [index, value] of Object.entries(changes)) fields[Number(index)] = value;
  return cborArray(fields);
}

function rejection(bytes: Uint8Array): PacketRejection {
  const error = thrown(() => decodePacket(bytes));
  expect(error).toBeInstanceOf(PacketRejection);
  expect(error).toBeInstanceOf(GlowError);
  return error as PacketRejection;
}

describe('PacketKind', () => {
  it('keeps its wire numbers', () => {
    expect(PacketKind).toEqual({
      call: 1,
      reply: 2,
      error: 3,
      cast: 4,
      stream: 5,
      item: 6,
      end: 7,
      credit: 8,
      cancel: 9,
      signal: 10,
      route: 11,
      rtc: 12,
      session: 13,
    });
    expect(Object.isFrozen(PacketKind)).toBe(true);
  });
});

describe('encodePacket and decodePacket', () => {
  it.each(Object.entries(PacketKind))('round-trip a %s packet', (name, kind) => {
    const packet = samplePacket({ kind, method: name === 'signal' ? 'down' : name, corr: kind * 1000 });
    const decoded = decodePacket(encodePacket(packet));
    expect(decoded).toEqual({ ...packet, body: expect.any(Uint8Array) });
    expect([...decoded.body]).toEqual([...packet.body]);
  });

  it('round-trip the extremes of every numeric field', () => {
    const packet = samplePacket({ hop: 255, corr: Number.MAX_SAFE_INTEGER, method: '', body: new Uint8Array(0) });
    expect(decodePacket(encodePacket(packet))).toMatchObject({ hop: 255, corr: Number.MAX_SAFE_INTEGER, method: '' });
    expect(decodePacket(encodePacket(samplePacket({ hop: 0, corr: 0 })))).toMatchObject({ hop: 0, corr: 0 });
  });

  it('write the header as a plain ten-item CBOR array with the body as a byte string', () => {
    const packet = samplePacket();
    const fields = decodeValue(encodePacket(packet)) as unknown[];
    expect(fields).toHaveLength(10);
    expect(fields.slice(0, 9)).toEqual([PROTOCOL_VERSION, PacketKind.call, 'laptop', 'caller-1', 'nas', 'fs', 32, 7, 'read']);
    expect(fields[9]).toBeInstanceOf(Uint8Array);
  });

  it('use version 1 and a hop limit of 32 for new packets', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(DEFAULT_HOP_LIMIT).toBe(32);
  });
});

describe('decodePacket keeps the body as bytes (relays never decode bodies)', () => {
  it('reads the header of a packet whose body is not valid CBOR', () => {
    const garbage = hex('ff 1c 9f 5b ffffffff'); // a break, a reserved value, an indefinite array, a huge length
    expect(thrown(() => decodeValue(garbage))).toMatchObject({ code: 'badpacket' });
    const decoded = decodePacket(encodePacket(samplePacket({ body: garbage })));
    expect(decoded.src).toEqual(SRC);
    expect([...decoded.body]).toEqual([...garbage]);
  });

  it('reads the header of a packet whose body would break the receive limits if it were decoded', () => {
    const deep = new Uint8Array(10_000).fill(0x81);
    expect(decodePacket(encodePacket(samplePacket({ body: deep }))).body).toHaveLength(10_000);
  });

  it('leaves the body for the receiver to decode', () => {
    const decoded = decodePacket(encodePacket(samplePacket()));
    expect(decodeValue(decoded.body)).toEqual({ path: '/etc/hosts' });
  });
});

describe('decodePacket rejects what it does not speak with unsupported', () => {
  it('answers an unknown version with unsupported, still carrying src and corr', () => {
    for (const version of [2, 0, 1000]) {
      const error = rejection(withFields({ 0: version }));
      expect(error.code).toBe('unsupported');
      expect(error.message).toBe(`unsupported protocol version ${version}`);
      expect(error.src).toEqual(SRC);
      expect(error.corr).toBe(7);
    }
  });

  it('answers an unknown version even when the rest of the packet has another shape', () => {
    const error = rejection(cborArray([2, 'a future header', SRC.node, SRC.local, 'x', 'y', 1, 99]));
    expect(error).toMatchObject({ code: 'unsupported', src: SRC, corr: 99 });
  });

  it('answers an unknown kind with unsupported, still carrying src and corr', () => {
    // 0x40 | route and 0x40 | session: the routers' own traffic is never sealed end to end.
    for (const kind of [0, 14, 99, 0x40, 0x40 | 11, 0x40 | 13, 255]) {
      const error = rejection(withFields({ 1: kind }));
      expect(error).toMatchObject({ code: 'unsupported', message: `unknown packet kind ${kind}`, src: SRC, corr: 7 });
    }
  });

  it('accepts the sealed form of every traffic kind and of no other', () => {
    for (const kind of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]) {
      expect(decodePacket(withFields({ 1: kind | SEALED })).kind).toBe(kind | SEALED);
    }
  });

  it('leaves src and corr out when they were not readable', () => {
    const error = rejection(withFields({ 0: 2, 2: 'bad/node', 7: -1 }));
    expect(error.code).toBe('unsupported');
    expect(error.src).toBeUndefined();
    expect(error.corr).toBeUndefined();
  });
});

describe('decodePacket rejects malformed packets with badpacket', () => {
  const malformed: [string, Uint8Array, string][] = [
    ['a map', encodeValue({ version: 1 }), 'packet is not an array'],
    ['a number', encodeValue(1), 'packet is not an array'],
    ['a byte string', encodeValue(new Uint8Array(10)), 'packet is not an array'],
    ['an empty array', cborArray([]), 'malformed protocol version'],
    ['a version that is a bigint', withFields({ 0: 2n ** 64n - 1n }), 'malformed protocol version'],
    ['a version that is text', withFields({ 0: 'v'.repeat(1000) }), 'malformed protocol version'],
    ['a version of 1.5', withFields({ 0: 1.5 }), 'malformed protocol version'],
    ['nine fields', cborArray(sampleFields().slice(0, 9)), 'packet has 9 fields, expected 10'],
    ['eleven fields', cborArray([...sampleFields(), 'extra']), 'packet has 11 fields, expected 10'],
    ['a kind that is text', withFields({ 1: 'call' }), 'packet kind is not a small integer'],
    ['a kind of 256', withFields({ 1: 256 }), 'packet kind is not a small integer'],
    ['a kind of -1', withFields({ 1: -1 }), 'packet kind is not a small integer'],
    ['a source node with a slash', withFields({ 2: 'a/b' }), 'malformed source address'],
    ['a source node of ..', withFields({ 2: '..' }), 'malformed source address'],
    ['an empty source local id', withFields({ 3: '' }), 'malformed source address'],
    ['a source local id of 65 characters', withFields({ 3: 'x'.repeat(65) }), 'malformed source address'],
    ['a source node that is a number', withFields({ 2: 5 }), 'malformed source address'],
    ['a destination node with a dot', withFields({ 4: 'nas.local' }), 'malformed destination address'],
    ['a destination local id with a space', withFields({ 5: 'f s' }), 'malformed destination address'],
    ['a hop limit of 300', withFields({ 6: 300 }), 'malformed hop limit'],
    ['a hop limit of -1', withFields({ 6: -1 }), 'malformed hop limit'],
    ['a hop limit of 1.5', withFields({ 6: 1.5 }), 'malformed hop limit'],
    ['a negative corr', withFields({ 7: -1 }), 'malformed correlation id'],
    ['a fractional corr', withFields({ 7: 1.5 }), 'malformed correlation id'],
    ['a corr beyond 2^53', withFields({ 7: 2n ** 60n }), 'malformed correlation id'],
    ['a corr that is text', withFields({ 7: '7' }), 'malformed correlation id'],
    ['a method that is not text', withFields({ 8: 1 }), 'malformed method'],
    ['a method of 257 characters', withFields({ 8: 'm'.repeat(257) }), 'malformed method'],
    ['a body that is text', withFields({ 9: 'not bytes' }), 'body is not a byte string'],
    ['a body that is an array of numbers', withFields({ 9: [1, 2, 3] }), 'body is not a byte string'],
    ['a body that is missing', withFields({ 9: null }), 'body is not a byte string'],
  ];

  it.each(malformed)('rejects %s', (_name, bytes, message) => {
    expect(rejection(bytes)).toMatchObject({ code: 'badpacket', message });
  });

  it('still carries src and corr for a malformed field after them', () => {
    expect(rejection(withFields({ 6: 300 }))).toMatchObject({ code: 'badpacket', src: SRC, corr: 7 });
  });

  it('carries no src when the CBOR itself was bad', () => {
    const bytes = encodePacket(samplePacket());
    const error = rejection(bytes.subarray(0, bytes.length - 1));
    expect(error).toMatchObject({ code: 'badpacket', src: undefined, corr: undefined });
  });
});
