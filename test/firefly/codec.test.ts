import { Decoder, Encoder } from 'cbor-x';
import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { scanCbor } from '../../src/firefly/scan.js';
import { decodePacket, encodePacket, PacketRejection } from '../../src/firefly/packet.js';
import { cborArray, hex, Raw, sampleFields, samplePacket, thrown } from './helpers.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encodeValue', () => {
  it('writes plain CBOR: maps as maps, no records, no typed-array tags', () => {
    const map = encodeValue({ a: 1 });
    expect(map[0]! >> 5).toBe(5); // major type 5, a map (cbor-x writes a 16-bit length)
    expect(decodeValue(map)).toEqual({ a: 1 });
    expect(toHex(encodeValue([1, 'b']))).toBe('82016162');
    expect(toHex(encodeValue(new Uint8Array([1, 2, 3])))).toBe('43010203');
    expect(toHex(encodeValue(Buffer.from([1, 2, 3])))).toBe('43010203');
  });

  it('throws badarg for values CBOR cannot carry', () => {
    for (const value of [() => 1, Symbol('s'), { nested: () => 1 }]) {
      expect(thrown(() => encodeValue(value))).toMatchObject({ code: 'badarg' });
    }
  });

  it('throws badarg for a cyclic value instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = thrown(() => encodeValue(cyclic));
    expect(error).toBeInstanceOf(GlowError);
    expect(error).toMatchObject({ code: 'badarg' });
  });

  it('throws badarg for values the decoder would refuse (Error, RegExp, Float64Array, iterators)', () => {
    function* numbers() {
      yield 1;
    }
    for (const value of [new Error('x'), /re/, new Float64Array([1]), { it: numbers() }]) {
      expect(thrown(() => encodeValue(value))).toMatchObject({ code: 'badarg' });
    }
  });
});

