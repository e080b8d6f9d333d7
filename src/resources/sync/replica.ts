/**
 * A replica's engine: it turns local changes into records and peers' records into files. Where
 * the files live is the storage's business (a folder on disk, the Origin Private File System,
 * memory in the model tests); what to do with a record is decide.ts's; this file keeps the order
 * of the steps so that nothing is lost:
 *
 * - a record is adopted only after its content is in place, so the index never announces
 *   content this replica cannot serve, and what it relays (store and forward) is what it has;
 * - content comes block by block from this replica first (its files and version store, which is
 *   how a rename or a copy moves no data), then from any peer that has the block;
 * - the losing side of a conflict is moved to its conflict name before the winner is written.
 */
import { blockHash } from './blocks.js';
import type { Content } from './blocks.js';
import { decide, type Decision } from './decide.js';
import { recordProblem, type FileRecord } from './record.js';
import type { SyncIndex } from './syncIndex.js';
import { bumpVector, EMPTY_VECTOR } from './versionVector.js';
import { pool } from './pool.js';

/** Where a replica's files live. */
export interface ReplicaStorage {
  /** A block this replica holds, in a file or its version store, by hash; undefined if none. */
  readBlock(hash: string): Promise<Uint8Array | undefined>;
  /**
   * Writes `record`'s content at its path, atomically (a reader sees the old file or the new,
   * never a part), keeping what it replaces in the version store. `block(i)` gives block i,
   * already checked against its hash (the replica checks every block, its own and fetched, with
   * {@link blockHash}); when one rejects, nothing changes. With `displacedTo`, the file being replaced is moved there (a
   * conflict's losing side) instead of into the version store, once the new content is complete.
   */
  writeFile(record: FileRecord, block: (index: number) => Promise<Uint8Array>, displacedTo?: string): Promise<void>;
  /** Deletes `path`, keeping its content in the version store. */
  deleteFile(path: string): Promise<void>;
  /**
   * A block's hash as this platform computes it fastest (node:crypto on a disk, where every
   * fetched block is checked); @default blocks.ts's `blockHash` (JavaScript, any platform).
   */
  readonly blockHash?: (data: Uint8Array) => string;
}

/** Somewhere blocks can be fetched from: a peer replica. */
export interface BlockSource {
  /** The block with this hash, or undefined when the source does not have it. Rejects when unreachable. */
  block(hash: string): Promise<Uint8Array | undefined>;
}

/** What {@link Replica.receive} did with a batch of records. */
export interface ReceiveReport {
  /** Records adopted (content fetched, deleted, or relabelled). */
  readonly adopted: number;
  /** Conflict copies made. */
  readonly conflicts: readonly string[];
  /** Records refused as malformed, with why. */
  readonly refused: readonly { readonly path: unknown; readonly reason: string }[];
  /** Records whose content no source had: tried again with the next batch or peer. */
  readonly missing: readonly FileRecord[];
  /** Records that could not be applied here (the local file changed meanwhile, a disk error), with why: tried again later. */
  readonly failed: readonly { readonly record: FileRecord; readonly reason: string }[];
  /** Bytes fetched from sources (not found here). */
  readonly fetchedBytes: number;
  /** Bytes found in this replica's own files and versions. */
  readonly reusedBytes: number;
}

/** A content-less failure: no source had a block. */
export class BlockUnavailable extends Error {
  readonly code = 'noproc';
  constructor(readonly hash: string) {
    super(`no source has block ${hash}`);
  }
}

/** One replica of a synced folder. */
export class Replica {
  constructor(
    /** This replica's id: its counter in version vectors and its name in conflict copies. */
    readonly id: string,
    readonly index: SyncIndex,
    private readonly storage: ReplicaStorage,
    private readonly now: () => number = Date.now,
    /** Paths this replica takes from peers: its ignore rules say no to the rest. */
    private readonly accepts: (path: string) => boolean = () => true,
    /** Files received at once. */
    private readonly parallelFiles = 32,
  ) {
    this.hash = storage.blockHash ?? blockHash;
  }

  private readonly hash: (data: Uint8Array) => string;

