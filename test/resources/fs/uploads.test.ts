/**
 * Upload sessions (src/resources/fs/uploads.ts): large content in chunks, invisible until the
 * commit; ifVersion at begin and at commit; gaps, sizes, aborts and limits; and a process that
 * dies mid-upload — ended in-process, and a real OS process killed with SIGKILL — leaving the old
 * content whole and a temporary file the next start deletes.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MAX_CHUNK_BYTES } from '../../../src/resources/fs/index.js';
import { refused, text, utf8, useFs, within, type FsRef } from './helpers.js';

const harness = useFs();
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const UPLOADER = new URL('./fixtures/uploader.ts', import.meta.url).pathname;

const temps = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('.glow-tmp-'));

/** Uploads `content` in chunks of at most 1 MiB; answers the upload id (not committed). */
async function upload(fs: FsRef, path: string, content: Buffer, ifVersion?: string | null): Promise<string> {
  const { uploadId } = await within(fs.call('beginWrite', { path, ifVersion }));
  for (let offset = 0; offset < content.length; offset += MAX_CHUNK_BYTES) {
    const { received } = await within(fs.call('writeChunk', { uploadId, offset, data: content.subarray(offset, offset + MAX_CHUNK_BYTES) }));
    expect(received).toBe(Math.min(content.length, offset + MAX_CHUNK_BYTES));
  }
  return uploadId;
}

test('uploads a file larger than a packet in chunks; nothing shows until the commit', async () => {
  const { fs, root } = await harness.spawn();
  await writeFile(join(root, 'big.bin'), 'old');
  const content = randomBytes(5 * MAX_CHUNK_BYTES + 123);
  const uploadId = await upload(fs, 'big.bin', content);
  expect(text(await within(fs.call('read', { path: 'big.bin' })))).toBe('old');
  expect((await within(fs.call('list', { path: '' }))).entries.map((entry) => entry.name)).toEqual(['big.bin']);
  const committed = await within(fs.call('commitWrite', { uploadId, size: content.length }));
  expect(committed).toMatchObject({ path: 'big.bin', size: content.length, version: sha256(content) });
  expect((await readFile(join(root, 'big.bin'))).equals(content)).toBe(true);
  expect(await temps(root)).toEqual([]);
  expect(await within(fs.call('versions', { path: 'big.bin' }))).toMatchObject([{ version: sha256('old') }]);
  await refused(fs.call('writeChunk', { uploadId, offset: 0, data: utf8('late') }), 'failed', 'noupload');
});

test('accepts a chunk sent again (a retry) and hashes the result right; refuses a gap with failed/offset', async () => {
  const { fs, root } = await harness.spawn();
  const { uploadId } = await within(fs.call('beginWrite', { path: 'f.txt' }));
  await within(fs.call('writeChunk', { uploadId, offset: 0, data: utf8('hello ') }));
  await refused(fs.call('writeChunk', { uploadId, offset: 10, data: utf8('gap') }), 'failed', 'offset');
  await within(fs.call('writeChunk', { uploadId, offset: 6, data: utf8('wrold') }));
  await within(fs.call('writeChunk', { uploadId, offset: 6, data: utf8('world') })); // fixed by a retry
  await refused(fs.call('commitWrite', { uploadId, size: 99 }), 'failed', 'offset'); // the session stays open
  await expect(within(fs.call('commitWrite', { uploadId, size: 11 }))).resolves.toMatchObject({ version: sha256('hello world') });
  expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('hello world');
});

test('checks ifVersion at begin and again at commit, where a write in between makes it stale', async () => {
  const { fs, root } = await harness.spawn();
  const base = await within(fs.call('write', { path: 'a.txt', data: utf8('base') }));
  await refused(fs.call('beginWrite', { path: 'a.txt', ifVersion: sha256('other') }), 'failed', 'stale');
  const uploadId = await upload(fs, 'a.txt', Buffer.from('from the upload'), base.version);
  await within(fs.call('write', { path: 'a.txt', data: utf8('sneaked in') }));
  await refused(fs.call('commitWrite', { uploadId }), 'failed', 'stale');
  expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('sneaked in');
  expect(await temps(root)).toEqual([]);
});

