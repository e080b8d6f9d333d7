/**
 * What WebDAV keeps besides the files: dead properties (PROPPATCH), saved in
 * `DIR/dav-props.json` so that they outlive a restart, and locks (LOCK), kept in memory (a lock
 * is a client's lease with a timeout; a restarted daemon forgets them, as RFC 4918 allows).
 * Both are keyed by the resource's path under `/dav/` (`export/dir/file`), and follow it through
 * COPY, MOVE and DELETE.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomicFile.js';

/** A lock as the store keeps it. */
export interface LockData {
  token: string;
  /** Who took it (the app password's name). */
  username: string;
  date: number;
  timeout: number;
  scope: 'exclusive' | 'shared';
  depth: '0' | 'infinity';
  provisional: boolean;
  owner: unknown;
}

type Props = Record<string, unknown>;

/** Dead properties and locks of every path under `/dav/`. */
export class DavStore {
  private readonly locks = new Map<string, Map<string, LockData>>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | undefined,
    private readonly props: Map<string, Props>,
  ) {}

  /** Loads `file` (none: no properties yet); without a file, properties live in memory only. */
  static async open(file?: string): Promise<DavStore> {
    if (!file) return new DavStore(undefined, new Map());
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { props?: Record<string, Props> };
      return new DavStore(file, new Map(Object.entries(saved.props ?? {})));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new DavStore(file, new Map());
      throw error;
    }
  }

  propsOf(key: string): Props {
    return { ...this.props.get(key) };
  }

  /** Replaces `key`'s dead properties (none: forgets the key). */
  async setProps(key: string, props: Props): Promise<void> {
    if (Object.keys(props).length === 0) this.props.delete(key);
    else this.props.set(key, props);
    await this.save();
  }

  /** The locks held on `key` now (expired ones are dropped). */
  locksOf(key: string, now = Date.now()): LockData[] {
    const held = this.locks.get(key);
    if (!held) return [];
    for (const [token, lock] of held) if (lock.date + lock.timeout <= now) held.delete(token);
    if (held.size === 0) this.locks.delete(key);
    return [...held.values()];
  }

  saveLock(key: string, lock: LockData): void {
    let held = this.locks.get(key);
    if (!held) this.locks.set(key, (held = new Map()));
    held.set(lock.token, { ...lock });
  }

  deleteLock(key: string, token: string): void {
    const held = this.locks.get(key);
    held?.delete(token);
    if (held?.size === 0) this.locks.delete(key);
  }

  /** `from` and everything below it were copied to `to`: so are their properties (not locks). */
  async copied(from: string, to: string): Promise<void> {
    for (const [key, props] of [...this.props]) {
      const moved = rebase(key, from, to);
      if (moved !== undefined) this.props.set(moved, { ...props });
    }
    await this.save();
  }

  /** `key` and everything below it are gone: so are their properties and locks. */
  async removed(key: string): Promise<void> {
    let changed = false;
    for (const known of [...this.props.keys()]) {
      if (rebase(known, key, key) !== undefined) changed = this.props.delete(known) || changed;
    }
    for (const known of [...this.locks.keys()]) if (rebase(known, key, key) !== undefined) this.locks.delete(known);
    if (changed) await this.save();
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    // One write at a time, each with everything up to it; a failed write fails its PROPPATCH
    // (never reported as saved) without stopping the writes after it.
    const write = this.saving.then(() => writeFileAtomic(file, `${JSON.stringify({ version: 1, props: Object.fromEntries(this.props) })}\n`));
    this.saving = write.catch(() => undefined);
    return write;
  }
}

/** `key` moved from under `from` to under `to`, or undefined when it is not `from` or below it. */
function rebase(key: string, from: string, to: string): string | undefined {
  if (key === from) return to;
  return key.startsWith(`${from}/`) ? `${to}${key.slice(from.length)}` : undefined;
}
