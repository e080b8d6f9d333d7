import { encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { INFINITY } from '../../src/router/metric.js';
import { decodeRouteBody, encodeRouteBody, MAX_ROUTE_MESSAGES, type RouteMessage } from '../../src/router/updates.js';

const decode = (body: Uint8Array) => decodeRouteBody(body, DEFAULT_LIMITS, MAX_ROUTE_MESSAGES);

describe('route bodies', () => {
  it('round-trip every message type', () => {
    const messages: RouteMessage[] = [
      { type: 'update', destination: 'nas', seqno: 65535, metric: INFINITY, hops: 0 },
      { type: 'update', destination: 'phone', seqno: 0, metric: 1234, hops: 3 },
      { type: 'request', destination: null },
      { type: 'request', destination: 'tv' },
      { type: 'seqno', destination: 'tv', seqno: 17, hopCount: 32 },
    ];
    expect(decode(encodeRouteBody(messages))).toEqual(messages);
  });

  it('skip message types they do not know, for newer peers', () => {
    expect(decode(encodeValue([[99, 'x'], [2, null]]))).toEqual([{ type: 'request', destination: null }]);
  });

  it.each([
    ['not an array', { a: 1 }],
    ['a message that is not an array', [5]],
    ['a bad destination', [[1, '../etc', 1, 1, 1]]],
    ['a prototype key as destination', [[1, '__proto__!', 1, 1, 1]]],
    ['a seqno out of range', [[1, 'a', 65536, 1, 1]]],
    ['a negative metric', [[1, 'a', 1, -1, 1]]],
    ['a metric past infinity', [[1, 'a', 1, INFINITY + 1, 1]]],
    ['a fractional hop count', [[1, 'a', 1, 1, 1.5]]],
    ['a short update', [[1, 'a', 1, 1]]],
    ['a long request', [[2, null, 1]]],
    ['a seqno request with a bigint', [[3, 'a', 1n, 1]]],
  ])('reject %s', (_, value) => {
    const error = (() => {
      try {
        decode(encodeValue(value));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GlowError);
    expect((error as GlowError).code).toBe('badpacket');
  });

  it('reject more messages than the limit', () => {
    const many = Array.from({ length: MAX_ROUTE_MESSAGES + 1 }, () => [2, null]);
    expect(() => decode(encodeValue(many))).toThrow(/more than/);
  });

  it('reject bytes that are not CBOR', () => {
    expect(() => decode(new Uint8Array([0xff, 0x00]))).toThrow(GlowError);
  });
});
