/** How the Sync view words a replica's state, a time it was last seen and a catch-up in progress. */
import { formatSize, formatTime } from '../files/fileFormat.js';
import type { SyncStatus } from './syncApi.js';

/** A peer replica as the shown replica's status reports it. */
export type Peer = SyncStatus['peers'][number];

/** A replica's state: what `data-state` says (for tests and styles) and the words shown. */
export interface ReplicaState {
  readonly state: 'self' | 'in-sync' | 'behind' | 'removed' | 'revoked' | 'off';
  readonly text: string;
}

/** `3 files, 1.2 KiB`. */
export function filesAndBytes(files: number, bytes: number): string {
  return `${files} ${files === 1 ? 'file' : 'files'}, ${formatSize(bytes)}`;
}

/** When a peer was last reached, relative while recent: `just now`, `12 s ago`, `4 min ago`, else the date. */
export function lastSeenText(at: number | null, now = Date.now()): string {
  if (at === null) return 'never seen';
  const ago = Math.max(0, now - at);
  if (ago < 2000) return 'seen just now';
  if (ago < 60_000) return `seen ${Math.round(ago / 1000)} s ago`;
  if (ago < 3_600_000) return `seen ${Math.round(ago / 60_000)} min ago`;
  return `last seen ${formatTime(at)}`;
}

/**
 * A peer's state as seen from the shown replica: removed (gets nothing more), then a friend's
 * whose grant ended (neither served nor pulled from), before off (not reachable now) before how
 * far behind it is. An off replica that is behind says so too: that is what it will fetch when
 * it comes back.
 */
export function peerState(peer: Peer, online: boolean): ReplicaState {
  const behind = peer.inSync ? '' : `${filesAndBytes(peer.filesBehind, peer.bytesBehind)} behind`;
  if (peer.removed) return { state: 'removed', text: 'removed' };
  if (!peer.granted) return { state: 'revoked', text: 'its grant ended: not synced' };
  if (!online) return { state: 'off', text: behind ? `off, ${behind}` : 'off' };
  if (peer.inSync) return { state: 'in-sync', text: 'in sync' };
  return { state: 'behind', text: behind };
}

/** What a catch-up in progress says next to its bar: `receiving 3/10 files, 1.0 MiB of 4.0 MiB`. */
export function receivingText(receiving: NonNullable<SyncStatus['receiving']>): string {
  return `receiving ${receiving.doneFiles}/${receiving.files} files, ${formatSize(receiving.doneBytes)} of ${formatSize(receiving.bytes)}`;
}
