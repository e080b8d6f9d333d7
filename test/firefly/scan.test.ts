import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { decodePacket, encodePacket, PacketRejection } from '../../src/firefly/packet.js';
import { scanCbor } from '../../src/firefly/scan.js';
import { cborArray, concat, hex, Raw, sampleFields, samplePacket, thrown } from './helpers.js';

const packet = encodePacket(samplePacket());

/** The sample packet with one header field replaced by raw CBOR. */
function packetWithField(index: number, raw: Uint8Array): Uint8Array {
  const fields = sampleFields();
  fields[index] = new Raw(raw);
  return cborArray(fields);
}

function expectBadPacket(run: () => unknown, message: RegExp): GlowError {
  const error = thrown(run);
  expect(error).toBeInstanceOf(GlowError);
  expect(error).toMatchObject({ code: 'badpacket', message: expect.stringMatching(message) });
  return error as GlowError;
}

/**
 * Each hostile input three ways: the scanner alone, decodeValue, and decodePacket with the
 * input where a packet (or one of its fields) belongs.
 */
const hostile: { name: string; value: Uint8Array; packet: Uint8Array; message: RegExp }[] = [
  {
    name: 'an array that declares 2^32-1 items in 5 bytes',
    value: hex('9a ffffffff'),
    packet: concat(hex('9a ffffffff'), packet.subarray(1)),
    message: /more items than bytes remain/,
  },
  {
    name: 'an array that declares 2^32 items',
    value: hex('9b 00000001 00000000'),
    packet: packetWithField(9, hex('9b 00000001 00000000')),
    message: /more items than bytes remain/,
  },
  {
    name: 'a map that declares 2^31 pairs',
    value: hex('ba 80000000 0000'),
    packet: packetWithField(9, hex('ba 80000000 0000')),
    message: /more items than bytes remain/,
  },
  {
    name: 'a container whose length does not fit in 53 bits',
    value: hex('9b ffffffff ffffffff'),
    packet: packetWithField(9, hex('9b ffffffff ffffffff')),
    message: /more items than bytes remain/,
  },
  {
    name: 'a byte string that declares 2^64-1 bytes',
    value: hex('5b ffffffff ffffffff 00'),
    packet: packetWithField(9, hex('5b ffffffff ffffffff 00')),
    message: /truncated/,
  },
  {
    name: 'a text string that declares 4 GiB',
    value: hex('7a ffffffff 616263'),
    packet: packetWithField(8, hex('7a ffffffff 616263')),
    message: /truncated/,
  },
  {
    name: 'an empty input',
    value: new Uint8Array(0),
    packet: new Uint8Array(0),
    message: /truncated/,
  },
  {
    name: 'an array whose last item is cut off',
    value: hex('83 01 02 61'),
    packet: packet.subarray(0, packet.length - 3),
    message: /truncated/,
  },
  {
    name: 'an integer whose argument is cut off',
    value: hex('1a 0001'),
    packet: concat(hex('8a'), cborArray(sampleFields().slice(0, 7)).subarray(1), hex('1a 0001')),
    message: /truncated/,
  },
  {
    name: 'trailing bytes after the item',
    value: hex('01 02'),
    packet: concat(packet, hex('00')),
    message: /trailing bytes/,
  },
  {
    name: 'a second whole item after the first',
    value: concat(encodeValue({ a: 1 }), encodeValue({ b: 2 })),
    packet: concat(packet, packet),
    message: /trailing bytes/,
  },
  {
    name: 'an indefinite-length array',
    value: hex('9f 01 02 ff'),
    packet: concat(hex('9f'), packet.subarray(1), hex('ff')),
    message: /indefinite-length/,
  },
  {
    name: 'an indefinite-length map',
    value: hex('bf 61 61 01 ff'),
    packet: packetWithField(9, hex('bf 61 61 01 ff')),
    message: /indefinite-length/,
  },
  {
    name: 'an indefinite-length byte string',
    value: hex('5f 41 00 ff'),
    packet: packetWithField(9, hex('5f 41 00 ff')),
    message: /indefinite-length/,
  },
  {
    name: 'an indefinite-length text string',
    value: hex('7f 61 61 ff'),
    packet: packetWithField(8, hex('7f 61 61 ff')),
    message: /indefinite-length/,
  },
  {
    name: 'a lone break byte',
    value: hex('ff'),
    packet: packetWithField(8, hex('ff')),
    message: /unexpected CBOR break/,
  },
  {
    name: 'an integer with reserved additional info 28',
    value: hex('1c'),
    packet: packetWithField(7, hex('1c')),
    message: /reserved CBOR additional info 28/,
  },
  {
    name: 'a simple value with reserved additional info 30',
    value: hex('fe'),
    packet: packetWithField(7, hex('fe')),
    message: /reserved CBOR additional info 30/,
  },
  {
    name: 'tag 27 ("construct the global named on the wire") around ["Error", "x"]',
    value: hex('d8 1b 82 65 4572726f72 61 78'),
    packet: packetWithField(9, hex('d8 1b 82 65 4572726f72 61 78')),
    message: /tag 27 is not accepted/,
  },
  {
    name: 'tag 28 (cbor-x shared reference)',
    value: hex('d8 1c 80'),
    packet: packetWithField(9, hex('d8 1c 80')),
    message: /tag 28 is not accepted/,
  },
  {
    name: 'tag 64 (typed array)',
    value: hex('d8 40 43 010203'),
    packet: packetWithField(9, hex('d8 40 43 010203')),
    message: /tag 64 is not accepted/,
  },
  {
    name: 'tag 105 (cbor-x record definition)',
    value: hex('d8 69 80'),
    packet: packetWithField(9, hex('d8 69 80')),
    message: /tag 105 is not accepted/,
  },
  {
    name: 'a tag whose number does not fit in 53 bits',
    value: hex('db ffffffff ffffffff 00'),
    packet: packetWithField(9, hex('db ffffffff ffffffff 00')),
    message: /is not accepted/,
  },
];

