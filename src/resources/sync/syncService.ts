/**
 * A node's sync service (`glow.SyncService/1`): it starts the node's replicas under a
 * supervisor of its own and keeps the list of them, so they come back after a restart. `glow
 * sync add|join|remove` ask it — on this node, or on another device of the user (`--on`), whose
 * service is reachable like any resource. Browser-safe: where the list is kept, what a replica's
 * root is and which kind runs a replica are the host's (service.ts on a daemon, the web app's
 * tab service in a browser tab).
 */
import { nanoid } from 'nanoid';
import * as v from 'valibot';
import { processInterface } from '../../actors/interfaces.js';
import type { ProcessContext } from '../../actors/process.js';
import type { Node } from '../../actors/node.js';
import { GlowError } from '../../firefly/errors.js';
import { method } from '../../firefly/idl.js';
import { startSupervisor } from '../../supervision/supervisor.js';
import { SyncFolderInterface, type SyncArgs } from './interface.js';
import { inNamespaceOf, replicaName, replicasPrefix, syncServiceName } from './names.js';

export { syncServiceName } from './names.js';

const folderName = v.pipe(v.string(), v.minLength(1), v.maxLength(100), v.regex(/^[^/\s][^/]*$/, 'a folder name has no slash and does not start with a space'));
/** A folder to join: `NAME`, or `FRIEND/NAME` for a friend's folder (a handle or a user id). */
const joinedName = v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.regex(/^([^/\s][^/]*\/)?[^/\s][^/]*$/, 'a folder to join is NAME or FRIEND/NAME'));
const root = v.pipe(v.string(), v.minLength(1), v.startsWith('/', 'the path must be absolute'));

/** Schema of {@link LocalReplica}. */
export const LocalReplicaSchema = v.object({ name: v.string(), folder: v.string(), root: v.string(), ref: v.string() });

/** A replica this node holds. */
export type LocalReplica = v.InferOutput<typeof LocalReplicaSchema>;

/** Schema of {@link SyncedFolder}. */
export const SyncedFolderSchema = v.object({
  name: v.string(),
  replicas: v.array(v.object({ node: v.string(), device: v.string(), ref: v.string(), online: v.boolean() })),
});

/** A synced folder: its name and its replicas (live members), each with whether it is reachable now. */
export type SyncedFolder = v.InferOutput<typeof SyncedFolderSchema>;

/** Where the directory says replicas run now, by folder name. */
type Running = Map<string, { node: string; ref: string }[]>;

/** `glow.SyncService/1`. */
export const SyncServiceInterface = processInterface('glow.SyncService/1', {
  add: method(v.object({ root, name: v.optional(folderName) }), LocalReplicaSchema, {
    access: 'write',
    description: 'makes the folder at `root` the first replica of a new synced folder (named after the folder unless `name`)',
  }),
  join: method(v.object({ root, name: joinedName, as: v.optional(folderName) }), LocalReplicaSchema, {
    access: 'write',
    description:
      'makes the folder at `root` a replica of the synced folder `name` (`FRIEND/NAME`: a folder a friend granted this user, known here as `as`, by default its own name), from any replica the mesh can reach',
  }),
  remove: method(v.object({ name: folderName, node: v.optional(v.string()) }), v.object({ removed: v.boolean() }), {
    access: 'write',
    description: 'removes the replica of `name` on `node` (default this node) from the folder: no replica sends it anything more; this node’s own is stopped (its files stay)',
  }),
  list: method(v.object({}), v.array(LocalReplicaSchema), { access: 'read', description: 'the replicas this node holds' }),
  folders: method(v.object({}), v.array(SyncedFolderSchema), { access: 'read', description: 'every synced folder the mesh’s directory names, with where its replicas run' }),
});

/** The replicas the directory of `node` names now (those of nodes that are up), by folder name: `NAME` for this user's, `FRIEND/NAME` for a friend's. */
export function runningReplicas(node: Node): Running {
  const running: Running = new Map();
  for (const { name } of node.directory.list()) {
    const match = /^(?:([^/]+)\/)?sync\/([^/]+)\/([^/]+)$/.exec(name);
    if (!match) continue;
    const folder = match[1] === undefined ? match[2]! : `${match[1]}/${match[2]!}`;
    running.set(folder, [...(running.get(folder) ?? []), { node: match[3]!, ref: name }]);
  }
  return running;
}

/** A replica the service keeps: its spawn arguments and its child id. */
export interface ServiceEntry extends SyncArgs {
  readonly id: string;
}

