/**
 * A replica on the mesh: it meets the folder's other replicas through their `glow.SyncFolder/1`
 * processes, and answers theirs. Every replica pulls from every member it can reach — when a
 * member says it changed (notify), when a new member introduces itself, and on a timer — and
 * serves what it has, so changes travel through whichever replicas happen to meet (store and
 * forward). Only members are served: a node with no live replica of the folder is `denied`.
 */
import type { ProcessContext } from '../../actors/process.js';
import type { AnyResourceRef } from '../../actors/ref.js';
import { publishChannel } from '../channel/subscribeChannel.js';
import type { ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import { SyncFolderInterface, type Member, type SyncStatus } from './interface.js';
import type { MemberList } from './members.js';
import { inNamespaceOf, replicaName } from './names.js';
import type { ReconcileMessage } from './reconcile.js';
import type { BlockSource } from './replica.js';
import type { ChangesBatch, FolderReplica, SyncPeer } from './folderReplica.js';

/** Timeouts of the calls a replica makes (ms). */
const CALL_MS = 30_000;
const NOTIFY_MS = 3_000;
const NOTIFY_DEBOUNCE_MS = 10;
/** How often a replica looks in the directory for members that came back or went (a local lookup), besides when names arrive. */
const RETURN_CHECK_MS = 1000;

/** The replica side of a `sync` process. */
export class MeshReplica {
  private readonly lastSeen = new Map<string, number>();
  /** How far each member has read this replica's log (the `since` of its last `changes`). */
  private readonly readBy = new Map<string, number>();
  private readonly syncing = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private returnTimer: ReturnType<typeof setTimeout> | undefined;
  /** Members whose name the directory had at the last look: reachable. */
  private readonly present = new Set<string>();
  private notifyTimer: ReturnType<typeof setTimeout> | undefined;
  private stopChange: (() => void) | undefined;
  private stopNames: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ProcessContext,
    readonly folder: FolderReplica,
    readonly members: MemberList,
    private readonly name: string,
    private readonly pollMs: number,
    /** The channel conflicts and removals are announced on, if it could be started. */
    private readonly events?: AnyResourceRef,
  ) {}

  /** This replica's own entry. */
  get self(): Member {
    return this.members.get(this.folder.identity.replica)!;
  }

  /** The user of this node, when it has one. */
  private get user(): string | undefined {
    return this.ctx.node.trust?.user;
  }

  /**
   * Whether this replica replicates with `member`: any of this user's; another user's only while
   * it holds a grant of write on this replica (a friend whose grant was revoked or expired is
   * neither served, by the door, nor pulled from, here).
   */
  private granted(member: Member): boolean {
    const trust = this.ctx.node.trust;
    if (member.user === undefined || member.user === this.user || !trust) return true;
    return trust.grants.writable(member.user, replicaName(this.name, this.ctx.node.id));
  }

  /** The live members this replica replicates with, itself left out. */
  private peers(): Member[] {
    return this.members.live().filter((member) => member.replica !== this.self.replica && this.granted(member));
  }

  /**
   * The name `member`'s process is found by from here: its ref as it registered it, in its
   * user's namespace when that is not this node's user.
   */
  private refOf(member: Member): string {
    return member.user !== undefined && member.user !== this.user ? inNamespaceOf(member.user, member.ref) : member.ref;
  }

  /**
   * Starts meeting peers: introduces itself to `from` (a join) — again at every poll until that
   * replica answers, for a replica busy with its first scan of a large folder may not in time —
   * then pulls from every member.
   */
  start(from: string | undefined): void {
    this.stopChange = this.folder.onChange(() => this.notifyPeers());
    this.introduceTo = from;
    this.timer = setInterval(() => this.syncAll(), this.pollMs);
    // A member whose name reappears has just come back (a link restored, a daemon restarted):
    // meet it at once. A node that comes back sends the directory all its names; the timer
    // notices names that went, and any return the directory did not report.
    this.stopNames = this.ctx.node.directory.onNames((from, full) => {
      if (full) this.returned(from);
    });
    this.returnTimer = setInterval(() => this.checkReturns(), RETURN_CHECK_MS);
    this.syncAll();
  }

  /** The replica a join started from, until it has answered a hello. */
  private introduceTo: string | undefined;
  private introducing = false;

  /** Stops meeting peers and closes the folder. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.returnTimer);
    this.stopNames?.();
    clearTimeout(this.notifyTimer);
    this.stopChange?.();
    await Promise.allSettled([...this.syncing.values()]);
    await this.folder.close();
  }

  /** `node` sent all its names: the members living there are met now. */
  private returned(node: string): void {
    for (const member of this.peers()) {
      if (this.ctx.node.whereis(this.refOf(member))?.node !== node) continue;
      this.present.add(member.replica);
      this.syncWith(member);
    }
  }

  private checkReturns(): void {
    for (const member of this.peers()) {
      const here = this.ctx.node.whereis(this.refOf(member)) !== undefined;
      if (here && !this.present.has(member.replica)) {
        this.present.add(member.replica);
        this.syncWith(member);
      } else if (!here) {
        this.present.delete(member.replica);
      }
    }
  }

  /** Pulls from every live member now (after the introduction a join still owes). */
  syncAll(): void {
    const from = this.introduceTo;
    if (from !== undefined && !this.introducing) {
      this.introducing = true;
      this.hello(from)
        .then(() => {
          this.introduceTo = undefined;
        })
        .catch(() => undefined)
        .finally(() => {
          this.introducing = false;
          this.pullFromAll();
        });
      return;
    }
    this.pullFromAll();
  }

  private pullFromAll(): void {
    for (const member of this.peers()) this.syncWith(member);
  }

  /** The handlers of `glow.SyncFolder/1` (without the process members). */
  handlers() {
    return {
      hello: async ({ member, members }: { member: Member; members: Member[] }, _ctx: unknown, caller?: ResourceId) => {
        if (caller && caller.node !== this.ctx.node.id && caller.node !== member.node) {
          throw new GlowError('denied', 'a replica may introduce only itself', { reason: 'impersonation' });
        }
        // A member says which user it belongs to; the link's certificate says it too, and wins.
        const callerUser = caller ? this.ctx.node.trust?.deviceOf(caller.node)?.user : undefined;
        const foreign = callerUser !== undefined && callerUser !== this.user;
        if ((member.user ?? this.user) !== (callerUser ?? this.user) && caller?.node !== this.ctx.node.id) {
          throw new GlowError('denied', 'a replica may introduce only itself, as its own user', { reason: 'impersonation' });
        }
        const known = this.members.get(member.replica);
        if (known?.removed) throw new GlowError('denied', `replica ${member.replica} was removed from this folder`, { reason: 'removed' });
        if (this.self.removed) throw new GlowError('denied', 'this replica was removed from the folder', { reason: 'removed' });
        await this.members.introduce(foreign ? { ...member, user: callerUser } : withoutUser(member, this.user));
        await this.mergeFrom(members, callerUser);
        this.lastSeen.set(member.replica, Date.now());
        // Someone new: it may carry changes; pull once it has its answer.
        if (!known) setTimeout(() => this.syncWith(this.members.get(member.replica)!), 0);
        return { folder: this.folder.identity.folder, members: this.members.all() };
      },
      changes: ({ epoch, since, limit }: { epoch?: string; since: number; limit?: number }, _ctx: unknown, caller?: ResourceId): ChangesBatch => {
        const member = this.memberCalling(caller);
        const mine = epoch === this.folder.position().epoch;
        if (member) this.readBy.set(member.replica, mine ? since : 0);
        return this.folder.changes(epoch === undefined ? undefined : { epoch, seq: since }, limit);
      },
      position: (_args: object, _ctx: unknown, caller?: ResourceId) => {
        this.memberCalling(caller);
        return this.folder.position();
      },
      reconcile: ({ message }: { message: unknown[] }, _ctx: unknown, caller?: ResourceId) => {
        const member = this.memberCalling(caller);
        try {
          const reply = this.folder.reconcile(message);
          // An empty answer ends a reconciliation: the member then holds all this replica had.
          if (member && reply.length === 0) this.readBy.set(member.replica, this.folder.position().seq);
          return { message: reply as unknown[] };
        } catch (error) {
          if (error instanceof TypeError) throw new GlowError('badarg', error.message);
          throw error;
        }
      },
      block: async ({ hash }: { hash: string }, _ctx: unknown, caller?: ResourceId) => {
        this.memberCalling(caller);
        return (await this.folder.block(hash)) ?? null;
      },
      notify: ({ replica }: { replica: string }, _ctx: unknown, caller?: ResourceId) => {
        const member = this.memberCalling(caller);
        if (member && member.replica === replica) this.syncWith(member);
        return null;
      },
      status: () => this.status(),
      members: () => this.members.all(),
      remove: async ({ replica }: { replica: string }) => {
        const member = this.members.get(replica);
        if (await this.members.remove(replica)) {
          this.announce({ event: 'removed', folder: this.name, replica, device: member?.device ?? replica, at: Date.now() });
          this.syncAll(); // spread the news with the next hellos
        }
        return this.members.all();
      },
      rescan: async () => {
        const report = await this.folder.scan();
        return { changed: report.changed.length, deleted: report.deleted.length };
      },
    };
  }

  /** How this replica and its peers stand. */
  status(): SyncStatus {
    const base = this.folder.status();
    const log = this.folder.replica.index;
    const peers = this.members
      .all()
      .filter((member) => member.replica !== this.self.replica)
      .map((member) => {
        let filesBehind = 0;
        let bytesBehind = 0;
        const read = this.readBy.get(member.replica);
        for (const record of log.changesSince(read ?? 0)) {
          if (record.deleted) continue;
          filesBehind++;
          bytesBehind += record.size;
        }
        return {
          replica: member.replica,
          device: member.device,
          node: member.node,
          removed: member.removed,
          granted: this.granted(member),
          lastSeen: this.lastSeen.get(member.replica) ?? null,
          inSync: !member.removed && read !== undefined && filesBehind === 0 && read >= log.sequence,
          filesBehind,
          bytesBehind,
        };
      });
    return { ...base, name: this.name, conflicts: [...base.conflicts], peers };
  }

  /** The live member calling, or undefined for a call from this node; `denied` for anyone else. */
  private memberCalling(caller: ResourceId | undefined): Member | undefined {
    if (!caller || caller.node === this.ctx.node.id) return undefined;
    const member = this.members.onNode(caller.node);
    if (!member || this.self.removed) {
      throw new GlowError('denied', `node ${caller.node} holds no replica of this folder`, { reason: 'notmember' });
    }
    this.lastSeen.set(member.replica, Date.now());
    return member;
  }

  private async hello(ref: string): Promise<void> {
    const target = this.ctx.node.named(ref, SyncFolderInterface);
    const self = this.user === undefined ? this.self : { ...this.self, user: this.user };
    const answer = await target.call('hello', { member: self, members: this.members.all().map((member) => withUser(member, this.user)) }, { timeout: CALL_MS });
    if (answer.folder !== this.folder.identity.folder) {
      throw new GlowError('badarg', `${ref} is a replica of another folder`, { reason: 'otherfolder' });
    }
    await this.mergeFrom(answer.members, target.id ? this.ctx.node.trust?.deviceOf(target.id.node)?.user : undefined);
  }

  /**
   * Takes what a member list from a device of `from` (a user; undefined: this node's) says: all
   * of it from our own devices; from another user's, only its own user's replicas — a user is
   * believed about its own devices, and hearsay about ours or a third user's is not taken.
   */
  private async mergeFrom(members: readonly Member[], from: string | undefined): Promise<void> {
    const sender = from ?? this.user;
    const taken = members.filter((member) => sender === this.user || (member.user ?? sender) === sender).map((member) => withoutUser(member.user === undefined && sender !== undefined ? { ...member, user: sender } : member, this.user));
    await this.members.merge(taken);
  }

  /** Pulls from `member` (one pull at a time per member; a request meanwhile runs one more). Failures wait for the next try. */
  private syncWith(member: Member): void {
    const id = member.replica;
    if (this.syncing.has(id)) {
      this.again.add(id);
      return;
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(id);
          await this.hello(this.refOf(member));
          if (this.stopped || this.self.removed || this.members.get(id)?.removed) return;
          const report = await this.folder.pullFrom(id, this.peerOf(member), this.sourcesFor(member));
          this.lastSeen.set(id, Date.now());
          for (const copy of report.conflicts) this.announce({ event: 'conflict', folder: this.name, copy, from: member.device, at: Date.now() });
        } while (this.again.has(id) && !this.stopped);
      } catch {
        // Unreachable or refusing: the next notify or poll tries again.
      } finally {
        this.syncing.delete(id);
      }
    })();
    this.syncing.set(id, run);
  }

  private peerOf(member: Member): SyncPeer {
    const ref = this.ctx.node.named(this.refOf(member), SyncFolderInterface);
    return {
      changes: async (since, limit) => (await ref.call('changes', { ...(since ? { epoch: since.epoch, since: since.seq } : { since: 0 }), limit }, { timeout: CALL_MS })) as ChangesBatch,
      reconcile: async (message) => (await ref.call('reconcile', { message: message as unknown[] }, { timeout: CALL_MS })).message as ReconcileMessage,
      position: () => ref.call('position', {}, { timeout: CALL_MS }),
      block: async (hash) => (await ref.call('block', { hash }, { timeout: CALL_MS })) ?? undefined,
    };
  }

  /** Where blocks come from while pulling from `member`: it first, then every other live member. */
  private sourcesFor(member: Member): BlockSource[] {
    const others = this.peers().filter((other) => other.replica !== member.replica);
    return [member, ...others].map((source) => this.peerOf(source));
  }

  /** Publishes `event` on the replica's events channel; a full or missing channel loses nothing else. */
  private announce(event: Record<string, unknown>): void {
    if (!this.events) return;
    publishChannel(this.ctx.node, this.events, event, { timeout: 2000 }).catch(() => undefined);
  }

  private notifyPeers(): void {
    if (this.notifyTimer || this.stopped) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      for (const member of this.peers()) {
        void this.ctx.node
          .named(this.refOf(member), SyncFolderInterface)
          .call('notify', { replica: this.self.replica }, { timeout: NOTIFY_MS })
          .catch(() => undefined);
      }
    }, NOTIFY_DEBOUNCE_MS);
  }
}

/**
 * A member as it travels: with its user, when the list is read by another user's node. Members
 * of this node's user are stored without one (they are the folder's own).
 */
function withUser(member: Member, user: string | undefined): Member {
  return member.user !== undefined || user === undefined ? member : { ...member, user };
}

/** A member as this node stores it: without a user when it is this node's user's. */
function withoutUser(member: Member, user: string | undefined): Member {
  if (member.user === undefined || member.user !== user) return member;
  const { user: _own, ...rest } = member;
  return rest;
}
