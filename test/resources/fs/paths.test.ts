/**
 * Confinement (src/resources/fs/paths.ts): no path, `..`, absolute path, symlink (to a file or
 * a parent folder outside) or reserved name reaches outside the root or into the version store.
 * Hostile paths are sent through the resource, as a remote caller would.
 */
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePath } from '../../../src/resources/fs/index.js';
import { refused, text, utf8, useFs, within } from './helpers.js';

const harness = useFs();

/** A root with a file, and an outside folder holding a secret. */
async function exposed() {
  const outside = await harness.tempDir('glow-fs-outside-');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  const spawned = await harness.spawn();
  await writeFile(join(spawned.root, 'a.txt'), 'inside');
  return { ...spawned, outside };
}

describe('parsePath', () => {
  test('splits on / and drops empty and . segments', () => {
    expect(parsePath('')).toEqual([]);
    expect(parsePath('.')).toEqual([]);
    expect(parsePath('a//./b/')).toEqual(['a', 'b']);
  });

  test.each([
    ['a NUL byte', 'a\0b', 'NUL byte'],
    ['a leading /', '/etc/passwd', 'absolute'],
    ['a backslash', 'a\\..\\b', 'backslash'],
    ['a 256-byte name', 'x'.repeat(256), 'longer than 255 bytes'],
    ['4200 characters', 'a/'.repeat(2100), 'longer than 4096'],
  ])('refuses a path with %s with badarg', (_label, path, why) => {
    expect(() => parsePath(path)).toThrow(expect.objectContaining({ code: 'badarg', message: expect.stringContaining(why) }));
  });

  test.each(['..', '../x', 'a/../../x', 'a/../b'])('refuses %j with denied: no .. at all', (path) => {
    expect(() => parsePath(path)).toThrow(expect.objectContaining({ code: 'denied', details: expect.objectContaining({ reason: 'outside' }) }));
  });

  test.each(['.glow-versions', '.glow-versions/index', 'sub/.glow-tmp-abc'])('refuses the reserved name %j with denied', (path) => {
    expect(() => parsePath(path)).toThrow(expect.objectContaining({ code: 'denied', details: expect.objectContaining({ reason: 'reserved' }) }));
  });
});

