import {
  formatResourceId,
  isIdSegment,
  newLocalId,
  NODE_RESOURCE,
  parseResourceId,
  sameResource,
} from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import { thrown } from './helpers.js';

describe('formatResourceId and parseResourceId', () => {
  it('round-trip a resource id', () => {
    const id = { node: 'laptop-7', local: newLocalId() };
    const text = formatResourceId(id);
    expect(text).toBe(`glow://laptop-7/${id.local}`);
    expect(parseResourceId(text)).toEqual(id);
  });

  it("round-trip a node's own Node resource", () => {
    expect(parseResourceId(formatResourceId({ node: 'nas', local: NODE_RESOURCE }))).toEqual({ node: 'nas', local: 'node' });
  });

  it('accept segments of exactly 64 characters', () => {
    const long = 'a'.repeat(64);
    expect(parseResourceId(`glow://${long}/${long}`)).toEqual({ node: long, local: long });
  });
});

describe('parseResourceId', () => {
  it.each([
    'glow://a/b/c',
    'glow://../x',
    'glow://./x',
    'glow://a/..',
    'glow:///x',
    'glow://a/',
    'glow://a//b',
    'glow://a',
    'glow://',
    '',
    `glow://${'a'.repeat(65)}/b`,
    `glow://a/${'b'.repeat(65)}`,
    'http://a/b',
    'GLOW://a/b',
    'glow:/a/b',
    'glow:a/b',
    ' glow://a/b',
    'glow://a/b ',
    'glow://a/b\n',
    'glow://a\n/b',
    'glow://a b/c',
    'glow://a/b?c=d',
    'glow://a/b#c',
    'glow://user@a/b',
    'glow://a:80/b',
    'glow://a%2Fb/c',
    'glow://a\\b/c',
    'glow://näs/b',
    'glow://a\tb/c',
  ])('rejects %p with badarg', (text) => {
    const error = thrown(() => parseResourceId(text));
    expect(error).toBeInstanceOf(GlowError);
    expect(error).toMatchObject({ code: 'badarg' });
  });

  it('keeps the error message short for a huge input', () => {
    const error = thrown(() => parseResourceId(`glow://${'x'.repeat(1_000_000)}`)) as GlowError;
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('isIdSegment', () => {
  it('accepts 1 to 64 URL-safe characters', () => {
    for (const text of ['a', 'Z', '0', '-', '_', 'node-1_B', 'x'.repeat(64)]) expect(isIdSegment(text)).toBe(true);
  });

  it('rejects anything else, including non-strings', () => {
    for (const value of ['', 'x'.repeat(65), 'a.b', 'a/b', 'a b', 'é', 'a\n', 7, null, undefined, ['a'], { toString: () => 'a' }]) {
      expect(isIdSegment(value)).toBe(false);
    }
  });
});

describe('newLocalId', () => {
  it('gives a fresh 21-character id that is a valid segment', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newLocalId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toHaveLength(21);
      expect(isIdSegment(id)).toBe(true);
    }
  });
});

describe('sameResource', () => {
  it('compares node and local id', () => {
    const a = { node: 'n', local: 'l' };
    expect(sameResource(a, { node: 'n', local: 'l' })).toBe(true);
    expect(sameResource(a, { node: 'n', local: 'm' })).toBe(false);
    expect(sameResource(a, { node: 'm', local: 'l' })).toBe(false);
  });
});
