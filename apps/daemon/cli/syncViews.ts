/** How `glow sync …` prints: tables of folders, replicas and conflicts. */
import type { SyncStatus } from '../../../src/resources/sync/interface.js';
import type { LocalReplica, SyncedFolder } from '../../../src/resources/sync/service.js';
import { cell, duration, sizeText, table } from './format.js';
import { list, record, type Loose } from './views.js';

/** `sync add` / `sync join`. */
export function replicaView(value: unknown): string {
  const r = record(value) as Loose<LocalReplica>;
  return `${cell(r.root)} is a replica of the synced folder ${cell(r.name)} (${cell(r.ref)})\n`;
}

/** `sync ls`: NAME, REPLICAS (by device; * this one, (off) when unreachable now). */
export function foldersView(value: unknown, self: string): string {
  const rows = list(value).map((folder: Loose<SyncedFolder>) => {
    const replicas = Array.isArray(folder.replicas) ? (folder.replicas as SyncedFolder['replicas']) : [];
    const devices = replicas.map((replica) => `${replica.device}${replica.node === self ? ' *' : replica.online ? '' : ' (off)'}`);
    return [cell(folder.name), devices.sort().join(', ')];
  });
  return rows.length ? table(['NAME', 'REPLICAS (* this device)'], rows) : 'no synced folders: glow sync add PATH makes one\n';
}

/** `sync status NAME`: the replica, then one row per other replica. */
export function statusView(value: unknown, now = Date.now()): string {
  const s = record(value) as Loose<SyncStatus>;
  const conflicts = Array.isArray(s.conflicts) ? s.conflicts.length : 0;
  const head = `${cell(s.name)} at ${cell(s.root)}: ${cell(s.files)} files, ${sizeText(Number(s.bytes) || 0)}, ${conflicts} conflict${conflicts === 1 ? '' : 's'}${Number(s.waiting) > 0 ? `, ${cell(s.waiting)} waiting for a replica that has them` : ''}\n`;
  const peers = (Array.isArray(s.peers) ? s.peers : []) as SyncStatus['peers'];
  if (peers.length === 0) return `${head}no other replica yet: glow sync join ${cell(s.name)} PATH on another device\n`;
  const rows = peers.map((peer) => [
    peer.device,
    peer.removed ? 'removed' : peer.granted === false ? 'grant ended: not synced' : peer.inSync ? 'in sync' : peer.lastSeen === null ? 'not seen yet' : `${peer.filesBehind} files, ${sizeText(peer.bytesBehind)} behind`,
    peer.lastSeen === null ? '-' : `${duration(Math.max(0, now - peer.lastSeen))} ago`,
  ]);
  return head + table(['REPLICA', 'STATE', 'LAST SEEN'], rows);
}

/** `sync conflicts NAME`. */
export function conflictsView(value: unknown): string {
  const s = record(value) as Loose<SyncStatus>;
  const conflicts = Array.isArray(s.conflicts) ? s.conflicts.map(String) : [];
  return conflicts.length ? conflicts.join('\n') + '\n' : `no conflicts in ${cell(s.name)}\n`;
}
