/**
 * The version store (src/resources/fs/versions.ts): every write and remove keeps the replaced
 * content, deduplicated by version; versions lists them; restore brings one back; retention
 * bounds them by count and age (with an injected clock); the store survives a restart.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { refused, text, utf8, useFs, within, type FsRef } from './helpers.js';

const harness = useFs();
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The content files of a version store. */
async function objectsIn(store: string): Promise<string[]> {
  const names: string[] = [];
  for (const shard of await readdir(join(store, 'objects'))) names.push(...(await readdir(join(store, 'objects', shard))));
  return names.sort();
}

async function writeAll(fs: FsRef, path: string, contents: string[]): Promise<void> {
  for (const content of contents) await within(fs.call('write', { path, data: utf8(content) }));
}

test('keeps every replaced content, newest first, with size and time', async () => {
  let clock = 1_000_000;
  const { fs } = await harness.spawn({}, { now: () => clock++ });
  await writeAll(fs, 'a.txt', ['one', 'three', 'fifth'].map((word, i) => word.repeat(i + 1)));
  expect(await within(fs.call('versions', { path: 'a.txt' }))).toEqual([
    { version: sha256('threethree'), size: 10, time: 1_000_001, removed: false },
    { version: sha256('one'), size: 3, time: 1_000_000, removed: false },
  ]);
  await expect(within(fs.call('versions', { path: 'never-written' }))).resolves.toEqual([]);
});

test('does not add a version when the same bytes are written again', async () => {
  const { fs } = await harness.spawn();
  await writeAll(fs, 'a.txt', ['same', 'same', 'same']);
  await expect(within(fs.call('versions', { path: 'a.txt' }))).resolves.toEqual([]);
});

test('stores each content once, however many paths and times keep it', async () => {
  const { fs, root } = await harness.spawn();
  await writeAll(fs, 'a.txt', ['A', 'B', 'A', 'B', 'final']);
  await writeAll(fs, 'b.txt', ['A', 'B', 'final']);
  expect((await within(fs.call('versions', { path: 'a.txt' }))).length).toBe(4);
  expect(await objectsIn(join(root, '.glow-versions'))).toEqual([sha256('A'), sha256('B')].sort());
});

test('restores a previous content, keeping the current one as a version', async () => {
  const { fs, root } = await harness.spawn();
  await writeAll(fs, 'a.txt', ['first', 'second']);
  const restored = await within(fs.call('restore', { path: 'a.txt', version: sha256('first') }));
  expect(restored).toMatchObject({ path: 'a.txt', size: 5, version: sha256('first') });
  expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('first');
  expect((await within(fs.call('versions', { path: 'a.txt' }))).map((entry) => entry.version)).toEqual([sha256('second'), sha256('first')]);
});

test('brings a removed file back', async () => {
  const { fs } = await harness.spawn();
  await writeAll(fs, 'a.txt', ['precious']);
  await within(fs.call('remove', { path: 'a.txt' }));
  const [entry] = await within(fs.call('versions', { path: 'a.txt' }));
  expect(entry).toMatchObject({ version: sha256('precious'), removed: true });
  await within(fs.call('restore', { path: 'a.txt', version: entry!.version }));
  expect(text(await within(fs.call('read', { path: 'a.txt' })))).toBe('precious');
});

test("refuses a version that is not in the path's own history with failed/notfound", async () => {
  const { fs } = await harness.spawn();
  await writeAll(fs, 'a.txt', ['secret of a', 'now']);
  await writeAll(fs, 'b.txt', ['b']);
  await refused(fs.call('restore', { path: 'b.txt', version: sha256('secret of a') }), 'failed', 'notfound');
  await refused(fs.call('restore', { path: 'a.txt', version: sha256('never existed') }), 'failed', 'notfound');
  expect((await within(fs.call('restore', { path: 'x', version: 'not-a-hash' }).catch((error) => error))).code).toBe('badarg');
});

test('keeps at most maxVersions per path and deletes contents nothing refers to', async () => {
  const { fs, root } = await harness.spawn({ retention: { maxVersions: 2 } });
  await writeAll(fs, 'a.txt', ['v1', 'v2', 'v3', 'v4', 'v5']);
  expect((await within(fs.call('versions', { path: 'a.txt' }))).map((entry) => entry.version)).toEqual([sha256('v4'), sha256('v3')]);
  expect(await objectsIn(join(root, '.glow-versions'))).toEqual([sha256('v3'), sha256('v4')].sort());
  await expect(within(fs.call('config', {}))).resolves.toEqual({ readOnly: false, maxChunkBytes: 1024 * 1024, retention: { maxVersions: 2, maxAgeMs: null } });
});

test('drops versions older than maxAgeMs (by the injected clock)', async () => {
  let clock = 0;
  const { fs, root } = await harness.spawn({ retention: { maxAgeMs: 1000 } }, { now: () => clock });
  await writeAll(fs, 'a.txt', ['old', 'mid']);
  clock = 900;
  await writeAll(fs, 'a.txt', ['new']);
  expect((await within(fs.call('versions', { path: 'a.txt' }))).map((entry) => entry.version)).toEqual([sha256('mid'), sha256('old')]);
  clock = 1500; // "old" was replaced at 0: past its age now; "mid" at 900 is not
  expect((await within(fs.call('versions', { path: 'a.txt' }))).map((entry) => entry.version)).toEqual([sha256('mid')]);
  await writeAll(fs, 'a.txt', ['newest']); // the next change of the path prunes the file too
  expect(await objectsIn(join(root, '.glow-versions'))).not.toContain(sha256('old'));
});

test('maxVersions 0 keeps no history at all', async () => {
  const { fs } = await harness.spawn({ retention: { maxVersions: 0 } });
  await writeAll(fs, 'a.txt', ['1', '2']);
  await expect(within(fs.call('versions', { path: 'a.txt' }))).resolves.toEqual([]);
});

test('the history survives a restart of the export, and unreferenced contents are collected at start', async () => {
  const first = await harness.spawn();
  await writeAll(first.fs, 'a.txt', ['kept', 'current']);
  const stray = join(first.root, '.glow-versions', 'objects', 'ff', 'f'.repeat(64));
  await mkdir(dirname(stray), { recursive: true });
  await writeFile(stray, 'left by a crash');
  const second = await harness.spawn({ root: first.root });
  expect((await within(second.fs.call('versions', { path: 'a.txt' }))).map((entry) => entry.version)).toEqual([sha256('kept')]);
  expect(await objectsIn(join(first.root, '.glow-versions'))).toEqual([sha256('kept')]);
}, 10_000);

test('lives outside the root with versionsDir, and refuses a versionsDir inside the root', async () => {
  const store = await harness.tempDir('glow-fs-store-');
  const { fs, root, node } = await harness.spawn({ versionsDir: store });
  await writeAll(fs, 'a.txt', ['one', 'two']);
  expect(await readdir(root)).toEqual(['a.txt']);
  expect(await objectsIn(store)).toEqual([sha256('one')]);
  const error = await node.spawn('fs', { root, versionsDir: join(root, 'inner') }).catch((failure) => failure);
  expect(error).toMatchObject({ code: 'crashed', message: expect.stringContaining('versionsDir must lie outside the root') });
});
