/**
 * The Sync view: the synced folders of the mesh, as the sync service of the daemon that served
 * the page lists them (`folders`), each drawn from the status of one replica — the daemon's own
 * when it holds one, else a reachable one (folderCard.ts); the forms that add a folder of this
 * device or join one (syncForms.ts); and conflicts and removals as the replicas announce them
 * (syncEvents.ts). It polls every second and subscribes only while it is shown.
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import type { NodeId } from '../../../../src/firefly/address.js';
import type { Timer } from '../../../../src/firefly/clock.js';
import type { SyncFolderInterface } from '../../../../src/resources/sync/interface.js';
import { SyncServiceInterface } from '../../../../src/resources/sync/syncService.js';
import { errorCode, errorReason, errorText, h, markRefreshed } from '../dom.js';
import { VIEW_TIMEOUT } from '../meshQueries.js';
import { drawFolderCard, type FolderCard } from './folderCard.js';
import { eventsOf, serviceName, syncNames, type SyncedFolder } from './syncApi.js';
import { syncEventFeed } from './syncEvents.js';
import { syncForms } from './syncForms.js';
import type { TabCopy } from './tabCopy.js';
import { tabReplica } from './tabSync.js';

/** How often the folders and their status are asked for while the view is shown, ms. */
const POLL = 1000;
/**
 * How long `folders` may take, ms: the service asks a replica of each folder for its members,
 * waiting up to 5 s for one that is off, so this is longer than a view's usual wait.
 */
const FOLDERS_TIMEOUT = 10_000;

/**
 * The replica whose status a folder is shown with: the daemon's when it holds one, else the first
 * reachable device's, else this tab's own (which its section below shows anyway).
 */
function shownReplica(folder: SyncedFolder, daemon: NodeId, tab: NodeId): SyncedFolder['replicas'][number] | undefined {
  return folder.replicas.find((replica) => replica.node === daemon) ?? folder.replicas.find((replica) => replica.online && replica.node !== tab) ?? folder.replicas.find((replica) => replica.node === tab);
}