/** What a sync service depends on its platform for. */
export interface SyncServiceHost {
  /** The kind that runs one replica (its arguments are {@link SyncArgs}). */
  readonly kind: string;
  /** The entries saved by the last {@link save}. */
  load(): Promise<ServiceEntry[]>;
  /** Saves `entries`, atomically. */
  save(entries: readonly ServiceEntry[]): Promise<void>;
  /** Refuses a root a replica cannot be made in (`badarg`, reason `notdir`). */
  checkRoot(root: string): Promise<void>;
  /** The last segment of `root`: a new folder's default name. */
  basename(root: string): string;
  /**
   * Grants `user` write on every replica this user names `prefix…` (`sync/NAME/`): a friend's
   * folder joined here is replicated both ways only when the friend's replicas may call ours.
   * Undefined where this device cannot sign grants (a tab): its replica then only pulls.
   */
  readonly grantBack?: (user: string, prefix: string) => Promise<void>;
}

/** Starts a sync service for `ctx`'s process, with the replicas `host` kept; answers its handlers. */
export async function startSyncService(ctx: ProcessContext, host: SyncServiceHost) {
  const service = new SyncService(ctx, host);
  await service.startAll();
  ctx.register(syncServiceName(ctx.node.id));
  return service.handlers();
}

class SyncService {
  private entries: ServiceEntry[] = [];
  private supervisor!: Awaited<ReturnType<typeof startSupervisor>>;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly host: SyncServiceHost,
  ) {}

  async startAll(): Promise<void> {
    // A replica whose folder went away fails its starts; the others go on, and it is retried with backoff.
    this.supervisor = await startSupervisor(this.ctx.node, { strategy: 'one_for_one', intensity: 1000, period: 60_000, backoff: { initial: 1000, max: 60_000 } }, { owner: this.ctx.self.id });
    this.entries = await this.host.load();
    for (const entry of this.entries) await this.startChild(entry).catch(() => undefined);
  }

  handlers() {
    return {
      add: async ({ root, name }: { root: string; name?: string }) => {
        const folderName = name ?? this.host.basename(root);
        await this.refuseTaken(folderName);
        this.refuseAlreadyHere(root, folderName);
        return this.create({ id: nanoid(10), root, folder: nanoid(12), name: folderName });
      },
      join: async ({ root, name, as }: { root: string; name: string; as?: string }) => {
        const local = as ?? name.slice(name.lastIndexOf('/') + 1);
        this.refuseAlreadyHere(root, local);
        const others = (runningReplicas(this.ctx.node).get(name) ?? []).filter((replica) => replica.node !== this.ctx.node.id);
        // The directory remembers replicas that are off: join through the first that answers.
        for (const other of others) {
          const status = await this.ctx.node.named(other.ref, SyncFolderInterface).call('status', {}, { timeout: 5000 }).catch(() => undefined);
          if (!status) continue;
          const owner = this.ctx.node.trust?.deviceOf(other.node)?.user;
          if (owner === undefined || owner === this.ctx.node.trust?.user) return this.create({ id: nanoid(10), root, folder: status.folder, name: local, from: other.ref });
          // A friend's folder: known here under a name of this user's, whose replicas the friend's may call.
          await this.refuseTaken(local);
          await this.host.grantBack?.(owner, replicasPrefix(local));
          return this.create({ id: nanoid(10), root, folder: status.folder, name: local, from: inNamespaceOf(owner, other.ref.slice(other.ref.indexOf('/') + 1)) });
        }
        throw new GlowError('noproc', `no replica of a synced folder named ${JSON.stringify(name)} is reachable`, { reason: 'nofolder' });
      },
      remove: async ({ name, node }: { name: string; node?: string }) => {
        const target = node ?? this.ctx.node.id;
        const entry = this.entries.find((candidate) => candidate.name === name);
        if (target !== this.ctx.node.id) return { removed: await this.removeElsewhere(name, target, entry) };
        if (!entry) throw new GlowError('noproc', `this node holds no replica of ${JSON.stringify(name)}`, { reason: 'notreplica' });
        const replica = this.ctx.node.named(replicaName(name, this.ctx.node.id), SyncFolderInterface);
        // Tell the others first, so none of them serves this replica again.
        const status = await replica.call('status', {}, { timeout: 10_000 }).catch(() => undefined);
        const self = status?.replica;
        if (self) await replica.call('remove', { replica: self }, { timeout: 10_000 }).catch(() => undefined);
        for (const peer of status?.peers ?? []) {
          if (peer.removed || !self) continue;
          await this.ctx.node.named(replicaName(name, peer.node), SyncFolderInterface).call('remove', { replica: self }, { timeout: 5000 }).catch(() => undefined);
        }
        await this.supervisor.call('terminate_child', { id: entry.id }, { timeout: 15_000 });
        await this.supervisor.call('delete_child', { id: entry.id });
        this.entries = this.entries.filter((candidate) => candidate !== entry);
        await this.save();
        return { removed: true };
      },
      list: () => this.entries.map((entry) => ({ name: entry.name, folder: entry.folder, root: entry.root, ref: replicaName(entry.name, this.ctx.node.id) })),
      folders: () => this.folders(),
    };
  }

  /** Marks the replica of `name` on `node` removed in this node's replica (which spreads it), and asks that node to stop it. */
  private async removeElsewhere(name: string, node: string, entry: ServiceEntry | undefined): Promise<boolean> {
    const source = entry ? replicaName(name, this.ctx.node.id) : runningReplicas(this.ctx.node).get(name)?.find((replica) => replica.node !== node)?.ref;
    if (!source) throw new GlowError('noproc', `no replica of ${JSON.stringify(name)} is reachable to remove it from`, { reason: 'nofolder' });
    const replica = this.ctx.node.named(source, SyncFolderInterface);
    const members = await replica.call('members', {}, { timeout: 10_000 });
    const doomed = members.filter((member) => member.node === node && !member.removed);
    if (doomed.length === 0) return false;
    for (const member of doomed) await replica.call('remove', { replica: member.replica }, { timeout: 10_000 });
    // Best effort: the device may be off (a lost phone); the others refuse it either way.
    await this.ctx.node
      .named(syncServiceName(node), SyncServiceInterface)
      .call('remove', { name }, { timeout: 5000 })
      .catch(() => undefined);
    return true;
  }

  private async create(entry: ServiceEntry): Promise<LocalReplica> {
    await this.host.checkRoot(entry.root);
    await this.startChild(entry);
    this.entries.push(entry);
    await this.save();
    return { name: entry.name, folder: entry.folder, root: entry.root, ref: replicaName(entry.name, this.ctx.node.id) };
  }

  private async startChild(entry: ServiceEntry): Promise<void> {
    const { id, ...args } = entry;
    const { ref } = await this.supervisor.call('start_child', { id, start: { kind: this.host.kind, args }, restart: 'permanent' }, { timeout: 60_000 });
    if (ref === null) throw new GlowError('crashed', `the replica of ${JSON.stringify(entry.name)} did not start`);
  }

  /** Every synced folder this node knows of (its own, and those the directory names), with their members as a replica lists them. */
  private async folders(): Promise<SyncedFolder[]> {
    const running = runningReplicas(this.ctx.node);
    const names = new Set([...running.keys(), ...this.entries.map((entry) => entry.name)]);
    const folders: SyncedFolder[] = [];
    for (const name of [...names].sort()) {
      const up = running.get(name) ?? [];
      const online = (node: string) => node === this.ctx.node.id || up.some((replica) => replica.node === node);
      const ask = this.entries.some((entry) => entry.name === name) ? replicaName(name, this.ctx.node.id) : up[0]?.ref;
      const members = ask ? await this.ctx.node.named(ask, SyncFolderInterface).call('members', {}, { timeout: 5000 }).catch(() => undefined) : undefined;
      const replicas = members
        ? members.filter((member) => !member.removed).map((member) => ({ node: member.node, device: member.device, ref: member.ref, online: online(member.node) }))
        : up.map((replica) => ({ node: replica.node, device: replica.node.slice(0, 8), ref: replica.ref, online: true }));
      folders.push({ name, replicas });
    }
    return folders;
  }

  private async refuseTaken(name: string): Promise<void> {
    if (runningReplicas(this.ctx.node).has(name)) {
      throw new GlowError('badarg', `a synced folder named ${JSON.stringify(name)} exists: join it (glow sync join ${name} PATH) or pick another name`, { reason: 'exists' });
    }
    return Promise.resolve();
  }

  private refuseAlreadyHere(root: string, name: string): void {
    const here = this.entries.find((entry) => entry.name === name || entry.root === root);
    if (here) throw new GlowError('badarg', `this node already holds ${here.name === name ? `a replica of ${JSON.stringify(name)}` : `${JSON.stringify(root)} as a replica of ${JSON.stringify(here.name)}`}`, { reason: 'exists' });
  }

  private async save(): Promise<void> {
    await this.host.save(this.entries);
  }
}
