import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { describeInterface, jsonSchemaOf } from '../../src/firefly/describe.js';
import { cast, defineInterface, method, stream } from '../../src/firefly/idl.js';
import { bytes, u64 } from '../../src/firefly/schemas.js';

/** A Standard Schema that is not valibot and has no JSON Schema converter. */
const opaque: StandardSchemaV1 = {
  '~standard': { version: 1, vendor: 'handmade', validate: (value) => ({ value }) },
};

const FileSystem = defineInterface('glow.FileSystem/1', {
  read: method(v.object({ path: v.string(), offset: v.optional(u64) }), bytes, { description: 'Reads a file.' }),
  touch: cast(v.object({ path: v.string() })),
  watch: stream(v.object({ path: v.string() }), v.object({ event: v.picklist(['add', 'change']), size: u64 })),
  custom: method(opaque, opaque),
});

describe('describeInterface', () => {
  const description = describeInterface(FileSystem);

  it('gives the interface id and every member with its kind', () => {
    expect(description.interface).toBe('glow.FileSystem/1');
    expect(Object.keys(description.members)).toEqual(['read', 'touch', 'watch', 'custom']);
    expect(description.members.read?.kind).toBe('method');
    expect(description.members.touch?.kind).toBe('cast');
    expect(description.members.watch?.kind).toBe('stream');
  });

  it('describes object arguments with their properties and required keys', () => {
    const args = description.members.read?.args;
    expect(args).toMatchObject({ type: 'object', required: ['path'] });
    expect(Object.keys(args?.properties as object)).toEqual(['path', 'offset']);
    expect((args?.properties as Record<string, unknown>).path).toEqual({ type: 'string' });
  });

  it('gives a result for methods only and an item for streams only', () => {
    expect(description.members.read?.result).toBeDefined();
    expect(description.members.read?.item).toBeUndefined();
    expect(description.members.watch?.item).toMatchObject({ type: 'object', required: ['event', 'size'] });
    expect(description.members.watch?.result).toBeUndefined();
    expect(description.members.touch).not.toHaveProperty('result');
    expect(description.members.touch).not.toHaveProperty('item');
  });

  it('keeps member descriptions', () => {
    expect(description.members.read?.description).toBe('Reads a file.');
    expect(description.members.touch).not.toHaveProperty('description');
  });

  it('describes a non-valibot member instead of throwing', () => {
    expect(description.members.custom?.args).toEqual({ description: 'handmade schema (no JSON Schema available)' });
  });

  it('survives JSON.stringify and comes back equal', () => {
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  it('gives the same object on a second call', () => {
    expect(describeInterface(FileSystem)).toBe(description);
  });
});

describe('jsonSchemaOf', () => {
  it('describes u64 as an integer, in both the number and the bigint form', () => {
    const schema = jsonSchemaOf(u64);
    expect(schema.anyOf).toEqual([
      { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      { type: 'integer', format: 'int64' },
    ]);
  });

  it('describes a plain bigint as an integer', () => {
    expect(jsonSchemaOf(v.bigint())).toMatchObject({ type: 'integer' });
  });

  it('describes bytes as base64 text', () => {
    expect(jsonSchemaOf(bytes)).toMatchObject({ type: 'string', contentEncoding: 'base64' });
  });

  it('describes valibot schemas JSON Schema cannot express without throwing', () => {
    for (const schema of [v.date(), v.map(v.string(), v.number()), v.custom(() => true), v.instance(Date)]) {
      expect(() => JSON.stringify(jsonSchemaOf(schema))).not.toThrow();
    }
  });

  it('uses a Standard JSON Schema converter when a non-valibot schema has one', () => {
    const converter: StandardJSONSchemaV1.Converter = {
      input: (options) => ({ type: 'string', 'x-target': options.target }),
      output: () => ({ type: 'string' }),
    };
    const withConverter = {
      '~standard': { ...opaque['~standard'], jsonSchema: converter },
    } as StandardSchemaV1;
    expect(jsonSchemaOf(withConverter)).toEqual({ type: 'string', 'x-target': 'draft-07' });
  });

  it('falls back to a description when the converter throws', () => {
    const throwing = {
      '~standard': {
        ...opaque['~standard'],
        jsonSchema: {
          input: () => {
            throw new Error('cannot');
          },
          output: () => ({}),
        },
      },
    } as StandardSchemaV1;
    expect(jsonSchemaOf(throwing)).toEqual({ description: 'handmade schema (no JSON Schema available)' });
  });
});
