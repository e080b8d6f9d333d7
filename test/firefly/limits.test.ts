import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from '../../src/firefly/limits.js';
import { decodePacket, encodePacket, PacketRejection } from '../../src/firefly/packet.js';
import { cborArray, concat, Raw, sampleFields, samplePacket, thrown } from './helpers.js';

const MiB = 1024 * 1024;

function limits(overrides: Partial<ReceiveLimits>): ReceiveLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** `levels` arrays, each holding the next, around a final 0. */
function nestedArrays(levels: number): Uint8Array {
  return concat(new Uint8Array(levels).fill(0x81), new Uint8Array([0x00]));
}

/** A packet whose method field is replaced by raw CBOR. */
function packetWithMethod(raw: Uint8Array): Uint8Array {
  const fields = sampleFields();
  fields[8] = new Raw(raw);
  return cborArray(fields);
}

function expectBadPacket(error: unknown, limit: keyof ReceiveLimits): void {
  expect(error).toBeInstanceOf(GlowError);
  expect(error).toMatchObject({ code: 'badpacket', details: { limit } });
}

describe('DEFAULT_LIMITS', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxPacketBytes: 4 * MiB, maxDepth: 64, maxStringBytes: MiB });
  });

  it('is frozen, so no caller can loosen the limits for everyone', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });
});

describe('maxPacketBytes', () => {
  const oversized = encodeValue(new Uint8Array(DEFAULT_LIMITS.maxPacketBytes)); // 4 MiB of content plus a header

  it('rejects a value bigger than maxPacketBytes in decodeValue', () => {
    const error = thrown(() => decodeValue(oversized));
    expectBadPacket(error, 'maxPacketBytes');
    expect((error as GlowError).details).toEqual({
      limit: 'maxPacketBytes',
      max: DEFAULT_LIMITS.maxPacketBytes,
      actual: oversized.length,
    });
  });

  it('rejects a packet bigger than maxPacketBytes in decodePacket', () => {
    const bytes = encodePacket(samplePacket({ body: new Uint8Array(DEFAULT_LIMITS.maxPacketBytes) }));
    const error = thrown(() => decodePacket(bytes));
    expect(error).toBeInstanceOf(PacketRejection);
    expectBadPacket(error, 'maxPacketBytes');
  });

  it('accepts a value of exactly maxPacketBytes', () => {
    const bytes = encodeValue('x'.repeat(100));
    expect(decodeValue(bytes, limits({ maxPacketBytes: bytes.length }))).toBe('x'.repeat(100));
  });

  it('honours a smaller custom limit in decodeValue and decodePacket', () => {
    const value = encodeValue(new Uint8Array(200));
    const packet = encodePacket(samplePacket({ body: new Uint8Array(200) }));
    expect(decodeValue(value)).toHaveLength(200);
    expect(decodePacket(packet).body).toHaveLength(200);

    const small = limits({ maxPacketBytes: 128 });
    expectBadPacket(thrown(() => decodeValue(value, small)), 'maxPacketBytes');
    expectBadPacket(thrown(() => decodePacket(packet, small)), 'maxPacketBytes');
  });
});

