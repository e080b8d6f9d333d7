/**
 * How the Sync view reaches synced folders: the sync service of the daemon that served the page
 * (`glow.sync/<node>`, glow.SyncService/1) and each folder's replicas (`sync/<folder>/<node>`,
 * glow.SyncFolder/1) with their events channels (`…/events`), all by name.
 *
 * The interfaces are imported as types only: a ref's interface is for types alone (the resource
 * validates what it receives).
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import { DIRECTORY_RESOURCE, DirectoryInterface } from '../../../../src/actors/directory.js';
import { ResourceRef } from '../../../../src/actors/ref.js';
import { parseResourceId, type NodeId, type ResourceId } from '../../../../src/firefly/address.js';
import type { SyncFolderInterface, SyncStatus } from '../../../../src/resources/sync/interface.js';
import type { SyncedFolder, SyncServiceInterface } from '../../../../src/resources/sync/syncService.js';
import { syncServiceName } from '../../../../src/resources/sync/names.js';
import { VIEW_TIMEOUT } from '../meshQueries.js';

export type { SyncStatus, SyncedFolder };

/** The name a node's sync service is registered under. */
export const serviceName: (node: NodeId) => string = syncServiceName;

/** The name of the channel a replica (by its registered name) announces conflicts and removals on. */
export function eventsOf(replica: string): string {
  return `${replica}/events`;
}

/** Names resolved by the tab's replica of the directory, else by the daemon's. */
export interface SyncNames {
  /** A ref that follows `name`, resolved again at each call. */
  ref<I extends typeof SyncServiceInterface | typeof SyncFolderInterface>(name: string): ResourceRef<I>;
  /** What `name` names now, if either replica knows. */
  whereis(name: string): ResourceId | undefined;
  /** Asks the daemon's replica again when one of `names` is unknown to both (a name just registered). */
  learn(names: readonly string[]): Promise<void>;
}

/**
 * The tab's replica of the directory learns a name when a sync (a one-way cast) reaches it, which
 * can lag behind the daemon's own replica: a folder just added is listed by the daemon's service
 * before the tab could call its replica by name. So a name the tab does not know yet is looked up
 * in the daemon's replica too.
 */
export function syncNames(mesh: Mesh, daemon: () => NodeId | undefined): SyncNames {
  let known = new Map<string, ResourceId>();
  const whereis = (name: string) => mesh.node.whereis(name) ?? known.get(name);
  return {
    whereis,
    ref: <I extends typeof SyncServiceInterface | typeof SyncFolderInterface>(name: string) => new ResourceRef<I>(mesh.node, () => whereis(name), undefined, name),
    async learn(names) {
      const node = daemon();
      if (node === undefined || names.every((name) => mesh.node.whereis(name) !== undefined)) return;
      const entries = await mesh.node.ref({ node, local: DIRECTORY_RESOURCE }, DirectoryInterface).call('list', {}, { timeout: VIEW_TIMEOUT });
      const next = new Map<string, ResourceId>();
      for (const entry of entries) {
        if (!entry.name.startsWith('sync/') && !entry.name.startsWith('glow.sync/')) continue;
        try {
          next.set(entry.name, parseResourceId(entry.id));
        } catch {
          // A malformed id in a peer's answer names nothing the view can call.
        }
      }
      known = next;
    },
  };
}
