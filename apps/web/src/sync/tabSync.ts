/**
 * The tab as a replica of synced folders: kind `tab.sync` keeps a replica in the tab's Origin
 * Private File System, and kind `tab.syncd` is the tab's sync service (`glow.sync/<tab id>`,
 * the same `glow.SyncService/1` a daemon runs), so the web app — or `glow sync join NAME /NAME
 * --on <tab id>` from any device — can keep a copy of a folder in the tab. The list of the tab's
 * replicas and each replica's index stay in OPFS: after a reload the tab is the same replica
 * (its replica id; each page load runs as a fresh node, which its next hello tells the other
 * members) and catches up with a cursor. A tab carries changes between
 * devices that never meet (store and forward), and shows the files it holds.
 */
import * as v from 'valibot';
import type { ProcessKind } from '../../../../src/actors/process.js';
import { GlowError } from '../../../../src/firefly/errors.js';
import { BlockLocator } from '../../../../src/resources/sync/blockLocator.js';
import { FolderReplica, openIndex } from '../../../../src/resources/sync/folderReplica.js';
import type { SyncArgs } from '../../../../src/resources/sync/interface.js';
import { replicaKind } from '../../../../src/resources/sync/replicaKind.js';
import type { ReplicaState } from '../../../../src/resources/sync/replicaState.js';
import { startSyncService, SyncServiceInterface, type ServiceEntry, type SyncServiceHost } from '../../../../src/resources/sync/syncService.js';
import type { SyncIndex } from '../../../../src/resources/sync/syncIndex.js';
import { OpfsFolder } from './opfsFolder.js';
import { opfsState } from './opfsState.js';

/** Where in OPFS the tab's synced folders live. */
const SYNC_DIR = 'glow-sync';
const LIST = 'replicas.json';

/** A tab replica's root: `/NAME`, one directory of the tab's storage. */
const TAB_ROOT = /^\/[^/\\]{1,100}$/;

async function syncDir(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(SYNC_DIR, { create: true });
}

/** The tab's open replicas' files, by folder name: the Sync view lists and opens them. */
const opened = new Map<string, { folder: FolderReplica; files: OpfsFolder }>();

/** The tab's replica of the folder named `name`, while it runs. */
export function tabReplica(name: string): { folder: FolderReplica; files: OpfsFolder } | undefined {
  return opened.get(name);
}

/** Makes the `tab.sync` kind; `deviceName` is how other replicas show the tab. */
export function tabSyncKind(deviceName: string): ProcessKind<SyncArgs> {
  return replicaKind({
    name: 'tab.sync',
    description: 'a replica of a synced folder in this tab’s storage (glow.SyncFolder/1)',
    deviceName,
    async open(ctx, args) {
      if (!TAB_ROOT.test(args.root)) throw new GlowError('badarg', 'a tab replica’s root is /NAME', { reason: 'notdir' });
      const dir = await (await syncDir()).getDirectoryHandle(args.root.slice(1), { create: true });
      const state = opfsState(await dir.getDirectoryHandle('state', { create: true }));
      const locator = new BlockLocator();
      const index: { of?: SyncIndex } = {};
      const files = await OpfsFolder.open(dir, (path) => index.of?.get(path), locator);
      const saved = await openIndex(state, args.folder, locator);
      index.of = saved.index;
      const folder = await FolderReplica.withStorage(saved, files, args.root, state);
      opened.set(args.name, { folder, files });
      ctx.node.monitor(ctx.self, () => {
        if (opened.get(args.name)?.folder === folder) opened.delete(args.name);
      });
      return { folder, state };
    },
  });
}

/** Where the list of the tab's replicas is kept: one state, so that its writes queue one behind another. */
let listStateOnce: Promise<ReplicaState> | undefined;
const listState = () => (listStateOnce ??= syncDir().then(opfsState));

/** The host of the tab's sync service: its list in OPFS, replicas in OPFS directories. */
const tabHost: SyncServiceHost = {
  kind: 'tab.sync',
  async load() {
    const text = await (await listState()).read(LIST);
    try {
      return text === undefined ? [] : (JSON.parse(text) as ServiceEntry[]);
    } catch {
      return []; // a list that does not parse names no replica
    }
  },
  save: async (entries) => (await listState()).write(LIST, JSON.stringify(entries)),
  checkRoot(root) {
    if (!TAB_ROOT.test(root)) return Promise.reject(new GlowError('badarg', `${JSON.stringify(root)} is not a folder of this tab: a tab keeps folders as /NAME`, { reason: 'notdir' }));
    return Promise.resolve();
  },
  basename: (root) => root.slice(root.lastIndexOf('/') + 1),
};

/** `tab.syncd`: the tab's sync service. */
export const tabSyncServiceKind: ProcessKind<Record<string, never>> = {
  name: 'tab.syncd',
  description: 'starts and keeps this tab’s synced-folder replicas (glow.SyncService/1)',
  args: v.object({}),
  interface: SyncServiceInterface,
  async start(ctx) {
    return { handlers: (await startSyncService(ctx, tabHost)) as never };
  },
};
