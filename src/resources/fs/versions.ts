/**
 * The version store: previous contents of files, kept whenever a write, restore, overwriting
 * rename or remove replaces them.
 *
 * Layout (under `<root>/.glow-versions/`, or `versionsDir`):
 * - `objects/<2 hex>/<sha256>`: contents, named by their version, so a content kept for many
 *   paths or many times is stored once.
 * - `index/<sha256 of the path>.json`: one path's history, `{ path, entries }`, oldest first.
 * - `tmp/`: contents being copied in; `pending/`: the journal of atomic.ts.
 *
 * Reference counts of objects are rebuilt from the indexes at start and kept in memory after;
 * an object is deleted when no history entry names it. Every change happens under the kind's
 * mutation lock, so the counts and the files agree. A crash between writing an object and its
 * index leaves an unreferenced object, which the next start deletes.
 */
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { nanoid } from 'nanoid';
import { fsyncDir, writeDurably } from './atomic.js';
import { fsError } from './errors.js';
import { READ_FLAGS, newHasher, versionOf } from './hash.js';
import type { VersionEntry } from './interface.js';

/** How much history is kept per path. */
export interface RetentionPolicy {
  /** Previous contents kept per path; 0 turns history off. */
  readonly maxVersions: number;
  /** Previous contents older than this (ms) are dropped; undefined keeps them forever. */
  readonly maxAgeMs?: number;
}

/** Default of {@link RetentionPolicy.maxVersions}. */
export const DEFAULT_MAX_VERSIONS = 20;

interface History {
  path: string;
  entries: VersionEntry[];
}

const COPY_BUFFER = 1024 * 1024;

/** Previous contents of files, deduplicated by version. */
export class VersionStore {
  private readonly refs = new Map<string, number>();

  private constructor(
    readonly dir: string,
    readonly retention: RetentionPolicy,
    private readonly now: () => number,
    private readonly readOnly: boolean,
  ) {}

  /** The journal folder for atomic.ts. */
  get journal(): string {
    return join(this.dir, 'pending');
  }