describe('hostile paths through the resource', () => {
  test('.. is denied for every member, reading and writing nothing', async () => {
    const { fs, outside, root } = await exposed();
    const escape = `../${outside.split('/').pop()}/secret.txt`;
    await refused(fs.call('read', { path: escape }), 'denied', 'outside');
    await refused(fs.call('stat', { path: escape }), 'denied', 'outside');
    await refused(fs.call('list', { path: '..' }), 'denied', 'outside');
    await refused(fs.call('write', { path: escape, data: utf8('pwned') }), 'denied', 'outside');
    await refused(fs.call('beginWrite', { path: escape }), 'denied', 'outside');
    await refused(fs.call('mkdir', { path: '../evil' }), 'denied', 'outside');
    await refused(fs.call('remove', { path: escape }), 'denied', 'outside');
    await refused(fs.call('rename', { from: 'a.txt', to: '../moved.txt' }), 'denied', 'outside');
    await refused(fs.call('versions', { path: escape }), 'denied', 'outside');
    await refused(fs.iterate('readStream', { path: escape }).next(), 'denied', 'outside');
    await refused(fs.iterate('watch', { path: '..' }).next(), 'denied', 'outside');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(await readdir(join(root, '..'))).not.toContain('moved.txt');
  });

  test('an absolute path is refused with badarg, even one that names a file inside the root', async () => {
    const { fs, root, outside } = await exposed();
    await refused(fs.call('read', { path: join(outside, 'secret.txt') }), 'badarg', 'path');
    await refused(fs.call('read', { path: join(root, 'a.txt') }), 'badarg', 'path');
    await refused(fs.call('write', { path: join(outside, 'new.txt'), data: utf8('x') }), 'badarg', 'path');
  });

  test('a NUL byte is refused with badarg', async () => {
    const { fs } = await exposed();
    const error = await refused(fs.call('read', { path: 'a.txt\0.png' }), 'badarg', 'path');
    expect(error.message).toContain('NUL');
    await refused(fs.call('write', { path: 'x\0', data: utf8('x') }), 'badarg', 'path');
  });

  test('a symlink inside the root that points outside is denied for reading, writing and listing', async () => {
    const { fs, root, outside } = await exposed();
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    await symlink(outside, join(root, 'leakdir'));
    await refused(fs.call('read', { path: 'leak.txt' }), 'denied', 'outside');
    await refused(fs.call('stat', { path: 'leak.txt' }), 'denied', 'outside');
    await refused(fs.iterate('readStream', { path: 'leak.txt' }).next(), 'denied', 'outside');
    await refused(fs.call('write', { path: 'leak.txt', data: utf8('pwned') }), 'denied', 'outside');
    await refused(fs.call('restore', { path: 'leak.txt', version: '0'.repeat(64) }), 'denied', 'outside');
    await refused(fs.call('list', { path: 'leakdir' }), 'denied', 'outside');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  test('a symlinked parent folder that leads outside is denied, and nothing is created there', async () => {
    const { fs, root, outside } = await exposed();
    await symlink(outside, join(root, 'linked'));
    await refused(fs.call('read', { path: 'linked/secret.txt' }), 'denied', 'outside');
    await refused(fs.call('stat', { path: 'linked/secret.txt' }), 'denied', 'outside');
    await refused(fs.call('write', { path: 'linked/new.txt', data: utf8('x') }), 'denied', 'outside');
    await refused(fs.call('write', { path: 'linked/deeper/new.txt', data: utf8('x') }), 'denied', 'outside');
    await refused(fs.call('beginWrite', { path: 'linked/new.txt' }), 'denied', 'outside');
    await refused(fs.call('mkdir', { path: 'linked/sub' }), 'denied', 'outside');
    await refused(fs.call('remove', { path: 'linked/secret.txt' }), 'denied', 'outside');
    await refused(fs.call('rename', { from: 'a.txt', to: 'linked/a.txt' }), 'denied', 'outside');
    await refused(fs.call('rename', { from: 'linked/secret.txt', to: 'stolen.txt' }), 'denied', 'outside');
    await refused(fs.iterate('watch', { path: 'linked' }).next(), 'denied', 'outside');
    expect((await readdir(outside)).sort()).toEqual(['secret.txt']);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  test('lists a symlink that points outside as "other", telling nothing about its target', async () => {
    const { fs, root, outside } = await exposed();
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    const { entries } = await within(fs.call('list', { path: '' }));
    expect(entries.find((entry) => entry.name === 'leak.txt')).toMatchObject({ type: 'other', size: 0 });
  });

  test('removing a symlink that points outside removes the link, never its target', async () => {
    const { fs, root, outside } = await exposed();
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    await expect(within(fs.call('remove', { path: 'leak.txt' }))).resolves.toEqual({ removed: 1 });
    await expect(lstat(join(root, 'leak.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  test('a symlink that stays inside the root is followed', async () => {
    const { fs, root } = await exposed();
    await mkdir(join(root, 'real'));
    await writeFile(join(root, 'real', 'f.txt'), 'via link');
    await symlink(join(root, 'real'), join(root, 'alias'));
    expect(text(await within(fs.call('read', { path: 'alias/f.txt' })))).toBe('via link');
    await within(fs.call('write', { path: 'alias/g.txt', data: utf8('written via link') }));
    expect(await readFile(join(root, 'real', 'g.txt'), 'utf8')).toBe('written via link');
  });

  test('the version store is unreachable by its name and through a symlink to it', async () => {
    const { fs, root } = await exposed();
    await within(fs.call('write', { path: 'a.txt', data: utf8('v2') })); // keeps "inside" in the store
    await refused(fs.call('list', { path: '.glow-versions' }), 'denied', 'reserved');
    await refused(fs.call('read', { path: '.glow-versions/index' }), 'denied', 'reserved');
    await refused(fs.call('write', { path: '.glow-versions/x', data: utf8('x') }), 'denied', 'reserved');
    await refused(fs.call('remove', { path: '.glow-versions', recursive: true }), 'denied', 'reserved');
    await symlink(join(root, '.glow-versions'), join(root, 'store'));
    await refused(fs.call('list', { path: 'store' }), 'denied', 'reserved');
    await refused(fs.call('read', { path: 'store/index' }), 'denied', 'reserved');
    const { entries } = await within(fs.call('list', { path: '' }));
    expect(entries.map((entry) => entry.name)).not.toContain('.glow-versions');
    expect(entries.find((entry) => entry.name === 'store')).toMatchObject({ type: 'other' });
  });
});
