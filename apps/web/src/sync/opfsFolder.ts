/**
 * A synced folder's files in a browser tab: the {@link ReplicaStorage} of a tab replica, in a
 * directory of the Origin Private File System —
 *
 * - `files/` holds the folder's tree;
 * - `versions/<content hash>` keeps what a write or delete replaced, where it can be restored and
 *   where renames and peers find its blocks again;
 * - `partial/` holds content while it arrives. It is written through a writable stream, which
 *   replaces its file only when closed, checked against the record's hash, and then moved to its
 *   path: no one ever sees half a file.
 *
 * Only the replica writes here (OPFS is private to the origin), so there are no local edits to
 * guard against, as a folder on disk must.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { BlockLocator } from '../../../../src/resources/sync/blockLocator.js';
import { blockHash, blockRange, MAX_BLOCK_SIZE } from '../../../../src/resources/sync/blocks.js';
import type { FileRecord } from '../../../../src/resources/sync/record.js';
import type { ReplicaStorage } from '../../../../src/resources/sync/replica.js';
import { keyOf } from '../../../../src/resources/sync/syncIndex.js';
import { directoryAt, fileAt, isNotFound, move, removeEntry, splitPath } from './opfs.js';

/** Blocks fetched ahead of the one being written. */
const AHEAD = 8;

/** A tab replica's files. */
export class OpfsFolder implements ReplicaStorage {
  private constructor(
    private readonly files: FileSystemDirectoryHandle,
    private readonly versions: FileSystemDirectoryHandle,
    private readonly partial: FileSystemDirectoryHandle,
    private readonly records: (path: string) => FileRecord | undefined,
    private readonly locator: BlockLocator,
  ) {}

  /** Opens the folder kept in `dir` (making its parts), reading records through `records` and blocks' places from `locator`. */
  static async open(dir: FileSystemDirectoryHandle, records: (path: string) => FileRecord | undefined, locator: BlockLocator): Promise<OpfsFolder> {
    const [files, versions, partial] = await Promise.all(['files', 'versions', 'partial'].map((name) => dir.getDirectoryHandle(name, { create: true })));
    // What a closed tab left half-received is fetched again: a partial here is never resumed.
    for await (const name of partial!.keys()) await removeEntry(partial!, name);
    return new OpfsFolder(files!, versions!, partial!, records, locator);
  }

  /** The file at `path`, as the browser reads it (to show or download), or undefined. */
  async file(path: string): Promise<File | undefined> {
    return (await fileAt(this.files, path))?.getFile();
  }

  async readBlock(hash: string): Promise<Uint8Array | undefined> {
    for (const place of this.locator.places(hash, this.records)) {
      const handle = place.kind === 'file' ? await fileAt(this.files, place.path) : await fileAt(this.versions, place.content);
      if (!handle) continue;
      const file = await handle.getFile();
      let { offset, length } = place;
      if (length < 0) {
        if (file.size > MAX_BLOCK_SIZE) continue;
        [offset, length] = [0, file.size];
      }
      const bytes = new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
      if (bytes.length === length && blockHash(bytes) === hash) return bytes;
    }
    return undefined;
  }

  async writeFile(record: FileRecord, block: (index: number) => Promise<Uint8Array>, displacedTo?: string): Promise<void> {
    const name = `${record.hash}.${keyOf(record.path)}`;
    const handle = await this.partial.getFileHandle(name, { create: true });
    const writable = await handle.createWritable({ keepExistingData: false });
    try {
      // Blocks are fetched a few ahead but written and hashed in order: the whole content's hash
      // is checked before anything is replaced.
      const whole = sha256.create();
      const fetching: Promise<Uint8Array>[] = [];
      const fetchUpTo = (last: number) => {
        for (let i = fetching.length; i <= Math.min(last, record.blocks.length - 1); i++) {
          const pending = block(i);
          pending.catch(() => undefined); // awaited in turn below
          fetching.push(pending);
        }
      };
      for (let index = 0; index < record.blocks.length; index++) {
        fetchUpTo(index + AHEAD);
        // Checked against its hash already (ReplicaStorage.writeFile); the whole is checked below.
        const data = await fetching[index]!;
        if (data.length !== blockRange(record, index).length) throw new Error(`block ${index} of ${JSON.stringify(record.path)} is ${data.length} bytes, not ${blockRange(record, index).length}`);
        whole.update(data);
        await writable.write(data as Uint8Array<ArrayBuffer>);
      }
      if (bytesToHex(whole.digest()) !== record.hash) throw new Error(`${JSON.stringify(record.path)} assembled from its blocks does not hash to its record`);
    } catch (error) {
      await writable.abort().catch(() => undefined);
      await removeEntry(this.partial, name);
      throw error;
    }
    await writable.close();
    await this.displace(record.path, displacedTo);
    const { parents, name: base } = splitPath(record.path);
    await move(handle, (await directoryAt(this.files, parents, true))!, base);
  }

  async deleteFile(path: string): Promise<void> {
    await this.displace(path, undefined);
    await this.pruneEmptyParents(splitPath(path).parents);
  }

  /** Moves the file at `path` out of the way: to `displacedTo` (a conflict's losing side), or into the version store. */
  private async displace(path: string, displacedTo: string | undefined): Promise<void> {
    const handle = await fileAt(this.files, path);
    if (!handle) return;
    if (displacedTo !== undefined) {
      const { parents, name } = splitPath(displacedTo);
      await move(handle, (await directoryAt(this.files, parents, true))!, name);
      return;
    }
    const kept = this.records(path)?.hash;
    const { parents, name } = splitPath(path);
    if (!kept || (await fileAt(this.versions, kept))) {
      // Its content is kept already (or it was never a known version): the file itself can go.
      await removeEntry((await directoryAt(this.files, parents, false))!, name);
      return;
    }
    await move(handle, this.versions, kept);
  }

  /** Removes the directories at `segments` and above that a delete left empty. */
  private async pruneEmptyParents(segments: readonly string[]): Promise<void> {
    for (let depth = segments.length; depth > 0; depth--) {
      const parent = await directoryAt(this.files, segments.slice(0, depth - 1), false);
      const dir = await directoryAt(this.files, segments.slice(0, depth), false);
      if (!parent || !dir) return;
      for await (const _ of dir.keys()) return;
      await parent.removeEntry(segments[depth - 1]!).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
  }
}