describe('scanCbor', () => {
  describe.each(hostile)('rejects $name', ({ value, packet: hostilePacket, message }) => {
    it('in the scanner', () => {
      expectBadPacket(() => scanCbor(value, DEFAULT_LIMITS), message);
    });

    it('through decodeValue', () => {
      expectBadPacket(() => decodeValue(value), message);
    });

    it('through decodePacket', () => {
      expect(expectBadPacket(() => decodePacket(hostilePacket), message)).toBeInstanceOf(PacketRejection);
    });
  });

  it('accepts everything the encoder writes', () => {
    const values: unknown[] = [
      0, 23, 24, 255, 256, 65535, 65536, 2 ** 32, -1, -25, -(2 ** 40), 2n ** 63n, -(2n ** 63n), 2n ** 64n, -(2n ** 70n),
      0.5, 1e300, NaN, -Infinity, true, false, null, undefined, '', 'glow ✨', new Uint8Array([0, 1, 2]),
      [], [1, [2, [3]]], {}, { a: { b: ['c'] } }, new Date(0), new Set([1, 2]), new Map([[1, 'one']]),
    ];
    for (const value of values) {
      expect(() => scanCbor(encodeValue(value), DEFAULT_LIMITS)).not.toThrow();
      expect(decodeValue(encodeValue(value))).toEqual(value);
    }
  });

  it('accepts half- and single-precision floats from other encoders', () => {
    expect(decodeValue(hex('f9 3e00'))).toBe(1.5);
    expect(decodeValue(hex('fa 47c35000'))).toBe(100000);
  });

  it('accepts the allowed tags: dates, bignums, sets and maps', () => {
    expect(decodeValue(hex('c0 74 323031332d30332d32315432303a30343a30305a'))).toEqual(new Date('2013-03-21T20:04:00Z'));
    expect(decodeValue(hex('c1 1a 514b67b0'))).toEqual(new Date(1363896240000));
    expect(decodeValue(hex('c2 49 010000000000000000'))).toBe(2n ** 64n);
    expect(decodeValue(hex('c3 49 010000000000000000'))).toBe(-1n - 2n ** 64n);
    expect(decodeValue(hex('d9 0102 82 01 02'))).toEqual(new Set([1, 2]));
    expect(decodeValue(hex('d9 0103 a1 01 02'))).toEqual(new Map([[1, 2]]));
  });
});
