/**
 * The members that change files: `write`, `mkdir`, `remove`, `rename`, `restore`, and the commit
 * step uploads share. Each runs under the mutation lock, so "check `ifVersion`, keep the old
 * content, rename" is one step that no other mutation of this export interleaves with.
 *
 * `ifVersion` (optimistic concurrency): a version string means "only if the file still has this
 * content", `null` means "only if nothing is there yet". A mismatch is refused with `failed`,
 * `details: { reason: 'stale', expected, actual }` and nothing changes.
 */
import { chmod, copyFile, lstat, mkdir as makeDir, open, readdir, rename as move, rm, rmdir, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir, replaceWith } from './atomic.js';
import { assertWritable, type FsContext } from './context.js';
import { fsError, onPath } from './errors.js';
import { versionOf } from './hash.js';
import type { FileStat } from './interface.js';
import { isReservedName, type ResolvedPath } from './paths.js';
import { openFile, statOf } from './reading.js';

/** What a path holds now: its version and mode, or undefined when nothing is there. */
export async function currentOf(ctx: FsContext, target: ResolvedPath): Promise<{ version: string; mode: number } | undefined> {
  const handle = await openFile(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    const { version, stats } = await ctx.cache.versionOf(handle);
    return { version, mode: Number(stats.mode) };
  } finally {
    await handle.close();
  }
}

/** Refuses a stale `ifVersion` (see the module comment). */
export function checkIfVersion(path: string, ifVersion: string | null | undefined, actual: string | undefined): void {
  if (ifVersion === undefined || ifVersion === (actual ?? null)) return;
  const expected = ifVersion === null ? 'that it does not exist' : `version ${ifVersion.slice(0, 12)}…`;
  throw fsError('stale', `${JSON.stringify(path)} has changed: the caller expected ${expected}`, { path, expected: ifVersion, actual: actual ?? null });
}

/** Refuses the root as the target of a file operation, and creates the target's missing folders. */
export async function prepareFileTarget(target: ResolvedPath): Promise<string> {
  if (target.relative === '') throw fsError('isdir', 'the export root is a directory', { path: target.path });
  const dir = dirname(target.real);
  await makeDir(dir, { recursive: true });
  return dir;
}

/**
 * Puts a temporary file (already fsynced, holding content of `version`) in place of `target`:
 * checks `ifVersion`, keeps the current content as a version, renames. Call under the lock.
 * The temporary file is gone afterwards, whatever happens.
 */
export async function commitTemp(ctx: FsContext, target: ResolvedPath, temp: string, version: string, ifVersion?: string | null): Promise<FileStat> {
  try {
    const current = await currentOf(ctx, target);
    checkIfVersion(target.path, ifVersion, current?.version);
    if (current?.version === version) {
      await ctx.temps.discard(temp); // same bytes: nothing changes, no version is added
      return await statOf(ctx, target);
    }
    if (current) {
      await chmod(temp, current.mode & 0o7777); // a replaced file keeps its permissions
      // Kept before the rename: a crash in between never loses the old content (at worst the
      // history lists a version that is still current).
      await ctx.store.keep(target.relative, target.real, { version: current.version, removed: false });
    }
    await replaceWith(temp, target.real);
  } catch (error) {
    await ctx.temps.discard(temp);
    throw error;
  }
  await ctx.temps.forget(temp);
  return statOf(ctx, target);
}

/** `write`: replaces the file with `data` atomically. */
export async function write(ctx: FsContext, args: { path: string; data: Uint8Array; ifVersion?: string | null }): Promise<FileStat> {
  assertWritable(ctx, args.path);
  const target = await ctx.confinement.resolve(args.path);
  return onPath(target.path, () =>
    ctx.lock.run(async () => {
      const temp = await ctx.temps.write(await prepareFileTarget(target), args.data);
      return commitTemp(ctx, target, temp, versionOf(args.data), args.ifVersion);
    }),
  );
}

/** `restore`: writes a previous content of the path back; the current one becomes a version. */
export async function restore(ctx: FsContext, args: { path: string; version: string }): Promise<FileStat> {
  assertWritable(ctx, args.path);
  const target = await ctx.confinement.resolve(args.path);
  return onPath(target.path, () =>
    ctx.lock.run(async () => {
      const object = await ctx.store.objectFor(target.relative, args.version);
      const temp = await ctx.temps.create(await prepareFileTarget(target));
      try {
        await copyFile(object, temp);
        const handle = await open(temp, constants.O_WRONLY | constants.O_NOFOLLOW);
        await handle.sync().finally(() => handle.close());
      } catch (error) {
        await ctx.temps.discard(temp);
        throw error;
      }
      return commitTemp(ctx, target, temp, args.version);
    }),
  );
}

