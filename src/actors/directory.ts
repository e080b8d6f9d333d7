import * as v from 'valibot';
import { formatResourceId, parseResourceId, type NodeId, type ResourceId } from '../firefly/address.js';
import { systemClock, unrefTimer, type Clock, type Timer } from '../firefly/clock.js';
import { GlowError } from '../firefly/errors.js';
import { cast, defineInterface, method } from '../firefly/idl.js';
import { checkName, flatNameSpace, looksLikeId, type NameSpace } from './nameSpace.js';
import { Registry } from './registry.js';

const EntrySchema = v.object({
  name: v.pipe(v.string(), v.maxLength(200)),
  id: v.pipe(v.string(), v.maxLength(200)),
  registered: v.number(),
});

/**
 * A name as the directory replicates it: who it names, and when it was claimed (ms since the
 * epoch). `name` is the name's key (see {@link NameSpace}): in a mesh of users, `USERID/rest`.
 */
export type DirectoryEntry = v.InferOutput<typeof EntrySchema>;

/** `glow.Directory/1`: each node's replica of the mesh-wide name directory. */
export const DirectoryInterface = defineInterface('glow.Directory/1', {
  sync: cast(
    v.object({
      full: v.boolean(),
      entries: v.pipe(v.array(EntrySchema), v.maxLength(10_000)),
      removed: v.pipe(v.array(v.string()), v.maxLength(10_000)),
      /** The sender (re)discovered us and may have dropped our names: answer with all of them. */
      ask: v.optional(v.boolean()),
    }),
    { description: "a node's names: all of them (full) or what changed; `ask` asks for the receiver's" },
  ),
  list: method(v.object({}), v.array(v.object({ name: v.string(), id: v.string(), node: v.string(), registered: v.number() })), {
    description: 'every name this replica knows, with the node that published it',
  }),
});

/**
 * Most names one peer may claim in this replica. A sync carries at most 10 000 entries, but
 * partial syncs add up: without a cap a peer could grow this node's memory without end.
 */
export const MAX_CLAIMS_PER_NODE = 10_000;

/** The local id of every node's directory replica. */
export const DIRECTORY_RESOURCE = 'directory';

/** A `sync` as the directory sends it. */
export type DirectorySync = { full: boolean; entries: DirectoryEntry[]; removed: string[]; ask?: boolean };

/** What a directory replica needs from its node. */
export interface DirectoryHost {
  readonly id: NodeId;
  /** Watches a resource (local or remote); `listener` runs once when it ends. Returns a function that stops watching. */
  monitor(target: ResourceId, listener: () => void): () => void;
  /** Casts a sync to `peer`'s replica. */
  send(peer: NodeId, sync: DirectorySync): void;
  /**
   * How names are read here: one flat namespace, or users' namespaces.
   * @default flatNameSpace
   */
  readonly names?: NameSpace;
  /**
   * Timers for asking again (see {@link Directory.nodeReachable}).
   * @default systemClock
   */
  readonly clock?: Clock;
}

/**
 * How long an unreachable node's names still resolve, ms: a phone that changes networks loses its
 * routes for a second or two and gets them back before the node's names come again; names kept
 * meanwhile make calls by name fail as the route says (`noconnection`) and work again as soon as
 * the route is back, not only after the next sync.
 */
export const UNREACHABLE_NAMES_KEPT = 5000;

/** Waits before asking a node again for its names, ms: a sync is a cast, and a cast can be lost. */
const ASK_AGAIN = [300, 600, 1200, 2400, 4800, 9600];

interface Claim {
  id: ResourceId;
  registered: number;
  /** The node that published the claim. */
  node: NodeId;
}

/**
 * The deterministic rule every replica applies when two nodes claim one name: earliest claim, then
 * smallest node id. The stamps are the claimants' own clocks: in users' namespaces only devices
 * of the name's user can claim it, so no one else's clock takes part.
 */
function clock(host: DirectoryHost): Clock {
  return host.clock ?? systemClock;
}

function beats(a: Claim, b: Claim): boolean {
  return a.registered !== b.registered ? a.registered < b.registered : a.node < b.node;
}

