/**
 * One replica of a synced folder on a Node.js machine: the folder on disk, its index, the scans
 * and the watcher that feed it, and the two ways it meets a peer replica — catching up from a
 * cursor (one request for a peer seen before) or reconciling (no shared history). The mesh
 * side (which peers, how to reach them, who may) is the resource's (kind.ts); this works with
 * any {@link SyncPeer}, which is how the tests run replicas side by side in one process.
 */
import { subscribe, type AsyncSubscription } from '@parcel/watcher';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Mutex } from '../fs/context.js';
import { BlockLocator } from './blockLocator.js';
import { DiskFolder, SYNC_DIR_NAME, type DiskFolderOptions } from './diskFolder.js';
import { VERSIONS_DIR_NAME } from '../fs/paths.js';
import { IGNORE_FILE, loadIgnoreRules, type IgnoreRules } from './ignoreRules.js';
import { IndexLog, type ReplicaIdentity } from './indexLog.js';
import { respond, startReconcile, type ReconcileMessage } from './reconcile.js';
import { recordWireBytes, type FileRecord } from './record.js';
import { Replica, type BlockSource, type ReceiveReport } from './replica.js';
import { scan, type ScanReport } from './scanner.js';
import { SyncIndex } from './syncIndex.js';
import { isConflictCopy } from './conflictName.js';

/** Where a peer's change log stands: its epoch and a sequence number in it. */
export interface Cursor {
  readonly epoch: string;
  readonly seq: number;
}

/** A batch of a replica's changes. */
export interface ChangesBatch {
  readonly epoch: string;
  /** The records, oldest first. */
  readonly records: readonly FileRecord[];
  /** Ask again from here. */
  readonly next: number;
  /** Whether more changes are waiting after `next`. */
  readonly more: boolean;
}

/** Another replica, as this one reaches it. */
export interface SyncPeer extends BlockSource {
  /** Its changes after `since` in its epoch `epoch` (from 0 when the epoch is not its own). */
  changes(since: Cursor | undefined, limit: number): Promise<ChangesBatch>;
  /** One round of reconciliation, answered. */
  reconcile(message: ReconcileMessage): Promise<ReconcileMessage>;
  /** Its change log's epoch and latest sequence number. */
  position(): Promise<Cursor>;
}

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

/** How a replica stands: what the status commands show. */
export interface ReplicaStatus {
  readonly folder: string;
  readonly replica: string;
  readonly root: string;
  readonly files: number;
  readonly bytes: number;
  readonly sequence: number;
  readonly conflicts: readonly string[];
  /** Changes waiting for content no reachable peer had. */
  readonly waiting: number;
  /** While this replica takes a batch of changes: how far it is. */
  readonly receiving: Progress | null;
}

/** How far a batch of changes being taken is. */
export interface Progress {
  readonly files: number;
  readonly bytes: number;
  readonly doneFiles: number;
  readonly doneBytes: number;
}

const WATCH_DEBOUNCE_MS = 20;
/** Full scans besides a running watcher, and without one (ms). */
const WATCHED_SCAN_MS = 600_000;
const UNWATCHED_SCAN_MS = 60_000;
const BATCH_BYTES = 1024 * 1024;
const PEERS = 'peers.json';

/** A replica of a synced folder on disk. */
export class SyncFolder {
  private readonly lock = new Mutex();
  private readonly listeners = new Set<() => void>();
  /** The watcher's subscription, once it started (undefined where it could not). */
  private watcher: Promise<AsyncSubscription | undefined> | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<string>();
  private closed = false;
  /** Records no source had yet, by path. */
  private readonly waiting = new Map<string, FileRecord>();
  private receiving: { files: number; bytes: number; doneFiles: number; doneBytes: number } | undefined;

  private constructor(
    readonly identity: ReplicaIdentity,
    readonly replica: Replica,
    readonly disk: DiskFolder,
    private readonly log: IndexLog,
    private ignored: IgnoreRules,
    private readonly cursors: Map<string, Cursor>,
    private readonly options: Required<Pick<SyncFolderOptions, 'stableMs' | 'scanIntervalMs' | 'batch'>> & { now: () => number },
  ) {}