test('aborts an upload, deleting its temporary file', async () => {
  const { fs, root } = await harness.spawn();
  const uploadId = await upload(fs, 'a.txt', Buffer.from('never'));
  expect(await temps(root)).toHaveLength(1);
  await expect(within(fs.call('abortWrite', { uploadId }))).resolves.toEqual({ aborted: true });
  await expect(within(fs.call('abortWrite', { uploadId }))).resolves.toEqual({ aborted: false });
  expect(await temps(root)).toEqual([]);
  await refused(fs.call('commitWrite', { uploadId }), 'failed', 'noupload');
  await refused(fs.call('stat', { path: 'a.txt' }), 'failed', 'notfound');
});

test('refuses uploads beyond maxUploads with busy, and drops idle ones when a new one begins', async () => {
  let clock = 0;
  const { fs, root } = await harness.spawn({}, { now: () => clock, uploads: { maxUploads: 2, idleMs: 1000 } });
  const first = await within(fs.call('beginWrite', { path: 'a' }));
  clock = 600;
  await within(fs.call('beginWrite', { path: 'b' }));
  await refused(fs.call('beginWrite', { path: 'c' }), 'busy', 'uploads');
  clock = 1200; // the first is idle past 1000 ms, the second is not
  await within(fs.call('beginWrite', { path: 'c' }));
  await refused(fs.call('writeChunk', { uploadId: first.uploadId, offset: 0, data: utf8('x') }), 'failed', 'noupload');
  expect(await temps(root)).toHaveLength(2);
});

test('a process ended between beginWrite and commit leaves the old content whole; the next start deletes the temporary file', async () => {
  const first = await harness.spawn();
  await writeFile(join(first.root, 'a.txt'), 'old content');
  await upload(first.fs, 'a.txt', randomBytes(3 * MAX_CHUNK_BYTES));
  await within(first.fs.call('terminate', {}));
  expect(await readFile(join(first.root, 'a.txt'), 'utf8')).toBe('old content');
  expect(await temps(first.root)).toHaveLength(1);
  const second = await harness.spawn({ root: first.root });
  expect(await temps(first.root)).toEqual([]);
  expect(text(await within(second.fs.call('read', { path: 'a.txt' })))).toBe('old content');
});

test('an OS process SIGKILLed mid-upload leaves the old content whole; the next start deletes the temporary file', async () => {
  const root = await harness.tempDir();
  const old = randomBytes(2 * MAX_CHUNK_BYTES);
  await writeFile(join(root, 'big.bin'), old);
  const child = spawn(process.execPath, ['--import', 'tsx', UPLOADER, root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    const progressed = new Promise<number>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (Number(line) >= 8 * MAX_CHUNK_BYTES) resolve(Number(line));
      });
    });
    await within(progressed, 30_000, 'the child to upload 8 MiB');
    child.kill('SIGKILL');
    expect(await within(exited, 5000, 'the child to die')).toBe('SIGKILL');
  } finally {
    child.kill('SIGKILL');
    child.stdin?.destroy();
  }
  expect(sha256(await readFile(join(root, 'big.bin')))).toBe(sha256(old));
  const [leftover] = await temps(root);
  expect(leftover).toBeDefined();
  expect((await stat(join(root, leftover!))).size).toBeGreaterThanOrEqual(8 * MAX_CHUNK_BYTES);
  const { fs } = await harness.spawn({ root });
  expect(await temps(root)).toEqual([]);
  await expect(within(fs.call('stat', { path: 'big.bin' }))).resolves.toMatchObject({ size: old.length, version: sha256(old) });
}, 45_000);