  /** Records a change found here (a file written or deleted); answers the new record, or undefined when nothing changed. */
  local(path: string, content: Content | 'deleted', mtime = this.now()): FileRecord | undefined {
    const old = this.index.get(path);
    if (content === 'deleted') {
      if (!old || old.deleted) return undefined;
      return this.index.put({ path, version: bumpVector(old.version, this.id), deleted: true, hash: '', size: 0, blockSize: old.blockSize, blocks: [], mtime, modifiedBy: this.id });
    }
    if (old && !old.deleted && old.hash === content.hash) return undefined;
    return this.index.put({ path, version: bumpVector(old?.version ?? EMPTY_VECTOR, this.id), deleted: false, ...content, mtime, modifiedBy: this.id });
  }

  /**
   * Takes peers' records: validates each, decides, fetches what is needed from this replica or
   * `sources`, and adopts. Content before tombstones, so that a rename finds its bytes here.
   */
  async receive(records: readonly unknown[], sources: readonly BlockSource[]): Promise<ReceiveReport> {
    const refused: { path: unknown; reason: string }[] = [];
    const valid: FileRecord[] = [];
    for (const record of records) {
      const problem = recordProblem(record);
      if (problem) refused.push({ path: (record as { path?: unknown } | null)?.path, reason: problem });
      else if (this.accepts((record as FileRecord).path)) valid.push(record as FileRecord);
    }
    const report = { adopted: 0, conflicts: [] as string[], refused, missing: [] as FileRecord[], failed: [] as { record: FileRecord; reason: string }[], fetchedBytes: 0, reusedBytes: 0 };
    const one = async (record: FileRecord) => {
      try {
        await this.apply(decide(this.index.get(record.path), record), sources, report);
      } catch (error) {
        // One record that cannot be applied does not stop the others; it is asked for again.
        if (error instanceof BlockUnavailable) report.missing.push(record);
        else report.failed.push({ record, reason: error instanceof Error ? error.message : String(error) });
      }
    };
    // Content before tombstones, so that a rename finds its bytes here before its old path goes.
    // Within each, several files at once (a batch names each path once): a file's round trips
    // and fsyncs overlap with the next one's.
    await pool(valid.filter((record) => !record.deleted), this.parallelFiles, one);
    await pool(valid.filter((record) => record.deleted), this.parallelFiles, one);
    return report;
  }

  private async apply(decision: Decision, sources: readonly BlockSource[], report: Counters): Promise<void> {
    switch (decision.action) {
      case 'keep':
        return;
      case 'relabel':
        this.index.put(decision.record);
        report.adopted++;
        return;
      case 'take': {
        const { record } = decision;
        const local = this.index.get(record.path);
        if (record.deleted) {
          if (local && !local.deleted) await this.storage.deleteFile(record.path);
        } else {
          await this.storage.writeFile(record, this.blocks(record, sources, report));
        }
        this.index.put(record);
        report.adopted++;
        return;
      }
      case 'conflict': {
        const { record, copy } = decision;
        if (decision.localLost) {
          // Our content loses the path but is kept: once the winner is wholly here, ours moves
          // (no bytes copied) to the copy's name and the winner takes the path.
          await this.storage.writeFile(record, this.blocks(record, sources, report), copy.path);
          this.index.put(copy);
          this.index.put(record);
        } else {
          this.index.put(record);
          await this.apply(decide(this.index.get(copy.path), copy), sources, report);
        }
        report.conflicts.push(copy.path);
        report.adopted++;
        return;
      }
    }
  }

  /** Block i of `record`: from this replica when it has it, else from the first source that does. */
  private blocks(record: FileRecord, sources: readonly BlockSource[], report: Counters): (index: number) => Promise<Uint8Array> {
    return async (index) => {
      const hash = record.blocks[index]!;
      const own = await this.storage.readBlock(hash);
      if (own && this.hash(own) === hash) {
        report.reusedBytes += own.length;
        return own;
      }
      const fetched = await fetchBlock(hash, sources, this.hash);
      report.fetchedBytes += fetched.length;
      return fetched;
    };
  }
}

interface Counters {
  adopted: number;
  conflicts: string[];
  fetchedBytes: number;
  reusedBytes: number;
}

/** A block from the first source that has it (and whose bytes hash to it). */
async function fetchBlock(hash: string, sources: readonly BlockSource[], hashOf: (data: Uint8Array) => string): Promise<Uint8Array> {
  for (const source of sources) {
    const bytes = await source.block(hash).catch(() => undefined);
    if (bytes && hashOf(bytes) === hash) return bytes;
  }
  throw new BlockUnavailable(hash);
}
