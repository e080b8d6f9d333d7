/**
 * The `sync` process kind: one replica of a synced folder on this node, as `glow.SyncFolder/1`,
 * named `sync/<folder name>/<node id>` so its peers find it again after any restart.
 * `glow sync add|join` start these through the node's sync service (service.ts), which keeps
 * them across daemon restarts.
 */
import type { ProcessKind } from '../../actors/process.js';
import { refuseProtected } from '../fs/context.js';
import { SyncArgsSchema, SyncFolderInterface, type SyncArgs } from './interface.js';
import { MemberList } from './members.js';
import { MeshReplica } from './meshReplica.js';
import { eventsName, replicaName } from './names.js';

export { eventsName, replicaName } from './names.js';
import { SyncFolder, type SyncFolderOptions } from './syncFolder.js';

/** Options of {@link createSyncKind}: for the daemon and tests, not for a spawn. */
export interface SyncKindOptions {
  /** Directories no replica may be, contain or lie in (the daemon's home). */
  readonly protect?: readonly string[];
  /** This device's name, as other replicas show it. @default the node id's first 8 characters */
  readonly deviceName?: string;
  /** How often (ms) replicas look for members they have not heard from, unless a spawn says. @default {@link DEFAULT_POLL_MS} */
  readonly pollMs?: number;
  /** Options of every replica's folder (watching, scan interval…). */
  readonly folder?: Omit<SyncFolderOptions, 'stableMs'>;
}

/** How often a replica looks for members it has not heard from, by default (ms). */
export const DEFAULT_POLL_MS = 2000;

/** Makes the `sync` kind. */
export function createSyncKind(options: SyncKindOptions = {}): ProcessKind<SyncArgs> {
  return {
    name: 'sync',
    description: 'a replica of a synced folder (glow.SyncFolder/1)',
    args: SyncArgsSchema,
    interface: SyncFolderInterface,
    concurrency: 16,
    async start(ctx, args) {
      await refuseProtected(args.root, options.protect ?? [], 'root');
      const folder = await SyncFolder.open(args.root, args.folder, { ...options.folder, ...(args.stableMs === undefined ? {} : { stableMs: args.stableMs }) });
      const ref = replicaName(args.name, ctx.node.id);
      const members = await MemberList.open(folder.disk.syncDir, {
        replica: folder.identity.replica,
        ref,
        node: ctx.node.id,
        device: options.deviceName ?? ctx.node.id.slice(0, 8),
        removed: false,
      });
      // Conflicts and removals are announced on a channel of the replica's own, `…/events`.
      const events = await ctx.node.spawn('channel', { history: 1000 }, { owner: ctx.self.id }).catch(() => undefined);
      const replica = new MeshReplica(ctx, folder, members, args.name, args.pollMs ?? options.pollMs ?? DEFAULT_POLL_MS, events);
      ctx.register(ref);
      if (events) ctx.register(eventsName(args.name, ctx.node.id), events);
      ctx.node.monitor(ctx.self, () => {
        replica.stop().catch(() => undefined);
      });
      replica.start(args.from);
      return { handlers: replica.handlers() as never };
    },
  };
}

/** The `sync` kind with every default. */
export const syncKind: ProcessKind<SyncArgs> = createSyncKind();
