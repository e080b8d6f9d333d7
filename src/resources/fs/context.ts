/**
 * The state one `fs` process works with, opened once at start: the confinement of its root,
 * the version store, temporary files, the version cache and the lock mutations take.
 */
import { realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { TempFiles } from './atomic.js';
import { fsError } from './errors.js';
import { VersionCache } from './hash.js';
import type { FsArgs } from './interface.js';
import { Confinement, VERSIONS_DIR_NAME } from './paths.js';
import { DEFAULT_MAX_VERSIONS, VersionStore } from './versions.js';
import { Mutex } from '../mutex.js';

/** Options of the kind itself (not of a spawn): for tests and embedders. */
export interface FsKindOptions {
  /**
   * Directories no export may reach: a root or version store that is one of them, contains one
   * or lies inside one is refused (`denied`, reason `protected`). The daemon protects its home,
   * so that no caller can read its keys and token or write its config and plugins through a file
   * system.
   * @default none
   */
  protect?: readonly string[];
  /**
   * The clock version times and retention ages are read from (ms since the epoch).
   * @default Date.now
   */
  now?: () => number;
}

/** Everything the members of one `fs` process share. */
export interface FsContext {
  readonly confinement: Confinement;
  readonly readOnly: boolean;
  readonly store: VersionStore;
  readonly temps: TempFiles;
  readonly cache: VersionCache;
  readonly lock: Mutex;
  readonly now: () => number;
}

/** Opens an export: resolves the root, opens the version store, deletes stale temporary files. */
export async function openContext(args: FsArgs, options: FsKindOptions = {}): Promise<FsContext> {
  const now = options.now ?? Date.now;
  const readOnly = args.readOnly ?? false;
  const confinement = await Confinement.open(args.root);
  await refuseProtected(confinement.realRoot, options.protect ?? [], 'root');
  const storeDir = args.versionsDir ?? join(confinement.realRoot, VERSIONS_DIR_NAME);
  if (args.versionsDir !== undefined) await refuseProtected(args.versionsDir, options.protect ?? [], 'versionsDir');
  if (args.versionsDir !== undefined) {
    const outside = await Confinement.open(args.versionsDir).then(
      (dir) => !confinement.contains(dir.realRoot) && !dir.contains(confinement.realRoot),
      () => !confinement.contains(args.versionsDir!), // not created yet: judge by its name
    );
    if (!outside) throw fsError('path', 'versionsDir must lie outside the root (and not contain it)');
  }
  const retention = { maxVersions: args.retention?.maxVersions ?? DEFAULT_MAX_VERSIONS, maxAgeMs: args.retention?.maxAgeMs };
  const store = await VersionStore.open(storeDir, retention, { now, readOnly });
  const temps = new TempFiles(readOnly ? undefined : store.journal, (real) => confinement.contains(real));
  await temps.cleanStale();
  return { confinement, readOnly, store, temps, cache: new VersionCache(), lock: new Mutex(), now };
}

/** `protected` when `dir` is, contains or lies inside one of `protect` (compared as real paths where they exist). */
export async function refuseProtected(dir: string, protect: readonly string[], what: string): Promise<void> {
  const real = await realOrResolved(dir);
  for (const protectedDir of protect) {
    const guarded = await realOrResolved(protectedDir);
    if (isWithin(real, guarded) || isWithin(guarded, real)) {
      throw fsError('protected', `the ${what} ${JSON.stringify(dir)} ${real === guarded ? 'is' : isWithin(real, guarded) ? 'lies inside' : 'contains'} a protected directory (the daemon's home): it cannot be exported`);
    }
  }
}

async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** Refuses a mutation on a read-only export. */
export function assertWritable(ctx: FsContext, path: string): void {
  if (ctx.readOnly) throw fsError('readonly', `the export is read-only: cannot change ${JSON.stringify(path)}`, { path });
}
