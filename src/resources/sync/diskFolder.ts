/**
 * A replica's folder on disk (Node.js): the {@link ReplicaStorage} a daemon's synced folder
 * writes through.
 *
 * - Content arrives in `.glow-sync/partial/<content hash>.<path key>`, block by block at its offset, is
 *   fsynced, checked against its hash and renamed over the file: no reader ever sees half a
 *   file. A partial file outlives a crash; receiving the same content again keeps every block
 *   already there whose bytes hash right, so a killed replica resumes where it stopped.
 * - What a write or delete replaces goes to the FileSystem version store (`.glow-versions`),
 *   where it can be restored, and where renames and peers find its blocks again.
 * - A file changed here since it was last scanned is never overwritten or deleted: the write
 *   fails with {@link LocalChange} and the next scan turns the change into a record, which
 *   meets the peer's as a conflict rather than being lost.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rmdir, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, replaceWith } from '../fs/atomic.js';
import { READ_FLAGS } from '../fs/hash.js';
import { Confinement, VERSIONS_DIR_NAME } from '../fs/paths.js';
import { DEFAULT_MAX_VERSIONS, VersionStore, type RetentionPolicy } from '../fs/versions.js';
import { blockRange, MAX_BLOCK_SIZE } from './blocks.js';
import type { BlockLocator } from './blockLocator.js';
import { contentOfHandle, sha256Hex } from './nodeHash.js';
import type { FileRecord } from './record.js';
import type { ReplicaStorage } from './replica.js';
import { keyOf } from './syncIndex.js';

/** Glow's folder inside a synced folder: index, partial files. Hidden like every `.glow-` name. */
export const SYNC_DIR_NAME = '.glow-sync';

/** The file at a path changed since the last scan: sync leaves it alone until it is scanned. */
export class LocalChange extends Error {
  readonly code = 'busy';
  constructor(readonly path: string) {
    super(`${JSON.stringify(path)} changed here since it was scanned; it is scanned before sync touches it`);
  }
}

/** Options of {@link DiskFolder.open}. */
export interface DiskFolderOptions {
  /** History kept per path. @default 20 versions, no age limit */
  readonly retention?: RetentionPolicy;
  /** Blocks of one file fetched at once. @default 8 */
  readonly parallelBlocks?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What a stat says of a file: enough to tell that it changed. */
type Stamp = { readonly size: number; readonly mtimeMs: number };

/**
 * Files known to hold their record's content: those whose size and time are the record's (sync
 * sets the time of what it writes), and those the scanner hashed to the record's content though
 * their time moved (touched, copied back).
 */
export class KnownFiles {
  private readonly touched = new Map<string, { stamp: string; hash: string }>();

  /** Whether the file at `path`, as `stats` says, is the one `record` describes. */
  matches(path: string, stats: Stamp, record: FileRecord | undefined): boolean {
    if (record === undefined || record.deleted) return false;
    // Within a millisecond: records keep whole milliseconds, and a time set from one reads back
    // as a float a hair on either side of it.
    if (stats.size === record.size && Math.abs(stats.mtimeMs - record.mtime) < 1) return true;
    const known = this.touched.get(path);
    return known !== undefined && known.hash === record.hash && known.stamp === stampOf(stats);
  }

  /** Notes that the file at `path` in the state `stats` says was hashed to `hash`. */
  note(path: string, stats: Stamp, hash: string): void {
    this.touched.set(path, { stamp: stampOf(stats), hash });
  }
}

function stampOf(stats: Stamp): string {
  return `${stats.size}:${stats.mtimeMs}`;
}

/** A synced folder's files on disk. */
export class DiskFolder implements ReplicaStorage {
  /** Bytes of blocks resumed from a partial file rather than fetched again. */
  resumedBytes = 0;
  /** Files known to be what their records say. */
  readonly known = new KnownFiles();
  readonly blockHash = sha256Hex;

  private constructor(
    readonly confinement: Confinement,
    readonly store: VersionStore,
    readonly syncDir: string,
    private readonly records: (path: string) => FileRecord | undefined,
    private readonly locator: BlockLocator,
    private readonly parallel: number,
  ) {}

  /** Opens the folder at `root` (it must exist), creating `.glow-sync` and the version store. */
  static async open(root: string, records: (path: string) => FileRecord | undefined, locator: BlockLocator, options: DiskFolderOptions = {}): Promise<DiskFolder> {
    const confinement = await Confinement.open(root);
    const syncDir = join(confinement.realRoot, SYNC_DIR_NAME);
    await mkdir(join(syncDir, 'partial'), { recursive: true });
    const store = await VersionStore.open(join(confinement.realRoot, VERSIONS_DIR_NAME), options.retention ?? { maxVersions: DEFAULT_MAX_VERSIONS }, { now: options.now ?? Date.now, readOnly: false });
    return new DiskFolder(confinement, store, syncDir, records, locator, options.parallelBlocks ?? 8);
  }

  /** The folder's real root. */
  get root(): string {
    return this.confinement.realRoot;
  }

  async readBlock(hash: string): Promise<Uint8Array | undefined> {
    for (const place of this.locator.places(hash, this.records)) {
      let file: string | undefined;
      if (place.kind === 'file') file = await this.confinement.resolve(place.path).then((resolved) => resolved.real, () => undefined);
      else file = await this.store.anyObject(place.content);
      if (!file) continue;
      const read = await readRange(file, place.offset, place.length, place.kind === 'file').catch(() => undefined);
      if (!read) continue;
      // A file whose size and time are still its record's holds the record's content (the
      // scanner's own test): hashing every block served again cost the sender a second per GiB.
      // Anything else is checked, and a peer checks every block it takes in any case.
      const unchanged = place.kind === 'file' && read.stats !== undefined && this.known.matches(place.path, read.stats, this.records(place.path));
      if (unchanged || sha256Hex(read.bytes) === hash) return read.bytes;
    }
    return undefined;
  }