/**
 * Names → resources across the mesh. Names are read through the host's {@link NameSpace}: the
 * replica stores and sends keys, accepts a peer's claim only on keys the namespace lets that peer
 * claim, and never reads text that looks like an id as a name. Each node publishes its own claims to every node it can
 * reach (all of them when a node appears, changes afterwards) and forgets a node's claims when
 * the node becomes unreachable, so a name follows its resource through restarts and moves.
 * Claims made on both sides of a partition are settled by {@link beats} on every replica alike;
 * the losing node drops its claim and reports it on `onConflict`.
 */
export class Directory {
  private readonly local = new Registry();
  private readonly registered = new Map<string, number>();
  private readonly remote = new Map<NodeId, Map<string, Claim>>();
  /**
   * Claims of nodes that became unreachable, for {@link UNREACHABLE_NAMES_KEPT} ms: a fallback of
   * `whereis` only, so they never hold a name against a live claim (a supervisor that restarted
   * the resource elsewhere registers its name at once).
   */
  private readonly kept = new Map<NodeId, { claims: Map<string, Claim>; timer: Timer }>();
  private readonly reachable = new Set<NodeId>();
  private readonly watches = new Map<string, () => void>();
  private readonly conflictListeners = new Set<(name: string, winner: ResourceId) => void>();
  private readonly namesListeners = new Set<(from: NodeId, full: boolean) => void>();
  private readonly names: NameSpace;
  /** Nodes asked for their names that have not answered yet, with the timer that asks again. */
  private readonly asked = new Map<NodeId, Timer>();
  /** Claims from peers dropped: the sender may not claim their names, or holds its most names already. */
  refusedClaims = 0;

  constructor(
    private readonly host: DirectoryHost,
    private readonly now: () => number = Date.now,
  ) {
    this.names = host.names ?? flatNameSpace;
  }

  /**
   * Names `id` for the whole mesh. `denied` when another resource holds the name, when the name
   * lies in another user's namespace, or when it reads as a resource or node id.
   */
  register(text: string, id: ResourceId): void {
    checkName(text, this.host.id);
    const name = this.names.claim(text);
    // The name as this node's user types it must not read as an id either (`NODE/x` → `alice/NODE/x`).
    checkName(this.names.show(name), this.host.id);
    const winner = this.remoteWinner(name);
    if (winner && formatResourceId(winner.id) !== formatResourceId(id)) {
      throw new GlowError('denied', `the name ${text} is taken by ${formatResourceId(winner.id)} (node ${winner.node})`);
    }
    const known = this.local.whereis(name);
    this.local.register(name, id);
    if (known) return;
    const registered = this.now();
    this.registered.set(name, registered);
    // A name for a resource on another node is dropped when that resource ends.
    if (id.node !== this.host.id) this.watches.set(name, this.host.monitor(id, () => this.unregisterKey(name)));
    this.publish({ full: false, entries: [{ name, id: formatResourceId(id), registered }], removed: [] });
  }

  /** Frees a name this node registered; true when it was. */
  unregister(text: string): boolean {
    const name = this.keyOf(text);
    return name !== undefined && this.unregisterKey(name);
  }

  private unregisterKey(name: string): boolean {
    if (!this.local.unregister(name)) return false;
    this.registered.delete(name);
    this.watches.get(name)?.();
    this.watches.delete(name);
    this.publish({ full: false, entries: [], removed: [name] });
    return true;
  }

  /** The resource a name names anywhere in the mesh, if any (never for text that reads as an id). */
  whereis(text: string): ResourceId | undefined {
    const name = this.keyOf(text);
    if (name === undefined) return undefined;
    const mine = this.localClaim(name);
    const theirs = this.remoteWinner(name);
    if (mine && theirs) return beats(mine, theirs) ? mine.id : theirs.id;
    return (mine ?? theirs ?? this.keptWinner(name))?.id;
  }

  /**
   * Whether a name is held by a live claim (this node's or a reachable node's): what a new name
   * must not clash with. Unlike {@link whereis}, the claims of a node unreachable for a moment
   * do not count; `register` judges the same way.
   */
  isTaken(text: string): boolean {
    const name = this.keyOf(text);
    return name !== undefined && (this.localClaim(name) ?? this.remoteWinner(name)) !== undefined;
  }

