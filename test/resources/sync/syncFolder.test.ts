import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_BLOCK_SIZE } from '../../../src/resources/sync/blocks.js';
import { isConflictCopy } from '../../../src/resources/sync/conflictName.js';
import { SyncFolder, type SyncPeer } from '../../../src/resources/sync/syncFolder.js';

const folders: SyncFolder[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => folder.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function replica(name: string, options: { watch?: boolean } = {}): Promise<SyncFolder> {
  const dir = await mkdtemp(join(tmpdir(), `glow-sync-${name}-`));
  dirs.push(dir);
  const folder = await SyncFolder.open(dir, 'folder-1', { watch: options.watch ?? false, stableMs: 0 });
  folders.push(folder);
  return folder;
}

/** `folder` as a peer reached directly, counting the block bytes it serves. */
function peerOf(folder: SyncFolder): SyncPeer & { served: number } {
  const peer = {
    served: 0,
    changes: async (since: Parameters<SyncPeer['changes']>[0], limit: number) => folder.changes(since, limit),
    reconcile: async (message: Parameters<SyncPeer['reconcile']>[0]) => folder.reconcile(message),
    position: async () => folder.position(),
    block: async (hash: string) => {
      const bytes = await folder.block(hash);
      if (bytes) peer.served += bytes.length;
      return bytes;
    },
  };
  return peer;
}

const text = (folder: SyncFolder, path: string) => readFile(join(folder.disk.root, path), 'utf8');
const put = async (folder: SyncFolder, path: string, data: string | Uint8Array) => {
  await mkdir(join(folder.disk.root, path, '..'), { recursive: true });
  await writeFile(join(folder.disk.root, path), data);
};
const files = async (folder: SyncFolder) => {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.glow-')) continue;
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else out.push(`${prefix}${entry.name}`);
    }
  };
  await walk(folder.disk.root, '');
  return out.sort();
};