describe('maxDepth', () => {
  it('rejects 100000 nested arrays in decodeValue with badpacket, not a stack overflow', () => {
    const error = thrown(() => decodeValue(nestedArrays(100_000)));
    expect(error).not.toBeInstanceOf(RangeError);
    expectBadPacket(error, 'maxDepth');
  });

  it('rejects 100000 nested arrays in decodePacket with badpacket, not a stack overflow', () => {
    const error = thrown(() => decodePacket(packetWithMethod(nestedArrays(100_000))));
    expect(error).toBeInstanceOf(PacketRejection);
    expectBadPacket(error, 'maxDepth');
  });

  it('accepts exactly maxDepth levels and rejects one more', () => {
    let value = decodeValue(nestedArrays(DEFAULT_LIMITS.maxDepth));
    let depth = 0;
    while (Array.isArray(value)) {
      value = value[0];
      depth++;
    }
    expect(depth).toBe(DEFAULT_LIMITS.maxDepth);
    expectBadPacket(thrown(() => decodeValue(nestedArrays(DEFAULT_LIMITS.maxDepth + 1))), 'maxDepth');
  });

  it('counts maps and tags as levels too', () => {
    const nestedMaps = concat(new Uint8Array(65 * 2).map((_, i) => (i % 2 === 0 ? 0xa1 : 0x00)), new Uint8Array([0x00]));
    expectBadPacket(thrown(() => decodeValue(nestedMaps)), 'maxDepth');

    const tag258 = new Uint8Array([0xd9, 0x01, 0x02]); // a set
    expect(decodeValue(concat(tag258, nestedArrays(63)))).toBeInstanceOf(Set);
    expectBadPacket(thrown(() => decodeValue(concat(tag258, nestedArrays(64)))), 'maxDepth');
  });

  it('honours a smaller custom limit in decodeValue and decodePacket', () => {
    const five = nestedArrays(5);
    expect(decodeValue(five)).toEqual([[[[[0]]]]]);
    // The packet itself is one level, so five nested arrays in a field make six.
    expect(thrown(() => decodePacket(packetWithMethod(five)))).toMatchObject({ code: 'badpacket', message: 'malformed method' });

    const shallow = limits({ maxDepth: 4 });
    expectBadPacket(thrown(() => decodeValue(five, shallow)), 'maxDepth');
    expectBadPacket(thrown(() => decodePacket(packetWithMethod(five), shallow)), 'maxDepth');
    expect(decodePacket(encodePacket(samplePacket()), limits({ maxDepth: 1 })).method).toBe('read');
  });
});

describe('maxStringBytes', () => {
  const tooLong = 'a'.repeat(DEFAULT_LIMITS.maxStringBytes + 1);

  it('rejects a text string longer than maxStringBytes in decodeValue', () => {
    const error = thrown(() => decodeValue(encodeValue(tooLong)));
    expectBadPacket(error, 'maxStringBytes');
    expect((error as GlowError).details).toEqual({
      limit: 'maxStringBytes',
      max: DEFAULT_LIMITS.maxStringBytes,
      actual: DEFAULT_LIMITS.maxStringBytes + 1,
    });
  });

  it('rejects a text string longer than maxStringBytes in decodePacket', () => {
    const error = thrown(() => decodePacket(packetWithMethod(encodeValue(tooLong))));
    expect(error).toBeInstanceOf(PacketRejection);
    // The receive limit fires, before the (much smaller) check on the method field's length.
    expectBadPacket(error, 'maxStringBytes');
  });

  it('accepts a text string of exactly maxStringBytes', () => {
    const exact = 'a'.repeat(DEFAULT_LIMITS.maxStringBytes);
    expect(decodeValue(encodeValue(exact))).toBe(exact);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const tight = limits({ maxStringBytes: 10 });
    expect(decodeValue(encodeValue('ééééé'), tight)).toBe('ééééé'); // 5 characters, 10 bytes
    expectBadPacket(thrown(() => decodeValue(encodeValue('éééééé'), tight)), 'maxStringBytes'); // 6 characters, 12 bytes
  });

  it('applies to map keys as well as values', () => {
    const key = 'k'.repeat(17);
    expectBadPacket(thrown(() => decodeValue(encodeValue({ [key]: 1 }), limits({ maxStringBytes: 16 }))), 'maxStringBytes');
  });

  it('leaves byte strings to maxPacketBytes (bulk data travels as bytes)', () => {
    expect(decodeValue(encodeValue(new Uint8Array(1000)), limits({ maxStringBytes: 8 }))).toHaveLength(1000);
  });

  it('honours a smaller custom limit in decodeValue and decodePacket', () => {
    const method = 'm'.repeat(17);
    const packet = encodePacket(samplePacket({ method }));
    expect(decodeValue(encodeValue(method))).toBe(method);
    expect(decodePacket(packet).method).toBe(method);

    const tight = limits({ maxStringBytes: 16 });
    expectBadPacket(thrown(() => decodeValue(encodeValue(method), tight)), 'maxStringBytes');
    expectBadPacket(thrown(() => decodePacket(packet, tight)), 'maxStringBytes');
  });
});
