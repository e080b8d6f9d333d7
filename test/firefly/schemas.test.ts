import * as v from 'valibot';
import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { bytes, u64 } from '../../src/firefly/schemas.js';
import { validate } from '../../src/firefly/validate.js';
import { thrown } from './helpers.js';

/** The value as a peer's packet delivers it: encoded, then decoded. */
const overTheWire = (value: unknown) => decodeValue(encodeValue(value));

describe('u64', () => {
  it.each([
    ['0', 0],
    ['2^53-1 as a number', Number.MAX_SAFE_INTEGER],
    ['0 as a bigint', 0n],
    ['2^64-1 as a bigint', 2n ** 64n - 1n],
  ])('accepts %s and keeps it as it arrived', (_name, value) => {
    expect(validate(u64, value)).toBe(value);
  });

  it('accepts a bigint that arrived through the CBOR codec', () => {
    const arrived = overTheWire(2n ** 60n);
    expect(typeof arrived).toBe('bigint');
    expect(validate(u64, arrived)).toBe(2n ** 60n);
  });

  it('accepts 2^64-1 and 2^53-1 after the codec, whatever form they arrive in', () => {
    expect(validate(u64, overTheWire(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
    expect(validate(u64, overTheWire(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['-1', -1],
    ['-1 as a bigint', -1n],
    ['1.5', 1.5],
    ['2^53, which a number cannot hold exactly', 2 ** 53],
    ['2^64 as a bigint', 2n ** 64n],
    ["the text '5'", '5'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['null', null],
  ])('rejects %s with badarg', (_name, value) => {
    expect(thrown(() => validate(u64, value))).toMatchObject({ code: 'badarg' });
  });

  it('rejects 2^64 that arrived through the codec as a bignum', () => {
    expect(thrown(() => validate(u64, overTheWire(2n ** 64n)))).toMatchObject({ code: 'badarg' });
  });
});

describe('bytes', () => {
  it('accepts a Uint8Array and a Buffer', () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(validate(bytes, data)).toBe(data);
    expect(v.is(bytes, Buffer.from([1]))).toBe(true);
  });

  it('accepts a byte string that went through the codec (a Buffer in Node.js)', () => {
    const arrived = overTheWire(new Uint8Array([1, 2, 3]));
    expect(Buffer.isBuffer(arrived)).toBe(true);
    expect([...(validate(bytes, arrived) as Uint8Array)]).toEqual([1, 2, 3]);
  });

  it.each([
    ['an array of numbers', [1, 2, 3]],
    ['an array of numbers that went through the codec', overTheWire([1, 2, 3])],
    ['base64 text', 'AQID'],
    ['an ArrayBuffer', new ArrayBuffer(3)],
    ['a Uint16Array', new Uint16Array(3)],
    ['an object shaped like a Buffer', { type: 'Buffer', data: [1, 2, 3] }],
  ])('rejects %s with badarg', (_name, value) => {
    expect(thrown(() => validate(bytes, value))).toMatchObject({ code: 'badarg' });
  });
});