describe('a synced folder on disk', () => {
  it('joins with no shared history by reconciliation, then catches up by cursor', async () => {
    const laptop = await replica('laptop');
    for (let i = 0; i < 40; i++) await put(laptop, `docs/note-${i}.txt`, `note ${i}`);
    await laptop.scan();
    const phone = await replica('phone');
    const first = await phone.pullFrom(laptop.identity.replica, peerOf(laptop));
    expect(first.adopted).toBe(40);
    expect(await files(phone)).toEqual(await files(laptop));
    expect(await text(phone, 'docs/note-7.txt')).toBe('note 7');

    await put(laptop, 'docs/note-7.txt', 'edited');
    await rm(join(laptop.disk.root, 'docs/note-8.txt'));
    await laptop.scan();
    const changes = laptop.changes({ epoch: laptop.identity.epoch, seq: first.adopted === 40 ? laptop.position().seq - 2 : 0 });
    expect(changes.records.map((r) => r.path).sort()).toEqual(['docs/note-7.txt', 'docs/note-8.txt']);
    const second = await phone.pullFrom(laptop.identity.replica, peerOf(laptop));
    expect(second).toMatchObject({ adopted: 2, failed: [], missing: [] });
    expect(await text(phone, 'docs/note-7.txt')).toBe('edited');
    expect(await files(phone)).not.toContain('docs/note-8.txt');
    // The deleted and the replaced contents are in the phone's version store.
    expect(phone.status()).toMatchObject({ files: 39 });
  });

  it('keeps what a peer replaces or deletes in the version store by moving it there: the same file, not a copy', async () => {
    const laptop = await replica('laptop');
    await put(laptop, 'a.txt', 'first a');
    await put(laptop, 'b.txt', 'first b');
    await laptop.scan();
    const phone = await replica('phone');
    await phone.pullFrom(laptop.identity.replica, peerOf(laptop));
    const before = { a: await stat(join(phone.disk.root, 'a.txt')), b: await stat(join(phone.disk.root, 'b.txt')) };
    await put(laptop, 'a.txt', 'second a');
    await rm(join(laptop.disk.root, 'b.txt'));
    await laptop.scan();
    expect(await phone.pullFrom(laptop.identity.replica, peerOf(laptop))).toMatchObject({ adopted: 2, failed: [] });
    expect(await text(phone, 'a.txt')).toBe('second a');
    const objects = join(phone.disk.root, '.glow-versions', 'objects');
    const kept = new Map<number, string>();
    for (const shard of await readdir(objects)) {
      for (const name of await readdir(join(objects, shard))) kept.set((await stat(join(objects, shard, name))).ino, await readFile(join(objects, shard, name), 'utf8'));
    }
    expect(kept.get(before.a.ino)).toBe('first a');
    expect(kept.get(before.b.ino)).toBe('first b');
    expect(await phone.disk.store.list('a.txt')).toMatchObject([{ removed: false }]);
    expect(await phone.disk.store.list('b.txt')).toMatchObject([{ removed: true }]);
  });

  it('keeps both sides of concurrent edits as files, on both replicas', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    await put(a, 'plan.txt', 'base');
    await a.scan();
    await b.pullFrom(a.identity.replica, peerOf(a));
    await put(b, 'plan.txt', 'edit on b');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(b.disk.root, 'plan.txt'), past, past); // b's edit is the older one
    await put(a, 'plan.txt', 'edit on a');
    await a.scan();
    await b.scan();
    await b.pullFrom(a.identity.replica, peerOf(a));
    await a.pullFrom(b.identity.replica, peerOf(b));
    for (const r of [a, b]) {
      expect(await text(r, 'plan.txt')).toBe('edit on a');
      const copies = (await files(r)).filter(isConflictCopy);
      expect(copies).toHaveLength(1);
      expect(copies[0]).toMatch(new RegExp(`^plan\\.sync-conflict-\\d{8}-\\d{6}-${b.identity.replica.slice(0, 7)}\\.txt$`));
      expect(await text(r, copies[0]!)).toBe('edit on b');
      expect(r.status().conflicts).toEqual(copies);
    }
  });

  it('moves no data for a rename and fetches only changed blocks of a large file', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const big = randomBytes(16 * MIN_BLOCK_SIZE);
    await put(a, 'video.bin', big);
    await a.scan();
    const peer = peerOf(a);
    await b.pullFrom(a.identity.replica, peer);
    expect(peer.served).toBe(big.length);
    await mkdir(join(a.disk.root, 'films'));
    await rename(join(a.disk.root, 'video.bin'), join(a.disk.root, 'films/video.bin'));
    await a.scan();
    const moved = await b.pullFrom(a.identity.replica, peer);
    expect(moved).toMatchObject({ fetchedBytes: 0, reusedBytes: big.length });
    expect(peer.served).toBe(big.length);
    expect(await files(b)).toEqual(['films/video.bin']);
    expect((await readFile(join(b.disk.root, 'films/video.bin'))).equals(big)).toBe(true);

    const edited = Buffer.from(big);
    edited.fill(1, 5 * MIN_BLOCK_SIZE, 5 * MIN_BLOCK_SIZE + 100);
    await put(a, 'films/video.bin', edited);
    await a.scan();
    const patched = await b.pullFrom(a.identity.replica, peer);
    expect(patched.fetchedBytes).toBe(MIN_BLOCK_SIZE);
    expect((await readFile(join(b.disk.root, 'films/video.bin'))).equals(edited)).toBe(true);
  });

  it('never shows a partial file, and resumes a transfer that was cut off', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const big = randomBytes(32 * MIN_BLOCK_SIZE);
    await put(a, 'big.bin', big);
    await a.scan();
    const real = peerOf(a);
    let served = 0;
    const cut: SyncPeer = {
      ...real,
      block: async (hash) => {
        if (served >= 12) throw new Error('link dropped');
        // While blocks arrive the file is not there at all.
        await expect(stat(join(b.disk.root, 'big.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
        served++;
        return real.block(hash);
      },
    };
    const failed = await b.pullFrom(a.identity.replica, cut);
    expect(failed.adopted).toBe(0);
    expect(await files(b)).toEqual([]);
    const resumed = await b.pullFrom(a.identity.replica, real);
    expect(resumed.adopted).toBe(1);
    expect(b.disk.resumedBytes).toBeGreaterThanOrEqual(8 * MIN_BLOCK_SIZE);
    expect(resumed.fetchedBytes).toBeLessThanOrEqual(big.length - b.disk.resumedBytes);
    expect((await readFile(join(b.disk.root, 'big.bin'))).equals(big)).toBe(true);
  });

  it('does not overwrite a file changed here since the last scan; the scan makes it a conflict instead', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    await put(a, 'x.txt', 'one');
    await a.scan();
    await b.pullFrom(a.identity.replica, peerOf(a));
    await put(a, 'x.txt', 'two from a');
    await a.scan();
    await put(b, 'x.txt', 'unscanned edit on b');
    const report = await b.pullFrom(a.identity.replica, peerOf(a));
    expect(report.failed.map((f) => f.record.path)).toEqual(['x.txt']);
    expect(await text(b, 'x.txt')).toBe('unscanned edit on b');
    await b.scan();
    await b.pullFrom(a.identity.replica, peerOf(a));
    const contents = await Promise.all((await files(b)).map((path) => text(b, path)));
    expect(contents.sort()).toEqual(['two from a', 'unscanned edit on b']);
  });

  it('leaves out what .glowignore names, both ways', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    await put(a, '.glowignore', '*.tmp\nbuild/\n');
    await put(a, 'keep.txt', 'k');
    await put(a, 'scratch.tmp', 't');
    await put(a, 'build/out.o', 'o');
    await a.scan();
    expect([...a.replica.index.records()].map((r) => r.path)).toEqual(['keep.txt']);
    await put(b, '.glowignore', 'keep.txt\n');
    await b.scan();
    await b.pullFrom(a.identity.replica, peerOf(a));
    expect(await files(b)).toEqual(['.glowignore']);
  });

  it('notices a change by watching, without a scan being asked for', async () => {
    const a = await replica('a', { watch: true });
    const changed = new Promise<void>((resolve) => a.onChange(resolve));
    await put(a, 'watched.txt', 'seen');
    await changed;
    expect(a.replica.index.get('watched.txt')).toMatchObject({ deleted: false, size: 4 });
  });

  it('keeps its index, identity and cursors across a restart', async () => {
    const a = await replica('a');
    const b = await replica('b');
    await put(a, 'f.txt', 'x');
    await a.scan();
    await b.pullFrom(a.identity.replica, peerOf(a));
    const root = b.disk.root;
    const identity = b.identity;
    await b.close();
    folders.splice(folders.indexOf(b), 1);
    const again = await SyncFolder.open(root, 'folder-1', { watch: false, stableMs: 0 });
    folders.push(again);
    expect(again.identity).toEqual(identity);
    expect(again.replica.index.get('f.txt')).toMatchObject({ deleted: false });
    // Nothing changed on disk: the scan at open recorded nothing new.
    expect(again.position().seq).toBe(1);
    await expect(SyncFolder.open(root, 'another-folder', { watch: false })).rejects.toThrow(/another synced folder/);
  });
});

test('takes many copies of the same content at once, each whole', async () => {
  const [a, b] = [await replica('a'), await replica('b')];
  const same = randomBytes(3 * MIN_BLOCK_SIZE);
  for (let i = 0; i < 20; i++) await put(a, `copies/c${i}.bin`, same);
  await a.scan();
  const report = await b.pullFrom(a.identity.replica, peerOf(a));
  expect(report).toMatchObject({ adopted: 20, failed: [], missing: [] });
  for (let i = 0; i < 20; i++) expect((await readFile(join(b.disk.root, `copies/c${i}.bin`))).equals(same)).toBe(true);
  expect(await readdir(join(b.disk.root, '.glow-sync', 'partial'))).toEqual([]);
});