describe('decodeValue', () => {
  it('round-trips the values of CBOR’s data model', () => {
    const value = {
      text: 'glow ✨',
      int: -42,
      float: 0.25,
      big: 2n ** 64n - 1n,
      flags: [true, false, null],
      nested: { list: [1, [2, [3]]] },
      when: new Date(1_700_000_000_000),
    };
    expect(decodeValue(encodeValue(value))).toEqual(value);
  });

  it('gives byte strings back as Uint8Array (a Buffer in Node.js)', () => {
    const decoded = decodeValue(encodeValue({ data: new Uint8Array([9, 8, 7]) })) as { data: unknown };
    expect(decoded.data).toBeInstanceOf(Uint8Array);
    expect([...(decoded.data as Uint8Array)]).toEqual([9, 8, 7]);
  });

  it('gives integers beyond 2^53 back as bigint, never as a rounded number', () => {
    expect(decodeValue(encodeValue(2n ** 60n + 1n))).toBe(2n ** 60n + 1n);
    expect(decodeValue(encodeValue(2 ** 53 - 1))).toBe(2 ** 53 - 1);
  });

  it('accepts a Buffer as well as a Uint8Array', () => {
    expect(decodeValue(Buffer.from(encodeValue([1, 2])))).toEqual([1, 2]);
  });

  it('turns what cbor-x itself rejects into badpacket', () => {
    // Well formed for the scanner, refused by cbor-x: a map key that is an array.
    const error = thrown(() => decodeValue(hex('a1 82 01 02 03')));
    expect(error).toBeInstanceOf(GlowError);
    expect(error).toMatchObject({ code: 'badpacket', message: expect.stringContaining('could not be decoded') });
  });

  describe('tag 27 (construct the class named on the wire)', () => {
    const errorX = hex('d8 1b 82 65 4572726f72 61 78'); // 27(["Error", "x"])
    const regexp = hex('d8 1b 83 66 526567457870 65 28612b292b 61 67'); // 27(["RegExp", "(a+)+", "g"])

    it('constructs objects through a raw cbor-x decoder (the threat is real)', () => {
      const raw = new Decoder({ useRecords: false, mapsAsObjects: true });
      expect(raw.decode(errorX)).toBeInstanceOf(Error);
      expect(raw.decode(regexp)).toBeInstanceOf(RegExp);
    });

    it('is refused with badpacket through decodeValue', () => {
      for (const bytes of [errorX, regexp]) {
        const error = thrown(() => decodeValue(bytes));
        expect(error).toBeInstanceOf(GlowError);
        expect(error).toMatchObject({ code: 'badpacket', message: 'CBOR tag 27 is not accepted' });
      }
    });

    it('is refused with badpacket through decodePacket', () => {
      const fields = sampleFields();
      fields[9] = new Raw(errorX);
      const error = thrown(() => decodePacket(cborArray(fields)));
      expect(error).toBeInstanceOf(PacketRejection);
      expect(error).toMatchObject({ code: 'badpacket', message: 'CBOR tag 27 is not accepted' });
    });
  });

  describe('a __proto__ map key', () => {
    // {"__proto__": {"polluted": true}}
    const hostile = hex(`a1 69 ${Buffer.from('__proto__').toString('hex')} a1 68 ${Buffer.from('polluted').toString('hex')} f5`);

    it('sets no prototype and pollutes nothing through decodeValue', () => {
      const decoded = decodeValue(hostile) as Record<string, unknown>;
      expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
      expect(decoded.polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.keys(decoded)).not.toContain('polluted');
    });

    it('pollutes nothing through decodePacket, and the packet is refused', () => {
      const fields = sampleFields();
      fields[9] = new Raw(hostile);
      expect(thrown(() => decodePacket(cborArray(fields)))).toMatchObject({ code: 'badpacket' });
      // A whole packet that is such a map is not an array, whatever its __proto__ claims.
      expect(thrown(() => decodePacket(hostile))).toMatchObject({ code: 'badpacket', message: 'packet is not an array' });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('throws nothing but GlowError on corrupted packets, and keeps decoding good ones', () => {
    const good = encodePacket(samplePacket());
    const expected = decodePacket(good);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 3000; round++) {
      const corrupt = Uint8Array.from(good);
      const flips = 1 + (random() % 4);
      for (let i = 0; i < flips; i++) corrupt[random() % corrupt.length] = random() & 0xff;
      const cut = round % 3 === 0 ? corrupt.subarray(0, random() % corrupt.length) : corrupt;
      try {
        decodeValue(cut);
        decodePacket(cut);
      } catch (error) {
        expect(error).toBeInstanceOf(GlowError);
      }
      if (round % 100 === 0) expect(decodePacket(good)).toEqual(expected);
    }
    expect(decodePacket(good)).toEqual(expected);
  });
});

test('values encoded without the scan (small, plain) are plain CBOR all the same', () => {
  const wellFormed = { maxPacketBytes: Infinity, maxDepth: Infinity, maxStringBytes: Infinity };
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const leaf = (): unknown => [() => 'text ✓', () => next() * 1e6, () => -next(), () => 2 ** 53 - 1, () => true, () => null, () => undefined, () => new Uint8Array([1, 2, 3]), () => NaN][Math.floor(next() * 9)]!();
  const value = (depth: number): unknown => {
    if (depth > 3 || next() < 0.4) return leaf();
    if (next() < 0.5) return Array.from({ length: Math.floor(next() * 30) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 30) }, (_, i) => [`k${i}`, value(depth + 1)]));
  };
  for (let n = 0; n < 2000; n++) {
    const bytes = encodeValue(value(0));
    expect(() => scanCbor(bytes, wellFormed)).not.toThrow();
  }
  // Anything else still goes through the scan, and what cbor-x would tag is refused.
  expect(() => encodeValue({ small: new Float32Array([1]) })).toThrow(expect.objectContaining({ code: 'badarg' }));
  expect(() => encodeValue([new Error('no')])).toThrow(expect.objectContaining({ code: 'badarg' }));
});

test('scalars written and read without cbor-x are exactly what cbor-x writes and reads', () => {
  const general = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
  const reader = new Decoder({ useRecords: false, mapsAsObjects: true });
  const edges = [0, -0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -24, -25, -256, -257, -65536, -65537, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), 2 ** 53, 0.5, NaN, Infinity, true, false, null, undefined];
  let state = 11;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const randoms = Array.from({ length: 2000 }, () => Math.round((next() - 0.3) * 2 ** Math.floor(next() * 34)));
  for (const value of [...edges, ...randoms]) expect(toHex(encodeValue(value))).toBe(toHex(general.encode(value)));
  // Every one- to five-byte item with an integer or simple-value head reads as cbor-x reads it
  // after the scan, or is refused the same way.
  const outcome = (read: () => unknown) => {
    try {
      return { value: read() };
    } catch (error) {
      return { code: (error as GlowError).code };
    }
  };
  for (let head = 0; head < 256; head++) {
    for (let length = 1; length <= 5; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i === 0 ? head : Math.floor(next() * 256)));
      const expected = outcome(() => {
        scanCbor(bytes, { maxPacketBytes: Infinity, maxDepth: 64, maxStringBytes: Infinity });
        return reader.decode(bytes);
      });
      const got = outcome(() => decodeValue(bytes));
      if ('code' in expected) expect(got).toEqual({ code: 'badpacket' });
      else expect(got).toEqual(expected);
    }
  }
});
