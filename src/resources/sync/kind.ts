/**
 * The `sync` process kind: one replica of a synced folder in a folder of this machine.
 * `glow sync add|join` start these through the node's sync service (service.ts), which keeps
 * them across daemon restarts.
 */
import type { ProcessKind } from '../../actors/process.js';
import { refuseProtected } from '../fs/context.js';
import { diskState } from './diskState.js';
import type { SyncArgs } from './interface.js';
import { replicaKind } from './replicaKind.js';
import { SyncFolder, type SyncFolderOptions } from './syncFolder.js';

export { eventsName, replicaName } from './names.js';
export { DEFAULT_POLL_MS } from './replicaKind.js';

/** Options of {@link createSyncKind}: for the daemon and tests, not for a spawn. */
export interface SyncKindOptions {
  /** Directories no replica may be, contain or lie in (the daemon's home). */
  readonly protect?: readonly string[];
  /** This device's name, as other replicas show it. @default the node id's first 8 characters */
  readonly deviceName?: string;
  /** How often (ms) replicas look for members they have not heard from, unless a spawn says. */
  readonly pollMs?: number;
  /** Options of every replica's folder (watching, scan interval…). */
  readonly folder?: Omit<SyncFolderOptions, 'stableMs'>;
}

/** Makes the `sync` kind. */
export function createSyncKind(options: SyncKindOptions = {}): ProcessKind<SyncArgs> {
  return replicaKind({
    name: 'sync',
    description: 'a replica of a synced folder (glow.SyncFolder/1)',
    ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    async open(_ctx, args) {
      await refuseProtected(args.root, options.protect ?? [], 'root');
      const folder = await SyncFolder.open(args.root, args.folder, { ...options.folder, ...(args.stableMs === undefined ? {} : { stableMs: args.stableMs }) });
      return { folder, state: diskState(folder.disk.syncDir) };
    },
  });
}

/** The `sync` kind with every default. */
export const syncKind: ProcessKind<SyncArgs> = createSyncKind();
