/**
 * One synced folder in the Sync view: where it is on this device, its files and bytes, a bar
 * while the shown replica catches up, every replica by device with its state, and the conflict
 * copies it holds. Drawn again from each poll's answers; nothing in it keeps state of its own.
 */
import type { NodeId } from '../../../../src/firefly/address.js';
import { errorLine, h, shortId } from '../dom.js';
import { formatTime } from '../files/fileFormat.js';
import type { SyncedFolder, SyncStatus } from './syncApi.js';
import type { SyncEvent } from './syncEvents.js';
import { tabCopySection, type TabCopy } from './tabCopy.js';
import { filesAndBytes, lastSeenText, peerState, receivingText, type ReplicaState } from './syncFormat.js';

/** What one folder's card is drawn from. */
export interface FolderCard {
  folder: SyncedFolder;
  /** The node of the replica whose status is shown (the daemon's when it holds one), if any is reachable. */
  shown: NodeId | undefined;
  status: SyncStatus | undefined;
  /** Why there is no status. */
  error: unknown;
  /** The node that served the page. */
  daemon: NodeId | undefined;
  /** Conflicts and removals announced on the replicas' events channels since the view was opened, newest first. */
  events: readonly SyncEvent[];
  /** What this tab holds of the folder. */
  tab: TabCopy | undefined;
}

interface Row {
  node: string;
  device: string;
  state: ReplicaState | { state: 'self' | 'pending'; text: string };
  seen: string;
}

/** Every replica: the shown one first, then those its status knows, then members it has not heard of yet. */
function rows({ folder, shown, status }: FolderCard): Row[] {
  const online = new Map(folder.replicas.map((replica) => [replica.node, replica.online]));
  const device = (node: string) => folder.replicas.find((replica) => replica.node === node)?.device ?? shortId(node);
  const result: Row[] = [];
  if (shown !== undefined) result.push({ node: shown, device: device(shown), state: { state: 'self', text: 'its status is shown' }, seen: '' });
  for (const peer of status?.peers ?? []) {
    if (result.some((row) => row.node === peer.node)) continue;
    result.push({ node: peer.node, device: peer.device, state: peerState(peer, online.get(peer.node) ?? false), seen: peer.removed ? '' : lastSeenText(peer.lastSeen) });
  }
  for (const replica of folder.replicas) {
    if (result.some((row) => row.node === replica.node)) continue;
    result.push({ node: replica.node, device: replica.device, state: { state: 'pending', text: replica.online ? 'joining' : 'off' }, seen: '' });
  }
  return result;
}

function replicaTable(card: FolderCard): HTMLElement {
  return h(
    'div',
    { class: 'scroll-x' },
    h(
      'table',
      { class: 'entries sync-replicas' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Device'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Last seen'))),
      h(
        'tbody',
        {},
        ...rows(card).map((row) =>
          h(
            'tr',
            { 'data-node': row.node, 'data-device': row.device, 'data-state': row.state.state },
            h(
              'td',
              { title: row.node },
              row.device,
              row.node === card.daemon ? h('span', { class: 'badge mark' }, 'this device') : undefined,
              row.node === card.tab?.node ? h('span', { class: 'badge mark' }, 'this tab') : undefined,
            ),
            h('td', { class: 'sync-state' }, row.state.text),
            h('td', {}, row.seen),
          ),
        ),
      ),
    ),
  );
}

function conflictList(card: FolderCard): HTMLElement {
  const conflicts = card.status?.conflicts ?? [];
  if (conflicts.length === 0) return h('p', { class: 'muted sync-no-conflicts' }, card.status ? 'No conflicts.' : '');
  const announced = new Map(card.events.flatMap((event) => (event.event === 'conflict' ? [[event.copy, event] as const] : [])));
  return h(
    'ul',
    { class: 'sync-conflicts', 'aria-label': `conflict copies in ${card.folder.name}` },
    ...conflicts.map((copy) => {
      const event = announced.get(copy);
      return h('li', { 'data-conflict': copy }, h('code', {}, copy), event ? h('span', { class: 'muted' }, ` — ${formatTime(event.at)}, when a concurrent change arrived from ${event.from}`) : undefined);
    }),
  );
}

function eventList(card: FolderCard): HTMLElement | undefined {
  if (card.events.length === 0) return undefined;
  return h(
    'ol',
    { class: 'messages sync-events', 'aria-label': `announcements of ${card.folder.name}` },
    ...card.events.map((event) =>
      event.event === 'conflict'
        ? h('li', { 'data-event': 'conflict', 'data-copy': event.copy }, `${formatTime(event.at)} conflict copy `, h('code', {}, event.copy), `: a concurrent change arrived from ${event.from}`)
        : h('li', { 'data-event': 'removed', 'data-device': event.device }, `${formatTime(event.at)} ${event.device} was removed from the folder`),
    ),
  );
}

/** Draws `card` into `element` (an `article[data-folder]`), replacing what it showed. */
export function drawFolderCard(element: HTMLElement, card: FolderCard): void {
  const { folder, status, shown, daemon } = card;
  element.dataset.folder = folder.name;
  if (shown === undefined) delete element.dataset.replica;
  else element.dataset.replica = shown;
  const root = shown !== undefined && shown === daemon ? status?.root : undefined;
  const receiving = status?.receiving ?? null;
  const parts: (HTMLElement | undefined)[] = [
    h('h3', {}, folder.name),
    root !== undefined
      ? h('p', { class: 'sync-root' }, 'On this device: ', h('code', { class: 'sync-path' }, root))
      : h('p', { class: 'sync-root' }, 'Not on this device', status ? `; below as ${rows(card)[0]?.device ?? 'another device'} has it` : ''),
    status ? h('p', { class: 'sync-totals' }, filesAndBytes(status.files, status.bytes), status.waiting > 0 ? `, ${status.waiting} waiting to be fetched` : '') : undefined,
    receiving
      ? h(
          'p',
          { class: 'sync-receiving' },
          h('progress', {
            max: Math.max(receiving.bytes, 1),
            value: receiving.bytes > 0 ? receiving.doneBytes : 0,
            'aria-label': `catching up ${folder.name}`,
          }),
          ' ',
          receivingText(receiving),
        )
      : undefined,
    status ? undefined : card.error !== undefined ? errorLine(card.error) : h('p', { class: 'muted' }, 'no replica of it is reachable now'),
    replicaTable(card),
    card.tab ? tabCopySection(folder.name, card.tab) : undefined,
    h('h4', {}, 'Conflict copies'),
    conflictList(card),
    eventList(card),
  ];
  element.replaceChildren(...parts.filter((part) => part !== undefined));
}
