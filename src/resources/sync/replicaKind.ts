/**
 * A process kind that runs one replica of a synced folder as `glow.SyncFolder/1`, named
 * `sync/<folder name>/<node id>` so its peers find it again after any restart, whatever holds
 * its files: kind.ts opens a folder on disk, the web app a directory of the tab's Origin Private
 * File System. Browser-safe.
 */
import type { ProcessContext, ProcessKind } from '../../actors/process.js';
import type { FolderReplica } from './folderReplica.js';
import { SyncArgsSchema, SyncFolderInterface, type SyncArgs } from './interface.js';
import { MemberList } from './members.js';
import { MeshReplica } from './meshReplica.js';
import { eventsName, replicaName } from './names.js';
import type { ReplicaState } from './replicaState.js';

/** How often a replica looks for members it has not heard from, by default (ms). */
export const DEFAULT_POLL_MS = 2000;

/** A replica's folder, opened, with the state files its member list is kept in. */
export interface OpenedReplica {
  readonly folder: FolderReplica;
  readonly state: ReplicaState;
}

/** What makes one replica kind differ from another. */
export interface ReplicaKindSpec {
  /** The kind's name. */
  readonly name: string;
  readonly description: string;
  /** Opens the replica a spawn asks for (refusing what this platform cannot hold). */
  open(ctx: ProcessContext, args: SyncArgs): Promise<OpenedReplica>;
  /** This device's name, as other replicas show it. @default the node id's first 8 characters */
  readonly deviceName?: string;
  /** How often (ms) replicas look for members they have not heard from, unless a spawn says. @default {@link DEFAULT_POLL_MS} */
  readonly pollMs?: number;
}

/** Makes a replica kind. */
export function replicaKind(spec: ReplicaKindSpec): ProcessKind<SyncArgs> {
  return {
    name: spec.name,
    description: spec.description,
    args: SyncArgsSchema,
    interface: SyncFolderInterface,
    concurrency: 16,
    async start(ctx, args) {
      const { folder, state } = await spec.open(ctx, args);
      const ref = replicaName(args.name, ctx.node.id);
      const members = await MemberList.open(state, {
        replica: folder.identity.replica,
        ref,
        node: ctx.node.id,
        device: spec.deviceName ?? ctx.node.id.slice(0, 8),
        removed: false,
      });
      // Conflicts and removals are announced on a channel of the replica's own, `…/events`.
      const events = await ctx.node.spawn('channel', { history: 1000 }, { owner: ctx.self.id }).catch(() => undefined);
      const replica = new MeshReplica(ctx, folder, members, args.name, args.pollMs ?? spec.pollMs ?? DEFAULT_POLL_MS, events);
      ctx.register(ref);
      if (events) ctx.register(eventsName(args.name, ctx.node.id), events);
      replica.start(args.from);
      return { handlers: replica.handlers() as never, terminate: () => replica.stop() };
    },
  };
}