  async writeFile(record: FileRecord, block: (index: number) => Promise<Uint8Array>, displacedTo?: string): Promise<void> {
    // Named by content and path: two paths taking the same content at once do not share one.
    const partial = join(this.syncDir, 'partial', `${record.hash}.${keyOf(record.path)}`);
    // The mode a new file gets anywhere (0666 less the umask): it becomes the synced file. A new
    // partial file (the usual case) is known empty without a stat; one a crash left is resumed.
    const { handle, have } = await openPartial(partial);
    try {
      let next = 0;
      const worker = async () => {
        while (next < record.blocks.length) {
          const index = next++;
          const { offset, length } = blockRange(record, index);
          if (offset + length <= have) {
            const existing = Buffer.allocUnsafe(length);
            await handle.read(existing, 0, length, offset);
            if (sha256Hex(existing) === record.blocks[index]) {
              this.resumedBytes += length;
              continue;
            }
          }
          // Checked against its hash already (ReplicaStorage.writeFile): hashing 1 GiB twice was
          // a second of the receiver's main thread.
          const data = await block(index);
          if (data.length !== length) throw new Error(`block ${index} of ${JSON.stringify(record.path)} is ${data.length} bytes, not ${length}`);
          await handle.write(data, 0, length, offset);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.parallel, record.blocks.length)) }, worker));
      if (have > record.size) await handle.truncate(record.size);
      await handle.sync();
      // One block is the whole content, and its hash was just checked: reading it back to hash
      // it again would prove nothing more. Several must add up to the record's hash.
      const whole = record.blocks.length === 1 && record.blocks[0] === record.hash;
      const content = whole ? record : await contentOfHandle(handle, record.size);
      if (content.hash !== record.hash) {
        // Blocks that match their hashes but not the record's: a peer's lie. Start afresh next time.
        await handle.close().catch(() => undefined);
        await unlink(partial).catch(() => undefined);
        throw new Error(`${JSON.stringify(record.path)} assembled from its blocks does not hash to its record`);
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    // The path itself, not what a symlink there points at: displace refuses anything but a file.
    const { real } = await this.confinement.resolve(record.path, { follow: false });
    await this.displace(record.path, real, displacedTo);
    await mkdir(dirname(real), { recursive: true });
    await utimes(partial, new Date(record.mtime), new Date(record.mtime));
    await replaceWith(partial, real);
  }

  async deleteFile(path: string): Promise<void> {
    const { real } = await this.confinement.resolve(path, { follow: false });
    const stats = await lstat(real).catch(() => undefined);
    if (!stats) return;
    const current = this.records(path);
    if (!stats.isFile() || !this.known.matches(path, stats, current)) throw new LocalChange(path);
    await this.store.keep(path, real, { version: current!.hash, removed: true, moving: true });
    await unlink(real);
    await fsyncDir(dirname(real));
    await this.pruneEmptyParents(dirname(real));
  }

  /** Moves the file being replaced out of the way: to the conflict copy's name, or into the version store. */
  private async displace(path: string, real: string, displacedTo: string | undefined): Promise<void> {
    const stats = await lstat(real).catch(() => undefined);
    const current = this.records(path);
    if (!stats) {
      if (current && !current.deleted) throw new LocalChange(path); // deleted here, not yet scanned
      return;
    }
    if (!stats.isFile() || !this.known.matches(path, stats, current)) throw new LocalChange(path);
    if (displacedTo === undefined) {
      await this.store.keep(path, real, { version: current!.hash, removed: false, moving: true });
      return;
    }
    const target = await this.confinement.resolve(displacedTo);
    const there = await lstat(target.real).catch(() => undefined);
    if (there) throw new LocalChange(displacedTo);
    await mkdir(dirname(target.real), { recursive: true });
    await rename(real, target.real);
    await fsyncDir(dirname(target.real));
  }

  private async pruneEmptyParents(dir: string): Promise<void> {
    while (dir !== this.root && this.confinement.contains(dir)) {
      if ((await readdir(dir).catch(() => ['?'])).length > 0) return;
      await rmdir(dir).catch(() => undefined);
      dir = dirname(dir);
    }
  }
}

/** Opens (creating) a partial file, with how many bytes it already holds. */
async function openPartial(partial: string): Promise<{ handle: FileHandle; have: number }> {
  try {
    return { handle: await open(partial, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666), have: 0 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const handle = await open(partial, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    return { handle, have: (await handle.stat()).size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * `length` bytes from `offset` of a file (-1: the whole file, if it is at most one block), and
 * when `stamped`, the file's size and time once they were read.
 */
async function readRange(file: string, offset: number, length: number, stamped: boolean): Promise<{ bytes: Uint8Array; stats?: Stamp } | undefined> {
  const handle = await open(file, READ_FLAGS);
  try {
    if (length < 0) {
      const { size } = await handle.stat();
      if (size > MAX_BLOCK_SIZE) return undefined;
      length = size;
    }
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    // After the read: a write that raced it has moved the time by now.
    if (bytesRead !== length) return undefined;
    return stamped ? { bytes: buffer, stats: await handle.stat() } : { bytes: buffer };
  } finally {
    await handle.close();
  }
}
