/**
 * What a replica does with a peer's record of a path. The answer depends only on the two
 * records, never on which replica asks, so two replicas resolving the same conflict reach the
 * same record and the same conflict copy without talking: they converge.
 *
 * - A peer's record that has seen all of ours replaces ours; one ours has seen is ignored.
 * - Concurrent records: an edit beats a delete; of two edits the newer modification wins (ties:
 *   the smaller replica id), and the other is kept as a conflict copy next to it. The result
 *   carries both vectors merged, so it is after both sides and ends the conflict everywhere.
 * - Concurrent records of the same content are no conflict: the winner's record stands as it is.
 */
import { conflictName } from './conflictName.js';
import { sameContent, sameRecord, type FileRecord } from './record.js';
import { compareVectors, mergeVectors } from './versionVector.js';

/** What to do with a peer's record. */
export type Decision =
  /** Ours is the same or newer. */
  | { readonly action: 'keep' }
  /** Adopt `record`: its content differs from ours, so fetch it (or delete, for a tombstone). */
  | { readonly action: 'take'; readonly record: FileRecord }
  /** Adopt `record`, whose content we already hold here: only the record changes. */
  | { readonly action: 'relabel'; readonly record: FileRecord }
  /**
   * Two edits: `record` stays at the path and `copy` (the losing content) goes to its conflict
   * name. `localLost` says whether the loser is ours (move our file to the copy's name, then fetch
   * the winner) or the peer's (keep our file, fetch the copy).
   */
  | { readonly action: 'conflict'; readonly record: FileRecord; readonly copy: FileRecord; readonly localLost: boolean };

/** Decides what to do with `remote`, given our record of the same path (undefined if none). */
export function decide(local: FileRecord | undefined, remote: FileRecord): Decision {
  if (local === undefined) return { action: 'take', record: remote };
  const order = compareVectors(local.version, remote.version);
  if (order === 'after') return { action: 'keep' };
  if (order === 'before') return adopt(local, remote);
  if (order === 'equal' && sameRecord(local, remote)) return { action: 'keep' };
  // Concurrent (or equal vectors on different records, which only a confused peer sends:
  // resolved the same way, so it still converges).
  const winner = winnerOf(local, remote);
  // The same content on both sides (two devices that got the same file another way): no conflict,
  // and no new record either — the winner's stands, so one replica keeps its record and the
  // others take it once, rather than every replica rewriting every such record to a merged vector
  // (with 100 000 files copied onto three devices, that was waves of 100 000 changes each).
  if (local.deleted === remote.deleted && local.hash === remote.hash) return winner === local ? { action: 'keep' } : { action: 'relabel', record: remote };
  const loser = winner === local ? remote : local;
  const record: FileRecord = { ...winner, version: mergeVectors(local.version, remote.version), seq: local.seq };
  if (local.deleted || remote.deleted || local.hash === remote.hash) return adopt(local, record);
  const copy: FileRecord = { ...loser, path: conflictName(loser.path, loser.mtime, loser.modifiedBy), seq: 0 };
  return { action: 'conflict', record, copy, localLost: loser === local };
}

/** Of two concurrent records, the one that keeps the path. */
export function winnerOf(a: FileRecord, b: FileRecord): FileRecord {
  if (a.deleted !== b.deleted) return a.deleted ? b : a;
  if (a.mtime !== b.mtime) return a.mtime > b.mtime ? a : b;
  if (a.modifiedBy !== b.modifiedBy) return a.modifiedBy < b.modifiedBy ? a : b;
  // Same time, same replica: only a confused peer; any fixed order converges.
  return JSON.stringify([a.version, a.hash]) < JSON.stringify([b.version, b.hash]) ? a : b;
}

function adopt(local: FileRecord, record: FileRecord): Decision {
  if (sameRecord(local, record)) return { action: 'keep' };
  return sameContent(local, record) ? { action: 'relabel', record } : { action: 'take', record };
}
