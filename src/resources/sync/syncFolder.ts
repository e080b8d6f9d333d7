/**
 * One replica of a synced folder on a Node.js machine: a {@link FolderReplica} over the folder
 * on disk, fed by the scans and the watcher that find what people change in it, and by its
 * `.glowignore`.
 */
import { subscribe, type AsyncSubscription } from '@parcel/watcher';
import { join, relative, sep } from 'node:path';
import { VERSIONS_DIR_NAME } from '../fs/paths.js';
import { BlockLocator } from './blockLocator.js';
import { DiskFolder, SYNC_DIR_NAME, type DiskFolderOptions } from './diskFolder.js';
import { diskState } from './diskState.js';
import { FolderReplica, loadCursors, openIndex, type Cursor, type OpenedIndex } from './folderReplica.js';
import { IGNORE_FILE, loadIgnoreRules, type IgnoreRules } from './ignoreRules.js';
import type { ReplicaState } from './replicaState.js';
import { scan, type ScanReport } from './scanner.js';
import type { SyncIndex } from './syncIndex.js';

export type { ChangesBatch, Cursor, Progress, ReplicaStatus, SyncPeer } from './folderReplica.js';

/** Options of {@link SyncFolder.open}. */
export interface SyncFolderOptions extends DiskFolderOptions {
  /** A file modified less than this long ago (ms) is not sent yet. @default 50 */
  readonly stableMs?: number;
  /**
   * A full scan runs this often (ms) besides the watcher. @default 600 000 while the watcher
   * runs (it sees every change; a scan of 100 000 files takes seconds and holds the folder),
   * 60 000 without one
   */
  readonly scanIntervalMs?: number;
  /** Watch the folder for changes (@parcel/watcher). @default true */
  readonly watch?: boolean;
  /** Records per batch of changes. @default 1000 */
  readonly batch?: number;
}


const WATCH_DEBOUNCE_MS = 20;
/** Full scans besides a running watcher, and without one (ms). */
const WATCHED_SCAN_MS = 600_000;
const UNWATCHED_SCAN_MS = 60_000;

/** A replica of a synced folder on disk. */
export class SyncFolder extends FolderReplica {
  /** The watcher's subscription, once it started (undefined where it could not). */
  private watcher: Promise<AsyncSubscription | undefined> | undefined;
  private scanTimer: ReturnType<typeof setInterval> | undefined;
  private watchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly dirty = new Set<string>();
  private ignored: IgnoreRules = () => false;
  private readonly stableMs: number;
  private readonly scanIntervalMs: number;
  private readonly now: () => number;

  private constructor(
    opened: OpenedIndex,
    readonly disk: DiskFolder,
    state: ReplicaState,
    cursors: Map<string, Cursor>,
    options: SyncFolderOptions,
  ) {
    super(opened, disk, disk.root, state, cursors, options);
    this.now = options.now ?? Date.now;
    this.stableMs = options.stableMs ?? 50;
    this.scanIntervalMs = options.scanIntervalMs ?? ((options.watch ?? true) ? WATCHED_SCAN_MS : UNWATCHED_SCAN_MS);
  }

  /**
   * Opens the folder at `root` as a replica of synced folder `folder` (its first replica, or a
   * new one, or the one it already is) and scans it.
   */
  static async open(root: string, folder: string, options: SyncFolderOptions = {}): Promise<SyncFolder> {
    // The folder is opened before the index it reads records from: the index lives in it.
    const opened: { index?: SyncIndex } = {};
    const locator = new BlockLocator();
    const disk = await DiskFolder.open(root, (path) => opened.index?.get(path), locator, options);
    const state = diskState(disk.syncDir);
    const index = await openIndex(state, folder, locator);
    opened.index = index.index;
    const self = new SyncFolder(index, disk, state, await loadCursors(state), options);
    await self.reloadIgnore();
    // The first scan of a large folder takes a while (hashing what the index does not know):
    // the replica answers meanwhile, and offers what it has scanned so far.
    self.firstScan = self.scan().then(() => undefined, () => undefined);
    self.scanEvery(self.scanIntervalMs);
    if (options.watch ?? true) self.startWatching(options.scanIntervalMs === undefined);
    return self;
  }

  /** Runs a full scan every `ms`. */
  private scanEvery(ms: number): void {
    clearInterval(this.scanTimer);
    this.scanTimer = setInterval(() => void this.scan().catch(() => undefined), ms);
    this.scanTimer.unref();
  }

  protected override accepts(path: string): boolean {
    return !this.ignored(path);
  }

  private async reloadIgnore(): Promise<void> {
    this.ignored = await loadIgnoreRules(this.disk.root);
  }

  /** Settles when the scan made at open is over. */
  firstScan: Promise<void> = Promise.resolve();

  /** Scans `paths` (default: the whole folder) and records what changed. */
  override async scan(paths: readonly string[] = ['']): Promise<ScanReport> {
    return this.lock.run(async () => {
      if (paths.includes('') || paths.includes(IGNORE_FILE)) await this.reloadIgnore();
      const before = this.replica.index.sequence;
      const report = await scan(this.disk.root, this.replica, { ignored: this.ignored, known: this.disk.known, stableMs: this.stableMs, now: this.now }, paths);
      if (report.unstable.length > 0) this.later(report.unstable, this.stableMs);
      await this.changed(before);
      return report;
    });
  }

  /** Stops watching and scanning; the index is saved. */
  override async close(): Promise<void> {
    this.closed = true;
    await this.firstScan;
    await (await this.watcher)?.unsubscribe().catch(() => undefined);
    clearInterval(this.scanTimer);
    clearTimeout(this.watchTimer);
    await super.close();
  }

  /**
   * Watches the folder with @parcel/watcher: one native watch per directory, events batched off
   * the main thread. Node 20's recursive `fs.watch` on Linux is a JavaScript emulation that
   * holds a watcher and a stat per file and re-reads a whole directory, synchronously, on every
   * change in it: quadratic in a directory's size while a peer fills it, and ~100 MB for a
   * replica of 100 000 files.
   */
  private startWatching(scanMoreWithout: boolean): void {
    const root = this.disk.root;
    const unwatched = () => {
      // No watcher (no inotify here, or out of watches): the scans must catch changes instead.
      if (scanMoreWithout && !this.closed) this.scanEvery(UNWATCHED_SCAN_MS);
      return undefined;
    };
    this.watcher = subscribe(
      root,
      (error, events) => {
        // Events lost (the kernel's queue overflowed) or the folder removed under it: scan it all.
        if (error) return this.later([''], WATCH_DEBOUNCE_MS);
        const paths: string[] = [];
        for (const event of events) {
          const path = relative(root, event.path).split(sep).join('/');
          if (path === '' || path.startsWith('..')) paths.push('');
          else if (!path.split('/').some((segment) => segment.startsWith('.glow-'))) paths.push(path);
        }
        if (paths.length > 0) this.later(paths, WATCH_DEBOUNCE_MS);
      },
      { ignore: [join(root, SYNC_DIR_NAME), join(root, VERSIONS_DIR_NAME)] },
    ).catch(unwatched);
  }

  /** Scans `paths` after `ms`, together with whatever else comes up meanwhile. */
  private later(paths: readonly string[], ms: number): void {
    if (this.closed) return;
    for (const path of paths) this.dirty.add(path);
    if (this.watchTimer) return;
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      const batch = [...this.dirty];
      this.dirty.clear();
      if (!this.closed) void this.scan(batch.includes('') ? [''] : batch).catch(() => undefined);
    }, ms);
  }
}
