/**
 * The mutating members (src/resources/fs/writing.ts): atomic write with ifVersion, mkdir, remove,
 * rename, and a read-only export refusing every one of them.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_CHUNK_BYTES } from '../../../src/resources/fs/index.js';
import { refused, rejection, utf8, useFs, within } from './helpers.js';

const harness = useFs();
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

describe('write', () => {
  test('creates a file, and the folders it needs, answering its stat with the new version', async () => {
    const { fs, root } = await harness.spawn();
    const stat = await within(fs.call('write', { path: 'docs/notes/a.txt', data: utf8('hello') }));
    expect(stat).toMatchObject({ path: 'docs/notes/a.txt', type: 'file', size: 5, version: sha256('hello') });
    expect(await readFile(join(root, 'docs/notes/a.txt'), 'utf8')).toBe('hello');
  });

  test('replaces a file whole, leaves no temporary file behind and keeps its permissions', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'old content');
    await chmod(join(root, 'a.txt'), 0o640);
    await within(fs.call('write', { path: 'a.txt', data: utf8('new') }));
    expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('new');
    expect((await stat(join(root, 'a.txt'))).mode & 0o777).toBe(0o640);
    expect((await readdir(root)).filter((name) => name.startsWith('.glow-tmp-'))).toEqual([]);
  });

  test('writes when ifVersion matches, and refuses a stale one with failed/stale, changing nothing', async () => {
    const { fs, root } = await harness.spawn();
    const first = await within(fs.call('write', { path: 'a.txt', data: utf8('one') }));
    const second = await within(fs.call('write', { path: 'a.txt', data: utf8('two'), ifVersion: first.version }));
    expect(second.version).toBe(sha256('two'));
    const error = await refused(fs.call('write', { path: 'a.txt', data: utf8('three'), ifVersion: first.version }), 'failed', 'stale');
    expect(error.details).toEqual({ reason: 'stale', path: 'a.txt', expected: sha256('one'), actual: sha256('two') });
    expect(error.message).toContain('has changed');
    expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('two');
    expect((await readdir(root)).filter((name) => name.startsWith('.glow-tmp-'))).toEqual([]);
  });

  test('ifVersion null creates only: it refuses when the file exists', async () => {
    const { fs } = await harness.spawn();
    await within(fs.call('write', { path: 'a.txt', data: utf8('first'), ifVersion: null }));
    const error = await refused(fs.call('write', { path: 'a.txt', data: utf8('second'), ifVersion: null }), 'failed', 'stale');
    expect(error.details).toMatchObject({ expected: null, actual: sha256('first') });
    await refused(fs.call('write', { path: 'b.txt', data: utf8('x'), ifVersion: sha256('anything') }), 'failed', 'stale');
  });

  test('lets exactly one of two racing writes with the same ifVersion win', async () => {
    const { fs } = await harness.spawn();
    const base = await within(fs.call('write', { path: 'a.txt', data: utf8('base') }));
    const results = await Promise.allSettled([
      fs.call('write', { path: 'a.txt', data: utf8('left'), ifVersion: base.version }),
      fs.call('write', { path: 'a.txt', data: utf8('right'), ifVersion: base.version }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  test('refuses more than 1 MiB in one write with badarg (larger content goes through an upload)', async () => {
    const { fs } = await harness.spawn();
    expect((await rejection(fs.call('write', { path: 'big', data: new Uint8Array(MAX_CHUNK_BYTES + 1) }))).code).toBe('badarg');
  });

  test('refuses to write over a directory with failed/isdir, and over the root', async () => {
    const { fs, root } = await harness.spawn();
    await mkdir(join(root, 'sub'));
    await refused(fs.call('write', { path: 'sub', data: utf8('x') }), 'failed', 'isdir');
    await refused(fs.call('write', { path: '', data: utf8('x') }), 'failed', 'isdir');
  });
});

describe('mkdir', () => {
  test('creates a folder; refuses an existing one with failed/exists unless parents is set', async () => {
    const { fs, root } = await harness.spawn();
    await expect(within(fs.call('mkdir', { path: 'a' }))).resolves.toMatchObject({ path: 'a', type: 'dir', version: null });
    await refused(fs.call('mkdir', { path: 'a' }), 'failed', 'exists');
    await expect(within(fs.call('mkdir', { path: 'a', parents: true }))).resolves.toMatchObject({ type: 'dir' });
    await refused(fs.call('mkdir', { path: 'x/y/z' }), 'failed', 'notfound');
    await within(fs.call('mkdir', { path: 'x/y/z', parents: true }));
    expect((await stat(join(root, 'x/y/z'))).isDirectory()).toBe(true);
    await writeFile(join(root, 'file'), '');
    await refused(fs.call('mkdir', { path: 'file', parents: true }), 'failed', 'exists');
  });
});

describe('remove', () => {
  test('removes a file and keeps its content as a removed version', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'bye');
    await expect(within(fs.call('remove', { path: 'a.txt' }))).resolves.toEqual({ removed: 1 });
    await refused(fs.call('stat', { path: 'a.txt' }), 'failed', 'notfound');
    expect(await within(fs.call('versions', { path: 'a.txt' }))).toEqual([{ version: sha256('bye'), size: 3, time: expect.any(Number), removed: true }]);
  });

  test('removes an empty folder; a full one only with recursive, keeping each file', async () => {
    const { fs, root } = await harness.spawn();
    await mkdir(join(root, 'empty'));
    await expect(within(fs.call('remove', { path: 'empty' }))).resolves.toEqual({ removed: 0 });
    await mkdir(join(root, 'full/deep'), { recursive: true });
    await writeFile(join(root, 'full/one.txt'), '1');
    await writeFile(join(root, 'full/deep/two.txt'), '2');
    await refused(fs.call('remove', { path: 'full' }), 'failed', 'notempty');
    await expect(within(fs.call('remove', { path: 'full', recursive: true }))).resolves.toEqual({ removed: 2 });
    expect(await readdir(root)).not.toContain('full');
    expect(await within(fs.call('versions', { path: 'full/deep/two.txt' }))).toMatchObject([{ version: sha256('2'), removed: true }]);
  });

  test('refuses a missing path with failed/notfound and the root with denied', async () => {
    const { fs } = await harness.spawn();
    await refused(fs.call('remove', { path: 'missing' }), 'failed', 'notfound');
    await refused(fs.call('remove', { path: '', recursive: true }), 'denied', 'permission');
  });
});

describe('rename', () => {
  test('moves a file, creating the target folder', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'moving');
    await expect(within(fs.call('rename', { from: 'a.txt', to: 'archive/b.txt' }))).resolves.toMatchObject({ path: 'archive/b.txt', version: sha256('moving') });
    expect(await readFile(join(root, 'archive/b.txt'), 'utf8')).toBe('moving');
    await refused(fs.call('stat', { path: 'a.txt' }), 'failed', 'notfound');
  });

  test('refuses an existing target with failed/exists; with overwrite keeps the replaced content', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'new');
    await writeFile(join(root, 'b.txt'), 'old');
    await refused(fs.call('rename', { from: 'a.txt', to: 'b.txt' }), 'failed', 'exists');
    await within(fs.call('rename', { from: 'a.txt', to: 'b.txt', overwrite: true }));
    expect(await readFile(join(root, 'b.txt'), 'utf8')).toBe('new');
    expect(await within(fs.call('versions', { path: 'b.txt' }))).toMatchObject([{ version: sha256('old'), removed: false }]);
  });

  test('refuses to replace a folder and to move a missing path', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'x');
    await mkdir(join(root, 'dir'));
    await refused(fs.call('rename', { from: 'a.txt', to: 'dir', overwrite: true }), 'failed', 'isdir');
    await refused(fs.call('rename', { from: 'missing', to: 'elsewhere' }), 'failed', 'notfound');
  });
});

describe('a read-only export', () => {
  test('refuses every mutation with denied/readonly, changes nothing and creates no version store', async () => {
    const root = await harness.tempDir();
    await writeFile(join(root, 'a.txt'), 'keep me');
    const { fs } = await harness.spawn({ root, readOnly: true });
    const version = sha256('keep me');
    const attempts: Promise<unknown>[] = [
      fs.call('write', { path: 'a.txt', data: utf8('x') }),
      fs.call('write', { path: 'new.txt', data: utf8('x') }),
      fs.call('beginWrite', { path: 'a.txt' }),
      fs.call('writeChunk', { uploadId: 'u', offset: 0, data: utf8('x') }),
      fs.call('commitWrite', { uploadId: 'u' }),
      fs.call('abortWrite', { uploadId: 'u' }),
      fs.call('mkdir', { path: 'dir' }),
      fs.call('remove', { path: 'a.txt' }),
      fs.call('rename', { from: 'a.txt', to: 'b.txt' }),
      fs.call('restore', { path: 'a.txt', version }),
    ];
    for (const attempt of attempts) await refused(attempt, 'denied', 'readonly');
    expect(await readdir(root)).toEqual(['a.txt']);
    expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('keep me');
  });

  test('still answers every read', async () => {
    const root = await harness.tempDir();
    await writeFile(join(root, 'a.txt'), 'readable');
    const { fs } = await harness.spawn({ root, readOnly: true });
    await expect(within(fs.call('stat', { path: 'a.txt' }))).resolves.toMatchObject({ version: sha256('readable') });
    await expect(within(fs.call('list', { path: '' }))).resolves.toMatchObject({ entries: [{ name: 'a.txt' }] });
    expect(Buffer.from(await within(fs.call('read', { path: 'a.txt' }))).toString()).toBe('readable');
    await expect(within(fs.call('versions', { path: 'a.txt' }))).resolves.toEqual([]);
    await expect(within(fs.call('config', {}))).resolves.toMatchObject({ readOnly: true });
  });
});
