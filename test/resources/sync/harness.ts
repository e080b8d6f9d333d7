/**
 * Replicas in memory and the two ways they meet: catching up by cursor (a peer seen before) and
 * reconciling (no shared history). Used by the model tests.
 */
import { contentOf } from '../../../src/resources/sync/blocks.js';
import { respond, startReconcile, type ReconcileMessage } from '../../../src/resources/sync/reconcile.js';
import { Replica, type ReceiveReport } from '../../../src/resources/sync/replica.js';
import { SyncIndex } from '../../../src/resources/sync/syncIndex.js';
import { MemoryFolder } from './memoryFolder.js';

export interface TestReplica {
  readonly replica: Replica;
  readonly folder: MemoryFolder;
  /** Per peer: the peer's epoch and the last of its changes seen. */
  readonly cursors: Map<string, { epoch: string; seq: number }>;
}

export function makeReplica(id: string, clock: () => number): TestReplica {
  const folder = new MemoryFolder();
  return { replica: new Replica(id, new SyncIndex(), folder, clock), folder, cursors: new Map() };
}

const text = (value: string) => new TextEncoder().encode(value);

/** A person writes a file. */
export function write(r: TestReplica, path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? text(data) : data;
  r.folder.files.set(path, bytes);
  r.replica.local(path, contentOf(bytes));
}

/** A person deletes a file. */
export function remove(r: TestReplica, path: string): void {
  if (!r.folder.files.delete(path)) return;
  r.replica.local(path, 'deleted');
}

/** A person renames a file. */
export function rename(r: TestReplica, from: string, to: string): void {
  const data = r.folder.files.get(from);
  if (!data || r.folder.files.has(to)) return;
  r.folder.files.delete(from);
  r.folder.files.set(to, data);
  r.replica.local(to, contentOf(data));
  r.replica.local(from, 'deleted');
}

/** `to` catches up with `from` by cursor: one request, one answer. */
export async function pull(to: TestReplica, from: TestReplica): Promise<ReceiveReport> {
  const cursor = to.cursors.get(from.replica.id);
  const since = cursor && cursor.epoch === from.replica.index.epoch ? cursor.seq : 0;
  const records = from.replica.index.changesSince(since);
  const top = from.replica.index.sequence;
  const report = await to.replica.receive(records, [from.folder.source()]);
  // A record whose content could not be fetched is asked for again next time.
  const retry = [...report.missing, ...report.failed.map((f) => f.record)].reduce((low, record) => Math.min(low, record.seq - 1), top);
  to.cursors.set(from.replica.id, { epoch: from.replica.index.epoch, seq: retry });
  return report;
}

/** Both sides catch up by cursor. */
export async function meetByCursor(a: TestReplica, b: TestReplica): Promise<number> {
  const one = await pull(a, b);
  const two = await pull(b, a);
  return one.adopted + two.adopted;
}

/** Reconciliation with no shared history; answers the records adopted and the bytes of metadata each side sent. */
export async function meetByReconcile(a: TestReplica, b: TestReplica, size: (message: ReconcileMessage) => number = () => 0): Promise<{ adopted: number; sent: [number, number]; rounds: number }> {
  let message = startReconcile(a.replica.index);
  const sent: [number, number] = [size(message), 0];
  let adopted = 0;
  let rounds = 0;
  // `from` sent `message` to `to`.
  let [from, to] = [a, b];
  while (message.length > 0) {
    rounds++;
    if (rounds > 64) throw new Error('reconciliation did not end');
    const step = respond(to.replica.index, message);
    adopted += (await to.replica.receive(step.records, [from.folder.source()])).adopted;
    message = step.reply;
    sent[to === a ? 0 : 1] += size(message);
    [from, to] = [to, from];
  }
  return { adopted, sent, rounds };
}