  /** Every name with its resource and publishing node (the winning claim of each). */
  list(): { name: string; id: string; node: string; registered: number }[] {
    const names = new Set([...this.local.entries().map(([name]) => name), ...[...this.remote.values()].flatMap((claims) => [...claims.keys()])]);
    const result = [];
    for (const name of names) {
      const claims = [this.localClaim(name), ...[...this.remote.values()].map((c) => c.get(name))].filter((c): c is Claim => !!c);
      const winner = claims.reduce((best, claim) => (beats(claim, best) ? claim : best));
      result.push({ name: this.names.show(name), id: formatResourceId(winner.id), node: winner.node, registered: winner.registered });
    }
    return result.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The names (as this node's user reads them) this node registered for `id`. */
  namesOf(id: ResourceId): string[] {
    return this.local.namesOf(id).map((name) => this.names.show(name));
  }

  /** Drops the names of a local resource that ended. */
  forget(id: ResourceId): void {
    // Runs at every resource exit: the registry's per-resource index, not a scan of all names.
    for (const name of this.local.namesOf(id)) this.unregisterKey(name);
  }

  /** Reports names this node lost to an earlier claim elsewhere (after a partition healed). */
  onConflict(listener: (name: string, winner: ResourceId) => void): () => void {
    this.conflictListeners.add(listener);
    return () => this.conflictListeners.delete(listener);
  }

  /**
   * Calls `listener` whenever a sync from another node brought names, with the node and whether
   * the sync held all of its names (a node that became reachable, came back or was asked sends
   * them all): from then on they resolve, so a resource waiting for one need not poll. Answers
   * a function that stops it.
   */
  onNames(listener: (from: NodeId, full: boolean) => void): () => void {
    this.namesListeners.add(listener);
    return () => this.namesListeners.delete(listener);
  }

  /**
   * A node became reachable: it gets all our claims, and is asked for all of its own. Asking
   * matters when only our side saw the route go and come back: we dropped its names, while it
   * still counts us as reachable and would not send them again by itself.
   */
  nodeReachable(peer: NodeId): void {
    if (this.reachable.has(peer) || peer === this.host.id) return;
    this.reachable.add(peer);
    this.ask(peer, 0);
  }

  /**
   * Sends our claims and asks for `peer`'s, and asks again a few times until it answers. Its
   * answer (or ours) can be lost on a route that has just changed (a phone that moved between
   * networks): without asking again, its names would stay missing for as long as it stays
   * reachable.
   */
  private ask(peer: NodeId, attempt: number): void {
    clock(this.host).clearTimeout(this.asked.get(peer));
    this.asked.delete(peer);
    if (!this.reachable.has(peer)) return;
    this.send(peer, { full: true, entries: this.ownEntries(), removed: [], ask: true });
    const wait = ASK_AGAIN[attempt];
    if (wait === undefined) return;
    const timer = clock(this.host).setTimeout(() => this.ask(peer, attempt + 1), wait);
    unrefTimer(timer);
    this.asked.set(peer, timer);
  }

  /**
   * We now know who `peer` is (its certificate reached us): syncs exchanged before may have been
   * refused, by its door or by a relay that did not know one of us yet, so both sides send all
   * their claims again.
   */
  resync(peer: NodeId): void {
    if (this.reachable.has(peer)) this.send(peer, { full: true, entries: this.ownEntries(), removed: [], ask: true });
  }

  /**
   * A node became unreachable: its claims are gone with it, but still resolve for
   * {@link UNREACHABLE_NAMES_KEPT} ms where no live claim does.
   */
  nodeUnreachable(peer: NodeId): void {
    this.reachable.delete(peer);
    const claims = this.remote.get(peer);
    this.remote.delete(peer);
    clock(this.host).clearTimeout(this.asked.get(peer));
    this.asked.delete(peer);
    if (claims && claims.size > 0) {
      this.dropKept(peer);
      const timer = clock(this.host).setTimeout(() => this.kept.delete(peer), UNREACHABLE_NAMES_KEPT);
      unrefTimer(timer);
      this.kept.set(peer, { claims, timer });
    }
  }

  /** Forgets the kept claims of `peer` (it told us its names again, or the wait is over). */
  private dropKept(peer: NodeId): void {
    const kept = this.kept.get(peer);
    if (!kept) return;
    clock(this.host).clearTimeout(kept.timer);
    this.kept.delete(peer);
  }

  /** Closes the replica: the timers of kept claims end with it. */
  close(): void {
    for (const peer of [...this.kept.keys()]) this.dropKept(peer);
    for (const timer of this.asked.values()) clock(this.host).clearTimeout(timer);
    this.asked.clear();
  }

  /** A `sync` from `from` (the node its link authenticated). */
  receive(from: NodeId, sync: v.InferOutput<(typeof DirectoryInterface)['members']['sync']['args']>): void {
    if (from === this.host.id) return;
    if (sync.full) {
      // It answered (or told us everything by itself): no need to ask again.
      clock(this.host).clearTimeout(this.asked.get(from));
      this.asked.delete(from);
      this.dropKept(from);
    }
    let claims = this.remote.get(from);
    if (sync.full || !claims) this.remote.set(from, (claims = new Map()));
    const kept = this.kept.get(from)?.claims;
    for (const name of sync.removed) {
      claims.delete(name);
      kept?.delete(name);
    }
    for (const entry of sync.entries) {
      if (!this.names.accepts(from, entry.name)) {
        this.refusedClaims++;
        continue;
      }
      let id: ResourceId;
      try {
        id = parseResourceId(entry.id);
      } catch {
        continue;
      }
      if (claims.size >= MAX_CLAIMS_PER_NODE && !claims.has(entry.name)) {
        this.refusedClaims++;
        continue;
      }
      claims.set(entry.name, { id, registered: entry.registered, node: from });
      this.settle(entry.name);
    }
    if (sync.entries.length > 0) for (const listener of this.namesListeners) listener(from, sync.full);
    if (sync.ask) {
      // An answer, never another question: two nodes asking each other would never stop.
      this.reachable.add(from);
      this.send(from, { full: true, entries: this.ownEntries(), removed: [] });
    } else if (!this.reachable.has(from)) {
      // A node we had not heard of yet may not know our claims either.
      this.nodeReachable(from);
    }
  }

  private settle(name: string): void {
    const mine = this.localClaim(name);
    const theirs = this.remoteWinner(name);
    if (!mine || !theirs || formatResourceId(mine.id) === formatResourceId(theirs.id) || beats(mine, theirs)) return;
    this.unregisterKey(name);
    for (const listener of this.conflictListeners) listener(this.names.show(name), theirs.id);
  }

  /** The key typed text means, or undefined when it reads as an id and so names nothing. */
  private keyOf(text: string): string | undefined {
    if (typeof text !== 'string' || looksLikeId(text, this.host.id)) return undefined;
    return this.names.key(text);
  }

  private localClaim(name: string): Claim | undefined {
    const id = this.local.whereis(name);
    return id ? { id, registered: this.registered.get(name) ?? 0, node: this.host.id } : undefined;
  }

  private remoteWinner(name: string): Claim | undefined {
    let winner: Claim | undefined;
    for (const claims of this.remote.values()) {
      const claim = claims.get(name);
      if (claim && (!winner || beats(claim, winner))) winner = claim;
    }
    return winner;
  }

  private keptWinner(name: string): Claim | undefined {
    let winner: Claim | undefined;
    for (const { claims } of this.kept.values()) {
      const claim = claims.get(name);
      if (claim && (!winner || beats(claim, winner))) winner = claim;
    }
    return winner;
  }

  private ownEntries(): DirectoryEntry[] {
    return this.local.entries().map(([name, id]) => ({ name, id: formatResourceId(id), registered: this.registered.get(name) ?? 0 }));
  }

  private publish(sync: DirectorySync): void {
    for (const peer of this.reachable) this.send(peer, sync);
  }

  private send(peer: NodeId, sync: DirectorySync): void {
    this.host.send(peer, sync);
  }
}
