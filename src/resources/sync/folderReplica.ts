/**
 * One replica of a synced folder, wherever its files live: its index and change log, and the
 * two ways it meets a peer replica — catching up from a cursor (one request for a peer seen
 * before) or reconciling (no shared history). Browser-safe: a folder on disk (syncFolder.ts adds
 * the scans and the watcher that feed it) and a browser tab's Origin Private File System are
 * both this, over their own {@link ReplicaStorage} and {@link ReplicaState}. The mesh side
 * (which peers, how to reach them, who may) is meshReplica.ts's; this works with any
 * {@link SyncPeer}, which is how the tests run replicas side by side in one process.
 */
import { Mutex } from '../mutex.js';
import { BlockLocator } from './blockLocator.js';
import { isConflictCopy } from './conflictName.js';
import { IndexLog, type ReplicaIdentity } from './indexLog.js';
import { respond, startReconcile, type ReconcileMessage } from './reconcile.js';
import { recordWireBytes, type FileRecord } from './record.js';
import { Replica, type BlockSource, type ReceiveReport, type ReplicaStorage } from './replica.js';
import type { ReplicaState } from './replicaState.js';
import { SyncIndex } from './syncIndex.js';

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

/** What a rescan found. */
export interface RescanReport {
  readonly changed: readonly string[];
  readonly deleted: readonly string[];
}

/** A replica's index as it was saved, opened: what a {@link FolderReplica} is built from. */
export interface OpenedIndex {
  readonly identity: ReplicaIdentity;
  readonly index: SyncIndex;
  readonly log: IndexLog;
  /** Where the index's blocks are, for the storage to read them back. */
  readonly locator: BlockLocator;
}

/** Opens the index saved in `state` (a new replica of `folder` when there is none), its blocks noted in `locator`. */
export async function openIndex(state: ReplicaState, folder: string, locator = new BlockLocator()): Promise<OpenedIndex> {
  const { log, identity, records } = await IndexLog.open(state, folder);
  const index = new SyncIndex(identity.epoch, records);
  for (const record of index.records()) locator.update(record, undefined);
  return { identity, index, log, locator };
}

/** How a {@link FolderReplica} works. */
export interface FolderReplicaOptions {
  /** Records per batch of changes. @default 1000 */
  readonly batch?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const BATCH_BYTES = 1024 * 1024;
const PEERS = 'peers.json';

/** A replica of a synced folder. */
export class FolderReplica {
  protected readonly lock = new Mutex();
  private readonly listeners = new Set<() => void>();
  protected closed = false;
  /** Records no source had yet, by path. */
  private readonly waiting = new Map<string, FileRecord>();
  private receiving: { files: number; bytes: number; doneFiles: number; doneBytes: number } | undefined;
  readonly identity: ReplicaIdentity;
  readonly replica: Replica;
  private readonly log: IndexLog;
  private readonly batch: number;

  /**
   * A replica over `storage` (where its files are; `root` says where, for people) with the index
   * `opened` from `state`, which also keeps its peers' cursors.
   */
  protected constructor(
    opened: OpenedIndex,
    private readonly storage: ReplicaStorage,
    readonly root: string,
    private readonly state: ReplicaState,
    private readonly cursors: Map<string, Cursor>,
    options: FolderReplicaOptions,
  ) {
    this.identity = opened.identity;
    this.log = opened.log;
    this.batch = options.batch ?? 1000;
    this.replica = new Replica(opened.identity.replica, opened.index, storage, options.now ?? Date.now, (path) => this.accepts(path));
    opened.index.listen((record, old) => {
      opened.locator.update(record, old);
      this.log.append(record);
      if (this.receiving) {
        this.receiving.doneFiles++;
        this.receiving.doneBytes += record.deleted ? 0 : record.size;
      }
    });
  }

  /** Opens the replica whose index and cursors `state` keeps, over `storage`. */
  static async withStorage(opened: OpenedIndex, storage: ReplicaStorage, root: string, state: ReplicaState, options: FolderReplicaOptions = {}): Promise<FolderReplica> {
    return new FolderReplica(opened, storage, root, state, await loadCursors(state), options);
  }

  /** Calls `listener` whenever this replica's index changed (to tell peers). Answers a function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether this replica takes `path` from peers (its ignore rules say no to the rest). */
  protected accepts(_path: string): boolean {
    return true;
  }

  /** Looks for local changes; a replica only sync writes to (a tab's) has none. */
  scan(): Promise<RescanReport> {
    return Promise.resolve({ changed: [], deleted: [] });
  }

  // ---- serving peers ----------------------------------------------------------------------

  /** This replica's changes after `since` (all of them when `since` is of another epoch). */
  changes(since: Cursor | undefined, limit = this.batch): ChangesBatch {
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
    return this.storage.readBlock(hash);
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
      const batch = await peer.changes(since, this.batch);
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
    return { folder: this.identity.folder, replica: this.identity.replica, root: this.root, files, bytes, sequence: this.replica.index.sequence, conflicts: conflicts.sort(), waiting: this.waiting.size, receiving };
  }

  /** Closes the replica; the index is saved. */
  async close(): Promise<void> {
    this.closed = true;
    await this.lock.run(() => this.log.flush(() => this.replica.index.records(), this.replica.index.size));
  }

  /** Saves the index and tells listeners when it changed since sequence `before`. */
  protected async changed(before: number): Promise<void> {
    await this.log.flush(() => this.replica.index.records(), this.replica.index.size);
    if (this.replica.index.sequence !== before) for (const listener of this.listeners) listener();
  }

  private async saveCursor(peerId: string, cursor: Cursor): Promise<void> {
    this.cursors.set(peerId, cursor);
    await this.state.write(PEERS, JSON.stringify(Object.fromEntries(this.cursors)));
  }
}

/** The peers' cursors saved in `state`. */
export async function loadCursors(state: ReplicaState): Promise<Map<string, Cursor>> {
  const text = await state.read(PEERS);
  try {
    return new Map(Object.entries(text === undefined ? {} : (JSON.parse(text) as Record<string, Cursor>)));
  } catch {
    return new Map(); // a torn file: each peer is reconciled once, without history
  }
}
