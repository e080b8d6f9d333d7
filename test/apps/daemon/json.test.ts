import { toJson } from '../../../apps/daemon/json.js';

test('toJson maps CBOR values to JSON: bytes as base64, big integers, maps and sets', () => {
  const value = {
    bytes: new Uint8Array([1, 2, 3]),
    buffer: Buffer.from('hi'),
    small: 42n,
    big: 2n ** 64n - 1n,
    map: new Map([['a', 1]]),
    pairs: new Map<unknown, number>([[1, 2]]),
    set: new Set([1, 2]),
    date: new Date(0),
    gone: undefined,
  };
  expect(JSON.parse(toJson(value))).toEqual({
    bytes: 'AQID',
    buffer: 'aGk=',
    small: 42,
    big: '18446744073709551615',
    map: { a: 1 },
    pairs: [[1, 2]],
    set: [1, 2],
    date: '1970-01-01T00:00:00.000Z',
  });
  expect(toJson(undefined)).toBe('null');
  expect(toJson(new Uint8Array([255]))).toBe('"/w=="');
});