  /**
   * Opens (creating, unless read-only) the store; drops entries past their age, counts
   * references and deletes objects nothing refers to (left by a crash).
   */
  static async open(dir: string, retention: RetentionPolicy, options: { now: () => number; readOnly: boolean }): Promise<VersionStore> {
    const store = new VersionStore(dir, retention, options.now, options.readOnly);
    if (!options.readOnly) {
      for (const sub of ['objects', 'index', 'pending']) await mkdir(join(dir, sub), { recursive: true });
      await rm(join(dir, 'tmp'), { recursive: true, force: true });
      await mkdir(join(dir, 'tmp'));
    }
    const names = await readdir(join(dir, 'index')).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const history = await store.load(join(dir, 'index', name));
      if (!history) continue;
      const kept = store.readOnly ? history.entries : await store.prune(history);
      for (const entry of kept) store.ref(entry.version, 1);
    }
    if (!options.readOnly) await store.collect();
    return store;
  }

  /**
   * Keeps the content of the file at `real` (whose version may already be known) as the newest
   * previous version of `path`, then applies the retention. With `moving`, the file is about to
   * be renamed over or removed by the caller: its bytes enter the store by a hard link (read once
   * to hash them) rather than a copy, which writes and fsyncs nothing but a directory.
   */
  async keep(path: string, real: string, options: { version?: string; removed: boolean; moving?: boolean }): Promise<VersionEntry | undefined> {
    if (this.readOnly || this.retention.maxVersions === 0) return undefined;
    const { version, size } = await this.store(real, options.version, options.moving ?? false);
    const history = (await this.load(this.indexOf(path))) ?? { path, entries: [] };
    const entry: VersionEntry = { version, size, time: this.now(), removed: options.removed };
    history.entries.push(entry);
    this.ref(version, 1);
    await this.prune(history, true);
    return entry;
  }

  /** The previous contents of `path`, newest first. */
  async list(path: string): Promise<VersionEntry[]> {
    const history = await this.load(this.indexOf(path));
    return (history?.entries ?? []).filter((entry) => !this.expired(entry)).reverse();
  }

  /**
   * Where the content of `version` lies, if it is in the history of `path`. Only a path's own
   * history can be restored: a version is not a capability to read any content ever stored.
   * @throws GlowError `failed` (`notfound`).
   */
  async objectFor(path: string, version: string): Promise<string> {
    const known = (await this.list(path)).some((entry) => entry.version === version);
    const object = this.objectPath(version);
    if (!known || !(await stat(object).catch(() => undefined))) {
      throw fsError('notfound', `${JSON.stringify(path)} has no version ${version.slice(0, 12)}…`, { path });
    }
    return object;
  }

  /**
   * Where the content of `version` lies if the store holds it under any path: for a synced
   * folder, whose peers ask for blocks by hash and whose renames find their bytes here.
   */
  async anyObject(version: string): Promise<string | undefined> {
    if (!this.refs.has(version)) return undefined;
    const object = this.objectPath(version);
    return (await stat(object).catch(() => undefined)) ? object : undefined;
  }

  private objectPath(version: string): string {
    return join(this.dir, 'objects', version.slice(0, 2), version);
  }

  private indexOf(path: string): string {
    return join(this.dir, 'index', `${versionOf(Buffer.from(path))}.json`);
  }

  private expired(entry: VersionEntry): boolean {
    return this.retention.maxAgeMs !== undefined && entry.time < this.now() - this.retention.maxAgeMs;
  }

  private ref(version: string, by: number): number {
    const count = (this.refs.get(version) ?? 0) + by;
    if (count > 0) this.refs.set(version, count);
    else this.refs.delete(version);
    return count;
  }

  private async load(file: string): Promise<History | undefined> {
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as History;
      return typeof parsed.path === 'string' && Array.isArray(parsed.entries) ? parsed : undefined;
    } catch {
      return undefined; // missing, or damaged by hand: start that path's history afresh
    }
  }

  /**
   * Drops entries past the retention and saves the history; returns what is kept. `counted`: the
   * entries are already in the reference counts (a live change, always saved), so objects that
   * lose their last reference are deleted — after saving, so an index never names a deleted
   * object. At start nothing is counted yet and `collect` deletes unreferenced objects.
   */
  private async prune(history: History, counted = false): Promise<VersionEntry[]> {
    const { maxVersions } = this.retention;
    const fresh = history.entries.filter((entry) => !this.expired(entry));
    const kept = maxVersions === 0 ? [] : fresh.slice(-maxVersions);
    const dropped = history.entries.filter((entry) => !kept.includes(entry));
    if (!counted && dropped.length === 0) return kept;
    const file = this.indexOf(history.path);
    if (kept.length === 0) await unlink(file).catch(() => undefined);
    else await writeDurably(file, JSON.stringify({ path: history.path, entries: kept }), join(this.dir, 'tmp'));
    if (counted) {
      for (const entry of dropped) {
        if (this.ref(entry.version, -1) === 0) await unlink(this.objectPath(entry.version)).catch(() => undefined);
      }
    }
    return kept;
  }

  /** Deletes objects no history refers to. */
  private async collect(): Promise<void> {
    const objects = join(this.dir, 'objects');
    for (const shard of await readdir(objects)) {
      for (const name of await readdir(join(objects, shard)).catch(() => [] as string[])) {
        if (!this.refs.has(name)) await unlink(join(objects, shard, name)).catch(() => undefined);
      }
    }
  }

  /**
   * Copies a file into `objects/` (hashing as it copies) unless its version is there already;
   * with `moving`, links it there where the filesystem allows.
   */
  private async store(real: string, known: string | undefined, moving: boolean): Promise<{ version: string; size: number }> {
    if (known) {
      const existing = await stat(this.objectPath(known)).catch(() => undefined);
      if (existing) return { version: known, size: existing.size };
    }
    if (moving) {
      const linked = await this.link(real);
      if (linked) return linked;
    }
    const temp = join(this.dir, 'tmp', nanoid());
    const target = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    let version: string;
    let size: number;
    try {
      ({ version, size } = await hashFile(real, async (chunk, at) => void (await target.write(chunk, 0, chunk.length, at))));
      await target.sync();
    } catch (error) {
      await target.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await target.close();
    const object = this.objectPath(version);
    if (await stat(object).catch(() => undefined)) {
      await unlink(temp);
    } else {
      await mkdir(dirname(object), { recursive: true });
      await rename(temp, object);
      await fsyncDir(dirname(object));
    }
    return { version, size };
  }

  /**
   * Hard-links a file that is about to leave its path into `objects/`, named by the hash of its
   * bytes; undefined where the filesystem cannot link (the caller copies instead).
   */
  private async link(real: string): Promise<{ version: string; size: number } | undefined> {
    const { version, size } = await hashFile(real);
    const object = this.objectPath(version);
    if (await stat(object).catch(() => undefined)) return { version, size };
    await mkdir(dirname(object), { recursive: true });
    try {
      await link(real, object);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { version, size };
      return undefined; // EXDEV, EPERM: a filesystem without hard links here
    }
    await fsyncDir(dirname(object));
    return { version, size };
  }
}

/** The version (SHA-256) and size of a file, read once; `each` sees every chunk as it is read, at its offset. */
async function hashFile(real: string, each?: (chunk: Buffer, at: number) => Promise<void>): Promise<{ version: string; size: number }> {
  const hasher = newHasher();
  let size = 0;
  const source = await open(real, READ_FLAGS);
  try {
    const buffer = Buffer.allocUnsafe(COPY_BUFFER);
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, buffer.length, size);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hasher.update(chunk);
      await each?.(chunk, size);
      size += bytesRead;
    }
  } finally {
    await source.close();
  }
  return { version: hasher.digest('hex'), size };
}
