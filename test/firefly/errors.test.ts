import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import {
  ERROR_CODES,
  errorFromWire,
  errorToWire,
  GlowError,
  isGlowError,
  toGlowError,
  type ErrorCode,
} from '../../src/firefly/errors.js';

const CODES: ErrorCode[] = [
  'timeout',
  'noconnection',
  'noproc',
  'nomethod',
  'badarg',
  'busy',
  'denied',
  'crashed',
  'badpacket',
  'unsupported',
  'failed',
];

describe('ERROR_CODES', () => {
  it('lists exactly the stable codes', () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual([...CODES].sort());
  });

  it('is a frozen table with no prototype', () => {
    expect(Object.getPrototypeOf(ERROR_CODES)).toBeNull();
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });
});

describe('GlowError', () => {
  it('is an Error with a stable code, a message and details', () => {
    const error = new GlowError('busy', 'mailbox full', { capacity: 100 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'GlowError', code: 'busy', message: 'mailbox full', details: { capacity: 100 } });
  });

  it('takes its default message from the table of codes', () => {
    expect(new GlowError('timeout').message).toBe(ERROR_CODES.timeout);
    expect(new GlowError('timeout').details).toBeUndefined();
  });
});

describe('isGlowError', () => {
  it('recognises GlowErrors, optionally of one code', () => {
    const error = new GlowError('noproc');
    expect(isGlowError(error)).toBe(true);
    expect(isGlowError(error, 'noproc')).toBe(true);
    expect(isGlowError(error, 'timeout')).toBe(false);
  });

  it('rejects look-alikes that merely have a code', () => {
    expect(isGlowError({ code: 'noproc', message: 'x', name: 'GlowError' })).toBe(false);
    expect(isGlowError(Object.assign(new Error('x'), { code: 'noproc' }), 'noproc')).toBe(false);
  });
});

describe('errorToWire and errorFromWire', () => {
  it.each(CODES)('round-trip code %s with message and details, through the codec', (code) => {
    const original = new GlowError(code, `something about ${code}`, { issues: [{ message: 'm', path: ['a', 0] }] });
    const back = errorFromWire(decodeValue(encodeValue(errorToWire(original))));
    expect(back).toBeInstanceOf(GlowError);
    expect(back).toMatchObject({ code, message: `something about ${code}`, details: original.details });
  });

  it('leaves details out of the wire form when there are none', () => {
    const wire = errorToWire(new GlowError('denied', 'no'));
    expect(wire).toEqual({ code: 'denied', message: 'no' });
    expect(Object.hasOwn(wire, 'details')).toBe(false);
  });

  it('falls back to the default message when the wire has none', () => {
    expect(errorFromWire({ code: 'busy' }).message).toBe(ERROR_CODES.busy);
    expect(errorFromWire({ code: 'busy', message: 42 }).message).toBe(ERROR_CODES.busy);
  });
});

describe('errorFromWire', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'])(
    'turns the inherited name %s into unsupported, never into something inherited',
    (code) => {
      const error = errorFromWire({ code, message: 'hi' });
      expect(error.code).toBe('unsupported');
      expect(error.details).toEqual({ remoteCode: code, message: 'hi' });
    },
  );

  it('turns a code it does not know into unsupported, keeping the remote code', () => {
    const error = errorFromWire({ code: 'quota', message: 'disk full' });
    expect(error).toMatchObject({ code: 'unsupported', details: { remoteCode: 'quota', message: 'disk full' } });
  });

  it('cuts an unknown code to 64 characters', () => {
    const error = errorFromWire({ code: 'x'.repeat(10_000) });
    expect((error.details as { remoteCode: string }).remoteCode).toHaveLength(64);
    expect(error.message.length).toBeLessThan(100);
  });

  it.each([null, undefined, 'timeout', 42, true])('turns the non-object %p into badpacket', (value) => {
    expect(errorFromWire(value)).toMatchObject({ code: 'badpacket', message: 'error body is not an object' });
  });

  it.each([{}, { code: 5 }, { message: 'no code' }, ['timeout']])('turns %p, which has no text code, into badpacket', (value) => {
    expect(errorFromWire(value)).toMatchObject({ code: 'badpacket', message: 'error body has no code' });
  });

  it('reads a body decoded from the wire whose key was __proto__ without being fooled', () => {
    // {"__proto__": {"code": "timeout"}}: a prototype would make `code` look present.
    const body = decodeValue(encodeValue(Object.defineProperty({}, '__proto__', { value: { code: 'timeout' }, enumerable: true })));
    expect(errorFromWire(body)).toMatchObject({ code: 'badpacket' });
  });
});

describe('toGlowError', () => {
  it('passes a GlowError through unchanged', () => {
    const error = new GlowError('denied');
    expect(toGlowError(error)).toBe(error);
  });

  it('wraps an Error as crashed with its message but not its stack', () => {
    const wrapped = toGlowError(new TypeError('x is not a function'));
    expect(wrapped).toBeInstanceOf(GlowError);
    expect(wrapped).toMatchObject({ code: 'crashed', message: 'x is not a function', details: undefined });
  });

  it('wraps a thrown non-Error as crashed with its text', () => {
    expect(toGlowError('plain string')).toMatchObject({ code: 'crashed', message: 'plain string' });
    expect(toGlowError(undefined)).toMatchObject({ code: 'crashed', message: 'undefined' });
  });

  it('uses the fallback code when given', () => {
    expect(toGlowError(new Error('nope'), 'failed')).toMatchObject({ code: 'failed', message: 'nope' });
  });

  it('wraps values that cannot be turned into text instead of throwing', () => {
    const hostile = {
      toString() {
        throw new Error('gotcha');
      },
    };
    for (const value of [Object.create(null), hostile]) {
      const wrapped = toGlowError(value);
      expect(wrapped).toBeInstanceOf(GlowError);
      expect(wrapped.code).toBe('crashed');
    }
  });
});
