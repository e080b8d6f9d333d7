/**
 * Finds what changed in a synced folder on disk and records it: new and changed files (hashed
 * into blocks), deleted ones (tombstones). A file is recorded only once it is stable — not
 * modified for `stableMs`, and the same size and time before and after hashing — so a file still
 * being written is not sent half-done; it is looked at again on the next pass.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RESERVED_PREFIX } from '../fs/paths.js';
import type { KnownFiles } from './diskFolder.js';
import type { IgnoreRules } from './ignoreRules.js';
import { contentOfHandle } from './nodeHash.js';
import { isFolderPath } from './record.js';
import type { Replica } from './replica.js';
import { pool } from './pool.js';

/** Files looked at (stat, and hashed when changed) at once. */
const SCAN_WIDTH = 16;

/** What one scan found. */
export interface ScanReport {
  /** Paths recorded as new or changed. */
  readonly changed: string[];
  /** Paths recorded as deleted. */
  readonly deleted: string[];
  /** Paths still being written: looked at again later. */
  readonly unstable: string[];
  /** Paths that could not be read or named, with why. */
  readonly skipped: { path: string; reason: string }[];
}

/** Options of {@link scan}. */
export interface ScanOptions {
  readonly ignored: IgnoreRules;
  /** Files known to match their records (the folder's). */
  readonly known: KnownFiles;
  /** A file modified less than this long ago (ms) is not recorded yet. */
  readonly stableMs: number;
  readonly now: () => number;
}

/**
 * Scans `paths` (folder-relative; a directory is scanned whole; `['']` is the whole folder) of
 * the folder at `root` into `replica`'s index.
 */
export async function scan(root: string, replica: Replica, options: ScanOptions, paths: readonly string[] = ['']): Promise<ScanReport> {
  const report: ScanReport = { changed: [], deleted: [], unstable: [], skipped: [] };
  const seen = new Set<string>();
  const walked: string[] = [];
  // The walk lists files (a readdir per directory); the files are then looked at several at once,
  // for each costs a few system calls that wait on the disk, not the processor.
  const files: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const real = path === '' ? root : join(root, path);
    const stats = await lstat(real).catch(() => undefined);
    if (!stats) return;
    if (!stats.isDirectory()) {
      if (stats.isFile()) files.push(path); // symlinks, devices, sockets: not synced
      return;
    }
    walked.push(path);
    const entries = await readdir(real, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith(RESERVED_PREFIX)) continue;
      const child = path === '' ? entry.name : `${path}/${entry.name}`;
      if (options.ignored(child, entry.isDirectory())) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  const look = async (path: string): Promise<void> => {
    const real = join(root, path);
    const stats = await lstat(real).catch(() => undefined);
    if (!stats?.isFile()) return;
    if (!isFolderPath(path)) {
      report.skipped.push({ path, reason: 'a name sync cannot carry' });
      return;
    }
    seen.add(path);
    const record = replica.index.get(path);
    if (options.known.matches(path, stats, record)) return;
    if (options.now() - stats.mtimeMs < options.stableMs) {
      report.unstable.push(path);
      return;
    }
    try {
      const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const before = await handle.stat();
        const content = await contentOfHandle(handle, before.size);
        const after = await handle.stat();
        if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
          report.unstable.push(path);
          return;
        }
        if (replica.local(path, content, Math.floor(before.mtimeMs))) report.changed.push(path);
        else options.known.note(path, before, content.hash);
      } finally {
        await handle.close();
      }
    } catch (error) {
      // Shrunk while hashed counts as still being written.
      if (error instanceof RangeError) report.unstable.push(path);
      else report.skipped.push({ path, reason: (error as Error).message });
    }
  };
  for (const path of paths) {
    if (path !== '' && options.ignored(path)) continue;
    const exists = await lstat(path === '' ? root : join(root, path)).then(() => true, () => false);
    if (exists) await walk(path);
    else walked.push(path); // gone: whatever the index has under it was deleted
  }
  await pool(files, SCAN_WIDTH, look);
  // Whatever the index holds under a walked directory (or a vanished path) and the walk did not see is gone.
  const under = (path: string) => walked.some((dir) => dir === '' || path === dir || path.startsWith(`${dir}/`));
  for (const record of [...replica.index.records()]) {
    if (record.deleted || seen.has(record.path) || report.unstable.includes(record.path) || !under(record.path)) continue;
    if (options.ignored(record.path)) continue;
    if (replica.local(record.path, 'deleted')) report.deleted.push(record.path);
  }
  return report;
}
