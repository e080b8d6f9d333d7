/**
 * The reading members of glow.FileSystem/1 (src/resources/fs/reading.ts): stat, list, read and
 * readStream, including flow control over a large file and a consumer that stops early.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { MAX_CHUNK_BYTES, STREAM_CHUNK_BYTES, type ReadChunk } from '../../../src/resources/fs/index.js';
import { waitFor } from '../../helpers/waitFor.js';
import { refused, rejection, text, useFs, within } from './helpers.js';

const harness = useFs();
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** How many file descriptors of this process are open on `file` (Linux: /proc/self/fd). */
async function openDescriptorsOf(file: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === file) count++;
  }
  return count;
}

/** Lets the event loop run `turns` times, so a producer that ignored flow control would run ahead. */
async function idle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('stat', () => {
  test('answers type, size, mtime and the SHA-256 of the content as version', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'hello');
    const before = Date.now();
    const stat = await within(fs.call('stat', { path: 'a.txt' }));
    expect(stat).toEqual({ path: 'a.txt', type: 'file', size: 5, mtime: expect.any(Number), version: sha256('hello') });
    expect(Math.abs(stat.mtime - before)).toBeLessThan(60_000);
  });

  test('answers a directory with no version, and the root as ""', async () => {
    const { fs, root } = await harness.spawn();
    await mkdir(join(root, 'sub'));
    await expect(within(fs.call('stat', { path: 'sub/' }))).resolves.toMatchObject({ path: 'sub', type: 'dir', version: null });
    await expect(within(fs.call('stat', { path: '' }))).resolves.toMatchObject({ path: '', type: 'dir' });
    await expect(within(fs.call('stat', { path: '.' }))).resolves.toMatchObject({ path: '', type: 'dir' });
  });

  test('follows a new version when the file changes on disk', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'one');
    expect((await within(fs.call('stat', { path: 'a.txt' }))).version).toBe(sha256('one'));
    await writeFile(join(root, 'a.txt'), 'two!');
    expect((await within(fs.call('stat', { path: 'a.txt' }))).version).toBe(sha256('two!'));
  });

  test('refuses a missing path with failed/notfound, naming the path', async () => {
    const { fs } = await harness.spawn();
    const error = await refused(fs.call('stat', { path: 'nope/missing.txt' }), 'failed', 'notfound');
    expect(error.message).toContain('nope/missing.txt');
    expect(error.details).toEqual({ reason: 'notfound', path: 'nope/missing.txt' });
  });
});

describe('list', () => {
  test('lists entries sorted by name with type, size and mtime, hiding the version store', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'b.txt'), 'bb');
    await writeFile(join(root, 'a.txt'), 'a');
    await mkdir(join(root, 'dir'));
    await within(fs.call('write', { path: 'c.txt', data: new Uint8Array([1]) }));
    await within(fs.call('write', { path: 'c.txt', data: new Uint8Array([2]) })); // creates .glow-versions
    const { entries, truncated } = await within(fs.call('list', { path: '' }));
    expect(truncated).toBe(false);
    expect(entries).toEqual([
      { name: 'a.txt', type: 'file', size: 1, mtime: expect.any(Number) },
      { name: 'b.txt', type: 'file', size: 2, mtime: expect.any(Number) },
      { name: 'c.txt', type: 'file', size: 1, mtime: expect.any(Number) },
      { name: 'dir', type: 'dir', size: 0, mtime: expect.any(Number) },
    ]);
  });

  test('pages with after and limit', async () => {
    const { fs, root } = await harness.spawn();
    for (const name of ['a', 'b', 'c', 'd', 'e']) await writeFile(join(root, name), name);
    const first = await within(fs.call('list', { path: '', limit: 2 }));
    expect(first.entries.map((entry) => entry.name)).toEqual(['a', 'b']);
    expect(first.truncated).toBe(true);
    const rest = await within(fs.call('list', { path: '', after: 'b', limit: 10 }));
    expect(rest.entries.map((entry) => entry.name)).toEqual(['c', 'd', 'e']);
    expect(rest.truncated).toBe(false);
  });

  test('describes a symlink by its target when it stays inside the root', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'target.txt'), 'twelve bytes');
    await symlink(join(root, 'target.txt'), join(root, 'link'));
    const { entries } = await within(fs.call('list', { path: '' }));
    expect(entries.find((entry) => entry.name === 'link')).toMatchObject({ type: 'file', size: 12 });
  });

  test('refuses a file with failed/notdir and a missing folder with failed/notfound', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'a');
    await refused(fs.call('list', { path: 'a.txt' }), 'failed', 'notdir');
    await refused(fs.call('list', { path: 'missing' }), 'failed', 'notfound');
  });
});