/** `mkdir`: creates a directory (and its parents with `parents`, where existing is fine). */
export async function mkdir(ctx: FsContext, args: { path: string; parents?: boolean }): Promise<FileStat> {
  assertWritable(ctx, args.path);
  const target = await ctx.confinement.resolve(args.path);
  return onPath(target.path, () =>
    ctx.lock.run(async () => {
      await makeDir(target.real, { recursive: args.parents ?? false });
      const made = await statOf(ctx, target);
      if (made.type !== 'dir') throw fsError('exists', `${JSON.stringify(target.path)} exists and is not a directory`, { path: target.path });
      return made;
    }),
  );
}

/** Keeps every regular file under `dir` as a removed version (before the folder is deleted). */
async function keepTree(ctx: FsContext, dir: string, relative: string): Promise<number> {
  let kept = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (isReservedName(entry.name)) continue; // an upload's temporary file is not content
    const real = join(dir, entry.name);
    const rel = `${relative}/${entry.name}`;
    if (entry.isDirectory()) kept += await keepTree(ctx, real, rel);
    else {
      if (entry.isFile()) await ctx.store.keep(rel, real, { removed: true });
      kept++;
    }
  }
  return kept;
}

/**
 * `remove`: a file (kept as a removed version), a symlink (the link, never its target), or a
 * directory (non-empty only with `recursive`, each file kept). Answers how many files and links
 * went.
 */
export async function remove(ctx: FsContext, args: { path: string; recursive?: boolean }): Promise<{ removed: number }> {
  assertWritable(ctx, args.path);
  const target = await ctx.confinement.resolve(args.path, { follow: false });
  if (target.relative === '') throw fsError('permission', 'the export root cannot be removed', { path: target.path });
  return onPath(target.path, () =>
    ctx.lock.run(async () => {
      const stats = await lstat(target.real);
      let removed = 1;
      if (stats.isDirectory()) {
        if (args.recursive) {
          removed = await keepTree(ctx, target.real, target.relative);
          await rm(target.real, { recursive: true });
        } else {
          await rmdir(target.real);
          removed = 0;
        }
      } else {
        if (stats.isFile()) await ctx.store.keep(target.relative, target.real, { removed: true });
        await unlink(target.real);
      }
      await fsyncDir(dirname(target.real));
      return { removed };
    }),
  );
}

/**
 * `rename`: moves a file, folder or link. An existing target is replaced only with `overwrite`,
 * only when it is not a folder, and its content is kept as a version first.
 */
export async function rename(ctx: FsContext, args: { from: string; to: string; overwrite?: boolean }): Promise<FileStat> {
  assertWritable(ctx, args.to);
  const from = await ctx.confinement.resolve(args.from, { follow: false });
  const to = await ctx.confinement.resolve(args.to, { follow: false });
  if (from.relative === '' || to.relative === '') throw fsError('permission', 'the export root cannot be moved or replaced', { path: from.relative === '' ? from.path : to.path });
  return onPath(from.path, () =>
    ctx.lock.run(async () => {
      await lstat(from.real);
      const existing = await onPath(to.path, () => lstat(to.real)).catch((error) => {
        if ((error as { details?: { reason?: string } }).details?.reason === 'notfound') return undefined;
        throw error;
      });
      if (existing) {
        if (!args.overwrite) throw fsError('exists', `${JSON.stringify(to.path)} already exists (pass overwrite to replace it)`, { path: to.path });
        if (existing.isDirectory()) throw fsError('isdir', `${JSON.stringify(to.path)} is a directory and is not replaced`, { path: to.path });
        if (existing.isFile()) await ctx.store.keep(to.relative, to.real, { removed: false });
      }
      await prepareFileTarget(to);
      await move(from.real, to.real);
      await fsyncDir(dirname(to.real));
      if (dirname(from.real) !== dirname(to.real)) await fsyncDir(dirname(from.real));
      return statOf(ctx, to);
    }),
  );
}
