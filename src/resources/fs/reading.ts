/**
 * The members that read: `stat`, `list`, `read` and `readStream`. None takes the mutation lock:
 * writes replace files by rename, so an open file is always one whole version.
 */
import { constants, type BigIntStats, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsContext } from './context.js';
import { fsError, fromFsError, onPath } from './errors.js';
import { READ_FLAGS } from './hash.js';
import { MAX_CHUNK_BYTES, STREAM_CHUNK_BYTES, type DirEntry, type FileStat, type FileType, type ListResult, type ReadChunk } from './interface.js';
import { isReservedName, type ResolvedPath } from './paths.js';

/** Default page size of `list`. */
export const DEFAULT_LIST_LIMIT = 1000;

// O_NONBLOCK: opening a fifo for reading would otherwise wait for a writer forever.
const OPEN_FLAGS = READ_FLAGS | constants.O_NONBLOCK;

function typeOf(stats: Stats | BigIntStats): FileType {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : 'other';
}

/** Opens a regular file for reading; refuses directories and anything else. */
export async function openFile(resolved: ResolvedPath): Promise<FileHandle> {
  const handle = await open(resolved.real, OPEN_FLAGS);
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (stats.isFile()) return handle;
  await handle.close();
  const path = resolved.path;
  if (stats.isDirectory()) throw fsError('isdir', `${JSON.stringify(path)} is a directory`, { path });
  throw fsError('notfile', `${JSON.stringify(path)} is not a regular file`, { path });
}

/** Refuses to go on when `ifVersion` is given and the open file has another version. */
async function checkVersion(ctx: FsContext, handle: FileHandle, path: string, ifVersion: string | undefined): Promise<void> {
  if (ifVersion === undefined) return;
  const { version } = await ctx.cache.versionOf(handle);
  if (version !== ifVersion) throw fsError('stale', `${JSON.stringify(path)} has changed: its version is no longer ${ifVersion.slice(0, 12)}…`, { path, expected: ifVersion, actual: version });
}

/** `stat` of a resolved path. A symlink left unresolved (remove/rename) is `other`, without a version. */
export async function statOf(ctx: FsContext, resolved: ResolvedPath): Promise<FileStat> {
  const { path } = resolved;
  const link = await lstat(resolved.real);
  if (!link.isFile()) return { path, type: typeOf(link), size: link.isDirectory() ? 0 : link.size, mtime: Math.floor(link.mtimeMs), version: null };
  const handle = await openFile(resolved);
  try {
    // The stats that come with the version describe the very bytes that were hashed.
    const { version, stats } = await ctx.cache.versionOf(handle);
    return { path, type: 'file', size: Number(stats.size), mtime: Number(stats.mtimeMs), version };
  } finally {
    await handle.close();
  }
}

/** `stat`. */
export async function stat(ctx: FsContext, args: { path: string }): Promise<FileStat> {
  const resolved = await ctx.confinement.resolve(args.path);
  return onPath(resolved.path, () => statOf(ctx, resolved));
}

/**
 * One entry of a listing. A symlink is described by its target when that is inside the root,
 * and as `other` with the link's own times otherwise: the size and times of a file outside the
 * root are not ours to tell.
 */
async function entryOf(ctx: FsContext, dir: string, name: string): Promise<DirEntry | undefined> {
  const full = join(dir, name);
  try {
    let stats = await lstat(full);
    if (stats.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined);
      if (target !== undefined && ctx.confinement.admits(target)) stats = await lstat(target);
    }
    return { name, type: stats.isSymbolicLink() ? 'other' : typeOf(stats), size: stats.isFile() ? stats.size : 0, mtime: Math.floor(stats.mtimeMs) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed while listing
    throw error;
  }
}

/** `list`: entries sorted by name (UTF-16 order), after `after`, at most `limit`. */
export async function list(ctx: FsContext, args: { path: string; after?: string; limit?: number }): Promise<ListResult> {
  const resolved = await ctx.confinement.resolve(args.path);
  const limit = args.limit ?? DEFAULT_LIST_LIMIT;
  return onPath(resolved.path, async () => {
    const names = (await readdir(resolved.real))
      .filter((name) => !isReservedName(name) && (args.after === undefined || name > args.after))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const page = names.slice(0, limit);
    const entries: DirEntry[] = [];
    // A few stats at a time: enough to hide latency, few enough not to exhaust file descriptors.
    for (let i = 0; i < page.length; i += 32) {
      const batch = await Promise.all(page.slice(i, i + 32).map((name) => entryOf(ctx, resolved.real, name)));
      for (const entry of batch) if (entry) entries.push(entry);
    }
    return { entries, truncated: names.length > limit };
  });
}

/** Reads up to `length` bytes at `position`, fewer only at the end of the file. */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** `read`: up to `length` bytes from `offset` (empty at or past the end). */
export async function read(ctx: FsContext, args: { path: string; offset?: number; length?: number; ifVersion?: string }): Promise<Uint8Array> {
  const resolved = await ctx.confinement.resolve(args.path);
  return onPath(resolved.path, async () => {
    const handle = await openFile(resolved);
    try {
      await checkVersion(ctx, handle, resolved.path, args.ifVersion);
      const offset = args.offset ?? 0;
      const { size } = await handle.stat();
      const length = Math.min(args.length ?? MAX_CHUNK_BYTES, Math.max(0, size - offset));
      return await readAt(handle, offset, length);
    } finally {
      await handle.close();
    }
  });
}

/**
 * `readStream`: the file from `from` in chunks. The stream machinery pulls the next chunk only
 * while the consumer has credit, so at most `credit` chunks are in memory; a cancelled stream
 * returns the generator, which closes the file.
 */
export async function* readStream(
  ctx: FsContext,
  args: { path: string; from?: number; length?: number; chunkSize?: number; ifVersion?: string },
): AsyncGenerator<ReadChunk> {
  let path = args.path;
  let handle: FileHandle | undefined;
  try {
    const resolved = await ctx.confinement.resolve(args.path);
    path = resolved.path;
    handle = await openFile(resolved);
    await checkVersion(ctx, handle, path, args.ifVersion);
    const chunkSize = args.chunkSize ?? STREAM_CHUNK_BYTES;
    const end = args.length === undefined ? Infinity : (args.from ?? 0) + args.length;
    for (let offset = args.from ?? 0; offset < end; ) {
      const data = await readAt(handle, offset, Math.min(chunkSize, end - offset));
      if (data.byteLength === 0) return;
      yield { offset, data };
      offset += data.byteLength;
    }
  } catch (error) {
    throw fromFsError(error, path); // a GlowError ends the stream; anything else is a bug
  } finally {
    await handle?.close();
  }
}
