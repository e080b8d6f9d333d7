import { encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { INFINITY } from '../../src/router/metric.js';
import { decodeRouteBody, encodeRouteBody, MAX_ROUTE_MESSAGES, type RouteMessage, type RouteUpdate } from '../../src/router/updates.js';

const decode = (body: Uint8Array) => decodeRouteBody(body, DEFAULT_LIMITS, MAX_ROUTE_MESSAGES);

describe('route bodies', () => {
  it('round-trip every message type', () => {
    const messages: RouteMessage[] = [
      { type: 'update', destination: 'nas', seqno: 65535, metric: INFINITY, hops: 0 },
      { type: 'update', destination: 'phone', seqno: 0, metric: 1234, hops: 3 },
      { type: 'update', destination: 'tv', seqno: 9, metric: 0, hops: 0, proof: new Uint8Array(64).fill(7) },
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
    ['a proof of 63 bytes', [[1, 'a', 1, 1, 1, new Uint8Array(63)]]],
    ['a proof that is text', [[1, 'a', 1, 1, 1, 'x'.repeat(64)]]],
    ['an update with a seventh field', [[1, 'a', 1, 1, 1, new Uint8Array(64), 0]]],
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

describe('route bodies on the wire', () => {
  const messages: RouteMessage[] = [
    { type: 'update', destination: 'a'.repeat(43), seqno: 65535, metric: INFINITY, hops: 255 },
    { type: 'update', destination: 'b_-9', seqno: 0, metric: 23, hops: 24 },
    { type: 'update', destination: 'c', seqno: 256, metric: 65536, hops: 0 },
    { type: 'update', destination: 'd', seqno: 3, metric: 0, hops: 0, proof: Uint8Array.from({ length: 64 }, (_, i) => i) },
    { type: 'request', destination: null },
    { type: 'request', destination: 'tv' },
    { type: 'seqno', destination: 'tv', seqno: 17, hopCount: 32 },
  ];

  it('are the bytes the general codec writes', () => {
    const general = encodeValue(
      messages.map((m) =>
        m.type === 'update'
          ? [1, m.destination, m.seqno, m.metric, m.hops, ...(m.proof ? [m.proof] : [])]
          : m.type === 'request'
            ? [2, m.destination]
            : [3, m.destination, m.seqno, m.hopCount],
      ),
    );
    expect(encodeRouteBody(messages)).toEqual(general);
    expect(decode(general)).toEqual(messages);
  });

  it('keep a copy of each proof, not a view of the packet', () => {
    const body = encodeRouteBody(messages);
    const proof = (decode(body)[3] as RouteUpdate).proof!;
    body.fill(0);
    expect(proof[63]).toBe(63);
  });

  it('read back the same from any number of messages', () => {
    const many = Array.from({ length: 300 }, (_, i): RouteMessage => ({ type: 'update', destination: `n${i}`, seqno: i * 200, metric: i * 50_000, hops: i % 256 }));
    expect(decode(encodeRouteBody(many))).toEqual(many);
  });

  it('take ids that are not ASCII the general way', () => {
    const body = encodeRouteBody([{ type: 'request', destination: 'é' }]);
    expect(body).toEqual(encodeValue([[2, 'é']]));
    expect(() => decode(body)).toThrow(GlowError);
  });

  it.each([
    ['a count beyond the bytes', new Uint8Array([0x9a, 0xff, 0xff, 0xff, 0xff])],
    ['trailing bytes', new Uint8Array([0x80, 0x00])],
    ['a truncated id', new Uint8Array([0x81, 0x82, 0x02, 0x65, 0x61])],
    ['an id with a slash', encodeValue([[2, 'a/b']])],
    ['an empty id', encodeValue([[2, '']])],
    ['an id of 65 characters', encodeValue([[2, 'x'.repeat(65)]])],
  ])('reject %s', (_, body) => {
    expect(() => decode(body)).toThrow(GlowError);
  });

  it('refuse an id longer than the receive limit allows', () => {
    expect(() => decodeRouteBody(encodeValue([[2, 'abcdef']]), { ...DEFAULT_LIMITS, maxStringBytes: 5 }, MAX_ROUTE_MESSAGES)).toThrow(GlowError);
  });
});
