import * as v from 'valibot';
import { cast, defineInterface, findMember, method, RESERVED_MEMBERS, stream } from '../../src/firefly/idl.js';

const FileSystem = defineInterface('glow.FileSystem/1', {
  read: method(v.object({ path: v.string() }), v.instance(Uint8Array), { description: 'Reads a file.' }),
  touch: cast(v.object({ path: v.string() })),
  watch: stream(v.object({ path: v.string() }), v.object({ event: v.string() })),
});

describe('method, cast and stream', () => {
  it('declare a method, with result validation off by default', () => {
    const spec = method(v.string(), v.number());
    expect(spec).toMatchObject({ kind: 'method', validateResult: false });
    expect(method(v.string(), v.number(), { validateResult: true, description: 'd' })).toMatchObject({
      validateResult: true,
      description: 'd',
    });
  });

  it('declare a cast and a stream with their schemas', () => {
    const args = v.string();
    const item = v.number();
    expect(cast(args, { description: 'fire and forget' })).toEqual({ kind: 'cast', args, description: 'fire and forget' });
    expect(stream(args, item)).toEqual({ kind: 'stream', args, item, description: undefined });
  });
});

describe('defineInterface', () => {
  it('keeps the id and the members', () => {
    expect(FileSystem.id).toBe('glow.FileSystem/1');
    expect(Object.keys(FileSystem.members)).toEqual(['read', 'touch', 'watch']);
    expect(FileSystem.members.read.kind).toBe('method');
  });

  it('freezes the interface and its member table, which has no prototype', () => {
    expect(Object.isFrozen(FileSystem)).toBe(true);
    expect(Object.isFrozen(FileSystem.members)).toBe(true);
    expect(Object.getPrototypeOf(FileSystem.members)).toBeNull();
  });

  it('does not share the caller’s members object', () => {
    const members = { ping: method(v.null(), v.null()) };
    const iface = defineInterface('glow.Ping/1', members);
    (members as Record<string, unknown>).extra = cast(v.null());
    expect(findMember(iface, 'extra')).toBeUndefined();
  });

  it.each(['glow.FileSystem/1', 'a/1', 'Glow_fs-2.x/999999', `a${'b'.repeat(127)}/1`])('accepts the id %p', (id) => {
    expect(defineInterface(id, {}).id).toBe(id);
  });

  it.each([
    'glow.FileSystem',
    'glow.FileSystem/0',
    'glow.FileSystem/01',
    'glow.FileSystem/1.2',
    'glow.FileSystem/1234567',
    'glow.FileSystem/1/2',
    '1glow/1',
    '.glow/1',
    'glow fs/1',
    'glow/fs/1',
    '',
    '/1',
    `a${'b'.repeat(128)}/1`,
    'glow.FileSystem/1\n',
  ])('rejects the id %p', (id) => {
    expect(() => defineInterface(id, {})).toThrow(TypeError);
  });

  it.each(['1read', 'read-file', 'read.file', 'read file', '', 'x'.repeat(65), 'ré', '__proto__'])(
    'rejects the member name %p',
    (name) => {
      const members = Object.defineProperty({}, name, { value: cast(v.null()), enumerable: true });
      expect(() => defineInterface('glow.Bad/1', members)).toThrow(TypeError);
    },
  );

  it('accepts member names that are identifiers of up to 64 characters', () => {
    const members = { _private: cast(v.null()), read2: cast(v.null()), ['x'.repeat(64)]: cast(v.null()) };
    expect(Object.keys(defineInterface('glow.Ok/1', members).members)).toHaveLength(3);
  });

  it('rejects the reserved member name describe', () => {
    expect(RESERVED_MEMBERS.has('describe')).toBe(true);
    expect(() => defineInterface('glow.Bad/1', { describe: method(v.null(), v.null()) })).toThrow(/reserved/);
  });
});

describe('findMember', () => {
  it('finds declared members', () => {
    expect(findMember(FileSystem, 'read')).toBe(FileSystem.members.read);
    expect(findMember(FileSystem, 'watch')?.kind).toBe('stream');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'])(
    'ignores the inherited name %s',
    (name) => {
      expect(findMember(FileSystem, name)).toBeUndefined();
    },
  );

  it('ignores names that are not declared', () => {
    expect(findMember(FileSystem, 'delete')).toBeUndefined();
    expect(findMember(FileSystem, 'describe')).toBeUndefined();
    expect(findMember(FileSystem, '')).toBeUndefined();
  });
});