describe('read', () => {
  test('reads a range: offset and length, fewer bytes at the end, none past it', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), '0123456789');
    expect(text(await within(fs.call('read', { path: 'a.txt' })))).toBe('0123456789');
    expect(text(await within(fs.call('read', { path: 'a.txt', offset: 2, length: 3 })))).toBe('234');
    expect(text(await within(fs.call('read', { path: 'a.txt', offset: 8, length: 100 })))).toBe('89');
    expect((await within(fs.call('read', { path: 'a.txt', offset: 50 }))).byteLength).toBe(0);
  });

  test('reads at most 1 MiB per call, and refuses a longer length with badarg', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'big'), Buffer.alloc(MAX_CHUNK_BYTES + 10, 7));
    expect((await within(fs.call('read', { path: 'big' }))).byteLength).toBe(MAX_CHUNK_BYTES);
    expect((await rejection(fs.call('read', { path: 'big', length: MAX_CHUNK_BYTES + 1 }))).code).toBe('badarg');
    expect((await rejection(fs.call('read', { path: 'big', offset: -1 }))).code).toBe('badarg');
  });

  test('refuses a stale ifVersion with failed/stale, and reads with the current one', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'old');
    const error = await refused(fs.call('read', { path: 'a.txt', ifVersion: sha256('other') }), 'failed', 'stale');
    expect(error.details).toMatchObject({ expected: sha256('other'), actual: sha256('old') });
    expect(text(await within(fs.call('read', { path: 'a.txt', ifVersion: sha256('old') })))).toBe('old');
  });

  test('refuses a directory with failed/isdir and a missing file with failed/notfound', async () => {
    const { fs, root } = await harness.spawn();
    await mkdir(join(root, 'sub'));
    await refused(fs.call('read', { path: 'sub' }), 'failed', 'isdir');
    await refused(fs.call('read', { path: 'missing' }), 'failed', 'notfound');
  });
});

describe('readStream', () => {
  let content: Buffer;
  beforeAll(() => {
    content = randomBytes(20 * 1024 * 1024);
  });

  test('streams a 20 MB file whole, in 256 KiB chunks with their offsets', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'big.bin'), content);
    const hash = createHash('sha256');
    let expected = 0;
    await within(
      (async () => {
        for await (const { offset, data } of fs.iterate('readStream', { path: 'big.bin' }, { credit: 8 })) {
          expect(offset).toBe(expected);
          expect(data.byteLength).toBeLessThanOrEqual(STREAM_CHUNK_BYTES);
          hash.update(data);
          expected += data.byteLength;
        }
      })(),
      15_000,
      'streaming 20 MB',
    );
    expect(expected).toBe(content.length);
    expect(hash.digest('hex')).toBe(sha256(content));
  });

  test('runs ahead of a consumer that stops by no more than its credit, and closes the file when cancelled', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'big.bin'), content);
    // Count reads of file handles (only this stream reads while it is open).
    const probe = await open(join(root, 'big.bin'));
    const proto = Object.getPrototypeOf(probe) as { read: () => unknown };
    await probe.close();
    const reads = jest.spyOn(proto, 'read');
    try {
      const iterator = fs.iterate('readStream', { path: 'big.bin' }, { credit: 4 });
      const got: ReadChunk[] = [];
      for (let i = 0; i < 3; i++) got.push((await within(iterator.next())).value as ReadChunk);
      expect(got.map((chunk) => chunk.offset)).toEqual([0, STREAM_CHUNK_BYTES, 2 * STREAM_CHUNK_BYTES]);
      expect(Buffer.from(got[2]!.data).equals(content.subarray(2 * STREAM_CHUNK_BYTES, 3 * STREAM_CHUNK_BYTES))).toBe(true);
      expect(await openDescriptorsOf(join(root, 'big.bin'))).toBe(1);
      await idle();
      // 3 taken + at most 4 in flight (credit) + the batch granted back: far from the 80 chunks.
      expect(reads.mock.calls.length).toBeLessThanOrEqual(3 + 4 + 2 + 1);
      await iterator.return!();
      await waitFor(async () => (await openDescriptorsOf(join(root, 'big.bin'))) === 0, 2000, 'the streamed file to be closed');
      await idle();
      expect(reads.mock.calls.length).toBeLessThan(20);
    } finally {
      reads.mockRestore();
    }
  });

  test('streams a range: from an offset, for a length, in a chosen chunk size', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), '0123456789');
    const chunks: ReadChunk[] = [];
    for await (const chunk of fs.iterate('readStream', { path: 'a.txt', from: 3, length: 5, chunkSize: 2 })) chunks.push(chunk);
    expect(chunks.map((chunk) => [chunk.offset, text(chunk.data)])).toEqual([
      [3, '34'],
      [5, '56'],
      [7, '7'],
    ]);
  });

  test('ends with failed/notfound for a missing file and failed/stale for a stale ifVersion', async () => {
    const { fs, root } = await harness.spawn();
    await writeFile(join(root, 'a.txt'), 'x');
    await refused(fs.iterate('readStream', { path: 'missing' }).next(), 'failed', 'notfound');
    await refused(fs.iterate('readStream', { path: 'a.txt', ifVersion: sha256('y') }).next(), 'failed', 'stale');
  });
});
