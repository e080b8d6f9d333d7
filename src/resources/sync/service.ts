/**
 * The node's sync service on a daemon (kind `syncd`): syncService.ts with the list of replicas
 * in a file, replicas in folders of this machine, run by the `sync` kind.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import * as v from 'valibot';
import type { ProcessKind } from '../../actors/process.js';
import { GlowError } from '../../firefly/errors.js';
import { writeDurably } from '../fs/atomic.js';
import { startSyncService, SyncServiceInterface, type ServiceEntry, type SyncServiceHost } from './syncService.js';

export { runningReplicas, SyncServiceInterface, syncServiceName, type LocalReplica, type SyncedFolder } from './syncService.js';

/** Arguments of the `syncd` kind. */
export interface SyncServiceArgs {
  /** The file the list of this node's replicas is kept in. */
  readonly file: string;
}

/** Options of {@link createSyncServiceKind}: for the daemon and tests, not for a spawn. */
export interface SyncServiceOptions {
  /** Grants a friend's user write on this user's replicas named under a prefix (the daemon signs it); see {@link SyncServiceHost.grantBack}. */
  readonly grantBack?: (user: string, prefix: string) => Promise<void>;
}

/** The host of a daemon's sync service: its list in `file`, replicas in this machine's folders. */
function diskHost(file: string, options: SyncServiceOptions): SyncServiceHost {
  return {
    ...(options.grantBack ? { grantBack: options.grantBack } : {}),
    kind: 'sync',
    load: () => readFile(file, 'utf8').then((text) => JSON.parse(text) as ServiceEntry[], () => []),
    save: (entries) => writeDurably(file, JSON.stringify(entries, null, 2)),
    async checkRoot(root) {
      const stats = await stat(root).catch(() => undefined);
      if (!stats?.isDirectory()) throw new GlowError('badarg', `${JSON.stringify(root)} is not a folder on this device`, { reason: 'notdir' });
    },
    basename,
  };
}

/** Makes the `syncd` kind: the node's sync service. */
export function createSyncServiceKind(options: SyncServiceOptions = {}): ProcessKind<SyncServiceArgs> {
  return {
    name: 'syncd',
    description: 'starts and keeps this node’s synced-folder replicas (glow.SyncService/1)',
    args: v.object({ file: v.pipe(v.string(), v.minLength(1)) }),
    interface: SyncServiceInterface,
    async start(ctx, args) {
      return { handlers: (await startSyncService(ctx, diskHost(args.file, options))) as never };
    },
  };
}

/** The `syncd` kind with every default (no grants back: a friend's folder joined here is only pulled). */
export const syncServiceKind: ProcessKind<SyncServiceArgs> = createSyncServiceKind();
