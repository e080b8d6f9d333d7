/**
 * A replica's persisted index, in its state files: `replica.json` names the replica and its
 * change log's epoch; `index.jsonl` holds records, one JSON line each, appended as they change
 * and rewritten whole (atomically) when it has grown to twice what it holds. A torn last line (a
 * crash mid-append) is skipped: the scan after a restart finds that file again. Browser-safe.
 */
import { nanoid } from 'nanoid';
import { recordProblem, type FileRecord } from './record.js';
import type { ReplicaState } from './replicaState.js';

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
    private readonly state: ReplicaState,
    lines: number,
  ) {
    this.lines = lines;
  }

  /**
   * Opens the index kept in `state`. A replica that has none becomes one of `folder` with a new
   * replica id and epoch; one that has one must be a replica of `folder`.
   */
  static async open(state: ReplicaState, folder: string): Promise<{ log: IndexLog; identity: ReplicaIdentity; records: FileRecord[] }> {
    const saved = await state.read(IDENTITY);
    let identity = parseIdentity(saved);
    if (identity && identity.folder !== folder) throw new Error(`this folder is already a replica of another synced folder (${identity.folder})`);
    if (!identity) {
      identity = { folder, replica: nanoid(10), epoch: nanoid() };
      await state.write(IDENTITY, JSON.stringify(identity));
    }
    const text = (await state.read(LOG)) ?? '';
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
    return { log: new IndexLog(state, lines), identity, records: [...latest.values()] };
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
      await this.state.write(LOG, all.join('\n') + '\n');
      this.lines = all.length;
      return;
    }
    await this.state.append(LOG, batch.join('\n') + '\n');
  }
}

function parseIdentity(text: string | undefined): ReplicaIdentity | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as ReplicaIdentity);
  } catch {
    return undefined;
  }
}