  /**
   * Opens the folder at `root` as a replica of synced folder `folder` (its first replica, or a
   * new one, or the one it already is) and scans it.
   */
  static async open(root: string, folder: string, options: SyncFolderOptions = {}): Promise<SyncFolder> {
    const now = options.now ?? Date.now;
    const locator = new BlockLocator();
    // The folder is opened before the index it reads records from: the index lives in it.
    const opened: { index?: SyncIndex } = {};
    const disk = await DiskFolder.open(root, (path) => opened.index?.get(path), locator, options);
    const { log, identity, records } = await IndexLog.open(disk.syncDir, folder);
    const index = (opened.index = new SyncIndex(identity.epoch, records));
    for (const record of index.records()) locator.update(record, undefined);
    const progress: { of?: SyncFolder } = {};
    index.listen((record, old) => {
      locator.update(record, old);
      log.append(record);
      const receiving = progress.of?.receiving;
      if (receiving) {
        receiving.doneFiles++;
        receiving.doneBytes += record.deleted ? 0 : record.size;
      }
    });
    let ignored = await loadIgnoreRules(disk.root);
    const replica = new Replica(identity.replica, index, disk, now, (path) => !ignored(path));
    const cursors = new Map<string, Cursor>(Object.entries(await readFile(join(disk.syncDir, PEERS), 'utf8').then((text) => JSON.parse(text) as Record<string, Cursor>, () => ({}))));
    const self = new SyncFolder(identity, replica, disk, log, (path, dir) => ignored(path, dir), cursors, {
      stableMs: options.stableMs ?? 50,
      scanIntervalMs: options.scanIntervalMs ?? (options.watch ?? true ? WATCHED_SCAN_MS : UNWATCHED_SCAN_MS),
      batch: options.batch ?? 1000,
      now,
    });
    progress.of = self;
    self.reloadIgnore = async () => {
      ignored = await loadIgnoreRules(disk.root);
    };
    // The first scan of a large folder takes a while (hashing what the index does not know):
    // the replica answers meanwhile, and offers what it has scanned so far.
    self.firstScan = self.scan().then(() => undefined, () => undefined);
    self.scanEvery(self.options.scanIntervalMs);
    if (options.watch ?? true) self.startWatching(options.scanIntervalMs === undefined);
    return self;
  }

  /** Runs a full scan every `ms`. */
  private scanEvery(ms: number): void {
    clearInterval(this.scanTimer);
    this.scanTimer = setInterval(() => void this.scan().catch(() => undefined), ms);
    this.scanTimer.unref();
  }

  private reloadIgnore: () => Promise<void> = () => Promise.resolve();

  /** Settles when the scan made at open is over. */
  firstScan: Promise<void> = Promise.resolve();

  /** Calls `listener` whenever this replica's index changed (to tell peers). Answers a function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Scans `paths` (default: the whole folder) and records what changed. */
  async scan(paths: readonly string[] = ['']): Promise<ScanReport> {
    return this.lock.run(async () => {
      if (paths.includes('') || paths.includes(IGNORE_FILE)) await this.reloadIgnore();
      const before = this.replica.index.sequence;
      const report = await scan(this.disk.root, this.replica, { ignored: this.ignored, known: this.disk.known, stableMs: this.options.stableMs, now: this.options.now }, paths);
      if (report.unstable.length > 0) this.later(report.unstable, this.options.stableMs);
      await this.changed(before);
      return report;
    });
  }

  // ---- serving peers ----------------------------------------------------------------------

  /** This replica's changes after `since` (all of them when `since` is of another epoch). */
  changes(since: Cursor | undefined, limit = this.options.batch): ChangesBatch {
    const index = this.replica.index;
    const from = since && since.epoch === index.epoch ? since.seq : 0;
    // A batch stops at about 1 MiB of records too: a packet holds 4 MiB, and a large file's
    // record carries a hash per block.
    const records: FileRecord[] = [];
    let bytes = 0;
    let cut = false;
    for (const record of index.changesSince(from, limit)) {
      bytes += recordWireBytes(record);
      if (records.length > 0 && bytes > BATCH_BYTES) {
        cut = true;
        break;
      }
      records.push(record);
    }
    const full = cut || records.length === limit;
    const next = full ? records[records.length - 1]!.seq : index.sequence;
    return { epoch: index.epoch, records, next, more: full && next < index.sequence };
  }

  /** One round of reconciliation for a peer that started it. Records it carries are not taken: this side pulls for itself. */
  reconcile(message: unknown): ReconcileMessage {
    return respond(this.replica.index, message).reply;
  }

  /** A block this replica holds. */
  block(hash: string): Promise<Uint8Array | undefined> {
    return this.disk.readBlock(hash);
  }

  /** Where this replica's change log stands. */
  position(): Cursor {
    return { epoch: this.replica.index.epoch, seq: this.replica.index.sequence };
  }

  // ---- meeting peers ------------------------------------------------------------------------