/** Opens file `path` of the tab's copy of folder `name` from the tab's own storage (a download, named as the file). */
async function openTabFile(name: string, path: string): Promise<void> {
  const file = await tabReplica(name)?.files.file(path);
  if (!file) return;
  const url = URL.createObjectURL(file);
  const link = h('a', { href: url, download: path.slice(path.lastIndexOf('/') + 1) });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Mounts the view into `root`. `daemon` is the node that served the page, once known. */
export function mountSyncView(root: HTMLElement, mesh: Mesh, daemon: () => NodeId | undefined): { refresh: () => Promise<void>; hide: () => void } {
  const clock = mesh.node.clock;
  const names = syncNames(mesh, daemon);
  const status = h('p', { id: 'sync-status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { id: 'sync-error', class: 'error', role: 'alert' });
  const result = h('p', { id: 'sync-result', 'aria-live': 'polite' });
  const list = h('div', { id: 'sync-folders', class: 'sync-folders', 'aria-label': 'synced folders' });
  const cards = new Map<string, HTMLElement>();
  /** The last poll's answers, drawn again when an announcement arrives between two polls. */
  let shown: Omit<FolderCard, 'events' | 'tab'>[] = [];

  let visible = false;
  /** Bumped at every show and hide: a poll loop of an older showing stops. */
  let loop = 0;
  /** Polls are numbered: an answer older than the one drawn is not drawn over it (a form's poll runs beside the loop's). */
  let asked = 0;
  let drawn = 0;
  let timer: Timer | undefined;
  let wake: (() => void) | undefined;

  const service = () => {
    const node = daemon();
    return node === undefined ? undefined : names.ref<typeof SyncServiceInterface>(serviceName(node));
  };

  const draw = () => {
    const seen = new Set<string>();
    for (const card of shown) {
      seen.add(card.folder.name);
      let element = cards.get(card.folder.name);
      if (!element) cards.set(card.folder.name, (element = h('article', { class: 'sync-folder' })));
      drawFolderCard(element, { ...card, events: feed.events(card.folder.name), tab: tabCopy(card.folder.name) });
    }
    for (const name of [...cards.keys()]) if (!seen.has(name)) cards.delete(name);
    list.replaceChildren(
      ...(shown.length
        ? shown.map((card) => cards.get(card.folder.name)!)
        : [h('p', { id: 'sync-empty', class: 'muted' }, 'No synced folders yet: sync a folder of this device below, or run glow sync add PATH on any device.')]),
    );
    markRefreshed(list);
  };

  const feed = syncEventFeed(mesh, names, () => {
    draw();
    // The announcing replica's status has the copy already: show the list it is in now.
    void tick();
  });

  /** Shows what a form or button did: its error (with code and reason, for tests and styles) or its result. */
  const show = (outcome: { done: string } | { error: unknown }) => {
    if ('error' in outcome) {
      result.textContent = '';
      error.textContent = errorText(outcome.error);
      error.dataset.code = errorCode(outcome.error) ?? '';
      const reason = errorReason(outcome.error);
      if (reason === undefined) delete error.dataset.reason;
      else error.dataset.reason = reason;
    } else {
      error.textContent = '';
      delete error.dataset.code;
      delete error.dataset.reason;
      result.textContent = outcome.done;
    }
  };

  const forms = syncForms({
    service,
    outcome: show,
    changed: () => tick(),
  });

  /** The sorted file list of each tab replica, as of its index's sequence: a card is drawn every second, the index changes far less. */
  const listed = new Map<string, { sequence: number; files: TabCopy['files'] }>();
  const tabFiles = (name: string): TabCopy['files'] => {
    const index = tabReplica(name)?.folder.replica.index;
    if (!index) return undefined;
    const known = listed.get(name);
    if (known?.sequence === index.sequence) return known.files;
    const files = [...index.records()].filter((record) => !record.deleted).map((record) => ({ path: record.path, size: record.size })).sort((a, b) => (a.path < b.path ? -1 : 1));
    listed.set(name, { sequence: index.sequence, files });
    return files;
  };

  /** This tab's copy of folder `name`: its files as its replica's index has them. */
  const tabCopy = (name: string): TabCopy => {
    const files = tabFiles(name);
    return {
      node: mesh.node.id,
      files,
      keep: () =>
        void mesh.node
          .named(serviceName(mesh.node.id), SyncServiceInterface)
          .call('join', { root: `/${name}`, name }, { timeout: FOLDERS_TIMEOUT })
          .then(() => show({ done: `keeping ${name} in this tab` }), (error: unknown) => show({ error }))
          .then(() => tick()),
      open: (path) => void openTabFile(name, path),
    };
  };

  /** Asks for the folders and each one's status, draws them, and follows the replicas' announcements. Never rejects. */
  async function tick(): Promise<void> {
    const node = daemon();
    const ref = service();
    if (node === undefined || ref === undefined) {
      status.textContent = 'waiting for the daemon…';
      return;
    }
    const mine = ++asked;
    let folders: SyncedFolder[];
    try {
      await names.learn([serviceName(node)]).catch(() => undefined);
      folders = await ref.call('folders', {}, { timeout: FOLDERS_TIMEOUT });
      await names.learn(folders.flatMap((folder) => shownReplica(folder, node, mesh.node.id)?.ref ?? [])).catch(() => undefined);
    } catch (cause) {
      if (mine < drawn || !visible) return;
      status.textContent = `cannot list synced folders: ${errorText(cause)}`;
      status.dataset.error = 'true';
      return;
    }
    const answers = await Promise.all(
      folders.map(async (folder): Promise<Omit<FolderCard, 'events' | 'tab'>> => {
        const replica = shownReplica(folder, node, mesh.node.id);
        const card = { folder, shown: replica?.node, status: undefined, error: undefined, daemon: node };
        if (!replica) return card;
        try {
          return { ...card, status: await names.ref<typeof SyncFolderInterface>(replica.ref).call('status', {}, { timeout: VIEW_TIMEOUT }) };
        } catch (cause) {
          return { ...card, error: cause };
        }
      }),
    );
    if (mine < drawn || !visible) return;
    drawn = mine;
    shown = answers;
    status.textContent = folders.length === 1 ? '1 synced folder' : `${folders.length} synced folders`;
    delete status.dataset.error;
    forms.joinable(folders.filter((folder) => !folder.replicas.some((replica) => replica.node === node)).map((folder) => folder.name));
    draw();
    const channels = new Map(folders.flatMap((folder) => folder.replicas.filter((replica) => replica.online).map((replica) => [eventsOf(replica.ref), folder.name] as const)));
    await feed.follow(channels);
    if (visible) list.dataset.subscriptions = String(feed.open());
  }

  const run = async (mine: number) => {
    while (visible && mine === loop) {
      await tick();
      if (!visible || mine !== loop) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = clock.setTimeout(resolve, POLL);
      });
    }
  };

  // The forms' outcome (`#sync-error`, `#sync-result`) sits between the folders and the forms.
  root.append(h('h2', {}, 'Synced folders'), status, list, error, result, forms.element);

  const refresh = async () => {
    const first = !visible;
    visible = true;
    if (first) {
      loop++;
      void run(loop);
    } else await tick();
  };

  const hide = () => {
    visible = false;
    loop++;
    clock.clearTimeout(timer);
    wake?.();
    feed.stop();
    delete list.dataset.subscriptions;
  };

  return { refresh, hide };
}
