import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { runInNewContext } from 'node:vm';
import { GlowError } from '../../src/firefly/errors.js';
import { validate } from '../../src/firefly/validate.js';
import { thrown } from './helpers.js';

/** A hand-made Standard Schema for "a positive number", sync or async, not valibot. */
function positive(mode: 'sync' | 'async'): StandardSchemaV1<unknown, number> {
  const check = (value: unknown): StandardSchemaV1.Result<number> =>
    typeof value === 'number' && value > 0
      ? { value }
      : { issues: [{ message: 'expected a positive number', path: [{ key: 'amount' }, 0] }] };
  return {
    '~standard': {
      version: 1,
      vendor: 'handmade',
      validate: (value) => (mode === 'sync' ? check(value) : new Promise((resolve) => setTimeout(() => resolve(check(value)), 1))),
    },
  };
}

const Args = v.object({
  path: v.string(),
  mode: v.optional(v.picklist(['r', 'w']), 'r'),
  ranges: v.optional(v.array(v.object({ start: v.number() }))),
});

describe('validate', () => {
  it('returns the parsed value synchronously for a sync schema', () => {
    const result = validate(Args, { path: '/etc/hosts' });
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({ path: '/etc/hosts', mode: 'r' }); // the default was applied
  });

  it('throws badarg with the issues, each with a message and a path', () => {
    const error = thrown(() => validate(Args, { path: 5, ranges: [{ start: 0 }, { start: 'x' }] }));
    expect(error).toBeInstanceOf(GlowError);
    const glow = error as GlowError;
    expect(glow.code).toBe('badarg');
    expect(glow.message).toMatch(/^arguments do not match the schema: /);
    expect(glow.details).toEqual({
      issues: [
        { message: expect.any(String), path: ['path'] },
        { message: expect.any(String), path: ['ranges', 1, 'start'] },
      ],
    });
  });

  it('leaves the path out of an issue about the value as a whole', () => {
    const error = thrown(() => validate(Args, 'not an object')) as GlowError;
    expect(error.details).toEqual({ issues: [{ message: expect.any(String) }] });
  });

  it('names what was validated in the message', () => {
    expect(thrown(() => validate(v.number(), 'x', 'result'))).toMatchObject({
      code: 'badarg',
      message: expect.stringMatching(/^result do not match the schema/),
    });
  });

  it('sends at most 32 issues', () => {
    const error = thrown(() => validate(v.array(v.number()), Array.from({ length: 100 }, () => 'x'))) as GlowError;
    expect((error.details as { issues: unknown[] }).issues).toHaveLength(32);
  });

  it('gives issues as plain data that survives JSON', () => {
    const error = thrown(() => validate(Args, { path: 5 })) as GlowError;
    expect(JSON.parse(JSON.stringify(error.details))).toEqual(error.details);
  });

  it('works with a sync Standard Schema that is not valibot', () => {
    expect(validate(positive('sync'), 3)).toBe(3);
    const error = thrown(() => validate(positive('sync'), -3));
    expect(error).toMatchObject({
      code: 'badarg',
      details: { issues: [{ message: 'expected a positive number', path: ['amount', 0] }] },
    });
  });

  it('returns a promise for an async Standard Schema that resolves to the value', async () => {
    const result = validate(positive('async'), 3);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(3);
  });

  it('returns a promise for an async Standard Schema that rejects with badarg', async () => {
    const result = validate(positive('async'), 'three');
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toBeInstanceOf(GlowError);
    await expect(result).rejects.toMatchObject({
      code: 'badarg',
      details: { issues: [{ message: 'expected a positive number', path: ['amount', 0] }] },
    });
  });

  it('works with valibot’s async schemas', async () => {
    const schema = v.pipeAsync(
      v.string(),
      v.checkAsync(async (name) => name !== 'taken', 'name is taken'),
    );
    await expect(validate(schema, 'free')).resolves.toBe('free');
    await expect(validate(schema, 'taken')).rejects.toMatchObject({ code: 'badarg', details: { issues: [{ message: 'name is taken' }] } });
  });

  it('waits for a promise from another realm instead of taking it for a success', async () => {
    // Node's own promises, an iframe's or a vm context's are not `instanceof Promise` here.
    const foreign: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'elsewhere',
        validate: () => runInNewContext('Promise.resolve({ issues: [{ message: "rejected elsewhere" }] })'),
      },
    };
    const result = validate(foreign, 'anything');
    await expect(Promise.resolve(result)).rejects.toMatchObject({
      code: 'badarg',
      details: { issues: [{ message: 'rejected elsewhere' }] },
    });
  });
});