  /**
   * Brings this replica up to date with `peer` (replica id `peerId`): by cursor when it has seen
   * the peer's log before, else by reconciliation; then takes what it learnt, fetching content
   * from `sources` (the peer first). Answers what was taken.
   */
  async pullFrom(peerId: string, peer: SyncPeer, sources: readonly BlockSource[] = [peer]): Promise<ReceiveReport> {
    const total: ReceiveReport = { adopted: 0, conflicts: [], refused: [], missing: [], failed: [], fetchedBytes: 0, reusedBytes: 0 };
    const add = (report: ReceiveReport) => {
      Object.assign(total, {
        adopted: total.adopted + report.adopted,
        conflicts: [...total.conflicts, ...report.conflicts],
        refused: [...total.refused, ...report.refused],
        missing: [...total.missing, ...report.missing],
        failed: [...total.failed, ...report.failed],
        fetchedBytes: total.fetchedBytes + report.fetchedBytes,
        reusedBytes: total.reusedBytes + report.reusedBytes,
      });
    };
    const cursor = this.cursors.get(peerId);
    const position = await peer.position();
    if (!cursor || cursor.epoch !== position.epoch) {
      // No shared history: find the differences without sending the index. A peer with more to
      // send than fits a message says so; reconciling again brings the rest, as long as each
      // pass takes something.
      for (let pass = 0, more = true; more; pass++) {
        more = false;
        const adoptedBefore = total.adopted;
        let message: ReconcileMessage = startReconcile(this.replica.index);
        for (let round = 0; message.length > 0; round++) {
          if (round > 64) throw new Error('reconciliation did not end');
          const answer = await peer.reconcile(message);
          const step = respond(this.replica.index, answer);
          more ||= step.more;
          if (step.records.length > 0) add(await this.receive(step.records, sources));
          // What the peer lacks it pulls for itself: drop records from what goes back.
          message = step.reply.filter((entry) => !('r' in entry));
        }
        if (total.adopted === adoptedBefore || pass > 10_000) break;
      }
      if (total.missing.length === 0 && total.failed.length === 0) await this.saveCursor(peerId, position);
      return total;
    }
    let since: Cursor = cursor;
    for (;;) {
      const batch = await peer.changes(since, this.options.batch);
      const report = await this.receive(batch.records, sources);
      add(report);
      const stuck = [...report.missing, ...report.failed.map((failure) => failure.record)];
      // Content no source had is asked for again from the first such record.
      const next = stuck.reduce((low, record) => Math.min(low, record.seq - 1), batch.next);
      since = { epoch: batch.epoch, seq: next };
      await this.saveCursor(peerId, since);
      if (!batch.more || stuck.length > 0) return total;
    }
  }

  /** Takes peers' records (validated, decided, content fetched) under the folder's lock. */
  async receive(records: readonly unknown[], sources: readonly BlockSource[]): Promise<ReceiveReport> {
    return this.lock.run(async () => {
      const before = this.replica.index.sequence;
      let bytes = 0;
      for (const record of records) bytes += typeof (record as FileRecord)?.size === 'number' && !(record as FileRecord).deleted ? (record as FileRecord).size : 0;
      this.receiving = { files: records.length, bytes, doneFiles: 0, doneBytes: 0 };
      const report = await this.replica.receive(records, sources).finally(() => (this.receiving = undefined));
      for (const record of report.missing) this.waiting.set(record.path, record);
      for (const record of records as FileRecord[]) {
        const have = this.replica.index.get(record?.path);
        if (have && this.waiting.get(record.path)?.hash === have.hash) this.waiting.delete(record.path);
      }
      await this.changed(before);
      return report;
    });
  }

  /** How this replica stands. */
  status(): ReplicaStatus {
    let files = 0;
    let bytes = 0;
    const conflicts: string[] = [];
    for (const record of this.replica.index.records()) {
      if (record.deleted) continue;
      files++;
      bytes += record.size;
      if (isConflictCopy(record.path)) conflicts.push(record.path);
    }
    const receiving = this.receiving ? { ...this.receiving } : null;
    return { folder: this.identity.folder, replica: this.identity.replica, root: this.disk.root, files, bytes, sequence: this.replica.index.sequence, conflicts: conflicts.sort(), waiting: this.waiting.size, receiving };
  }

  /** Stops watching and scanning; the index is saved. */
  async close(): Promise<void> {
    this.closed = true;
    await this.firstScan;
    await (await this.watcher)?.unsubscribe().catch(() => undefined);
    clearInterval(this.scanTimer);
    clearTimeout(this.watchTimer);
    await this.lock.run(() => this.log.flush(() => this.replica.index.records(), this.replica.index.size));
  }

  private async changed(before: number): Promise<void> {
    await this.log.flush(() => this.replica.index.records(), this.replica.index.size);
    if (this.replica.index.sequence !== before) for (const listener of this.listeners) listener();
  }

  private async saveCursor(peerId: string, cursor: Cursor): Promise<void> {
    this.cursors.set(peerId, cursor);
    await writeFile(join(this.disk.syncDir, PEERS), JSON.stringify(Object.fromEntries(this.cursors)));
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
