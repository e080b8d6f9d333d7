/**
 * A replica's index on disk: `.glow-sync/replica.json` names the replica and its change log's
 * epoch; `.glow-sync/index.jsonl` holds records, one JSON line each, appended as they change and
 * rewritten whole (atomically) when it has grown to twice what it holds. A torn last line (a
 * crash mid-append) is skipped: the scan after a restart finds that file again.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import { writeDurably } from '../fs/atomic.js';
import { recordProblem, type FileRecord } from './record.js';

/** Who a replica is, kept beside its index. */
export interface ReplicaIdentity {
  /** The synced folder's id, the same on every replica. */
  readonly folder: string;
  /** This replica's id: its counter in version vectors. */
  readonly replica: string;
  /** The epoch of this replica's change log. */
  readonly epoch: string;
}

const IDENTITY = 'replica.json';
const LOG = 'index.jsonl';

/** The persisted index of one replica. */
export class IndexLog {
  private pending: string[] = [];
  private lines: number;

  private constructor(
    private readonly dir: string,
    lines: number,
  ) {
    this.lines = lines;
  }

  /**
   * Opens the index in `dir` (a folder's `.glow-sync`). A folder that has none becomes a replica
   * of `folder` with a new replica id and epoch; one that has one must be a replica of `folder`.
   */
  static async open(dir: string, folder: string): Promise<{ log: IndexLog; identity: ReplicaIdentity; records: FileRecord[] }> {
    let identity = await readFile(join(dir, IDENTITY), 'utf8').then((text) => JSON.parse(text) as ReplicaIdentity, () => undefined);
    if (identity && identity.folder !== folder) throw new Error(`this folder is already a replica of another synced folder (${identity.folder})`);
    if (!identity) {
      identity = { folder, replica: nanoid(10), epoch: nanoid() };
      await writeDurably(join(dir, IDENTITY), JSON.stringify(identity));
    }
    const text = await readFile(join(dir, LOG), 'utf8').catch(() => '');
    const latest = new Map<string, FileRecord>();
    let lines = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      lines++;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue; // a torn line
      }
      if (recordProblem(record) === undefined) latest.set((record as FileRecord).path, record as FileRecord);
    }
    return { log: new IndexLog(dir, lines), identity, records: [...latest.values()] };
  }

  /** Queues a changed record for the next {@link flush}. */
  append(record: FileRecord): void {
    this.pending.push(JSON.stringify(record));
  }

  /** Writes queued records; rewrites the log when it holds more than twice `live` lines. */
  async flush(live: () => Iterable<FileRecord>, size: number): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.lines += batch.length;
    if (this.lines > 2 * size + 1000) {
      const all = [...live()].sort((a, b) => a.seq - b.seq).map((record) => JSON.stringify(record));
      await writeDurably(join(this.dir, LOG), all.join('\n') + '\n');
      this.lines = all.length;
      return;
    }
    await appendFile(join(this.dir, LOG), batch.join('\n') + '\n');
  }
}
