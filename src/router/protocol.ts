import type { NodeId } from '../firefly/address.js';
import type { Timer } from '../firefly/clock.js';
import { GlowError } from '../firefly/errors.js';
import { DEFAULT_HOP_LIMIT } from '../firefly/packet.js';
import { INFINITY, significantChange } from './metric.js';
import type { Neighbours } from './neighbours.js';
import type { ResolvedRouterOptions } from './options.js';
import { seqnoAdd, seqnoNewer } from './seqno.js';
import { sameBytes, SeqnoProofs, SeqnoSigner } from './seqnoProof.js';
import type { ControlStats, RouteRefusal } from './stats.js';
import { isFeasible, RouteTable, routeVia, type Destination, type Route, type Selection } from './table.js';
import type { RouteMessage, RouteUpdate, SeqnoRequest } from './updates.js';

/** What the protocol needs from the router around it. */
export interface ProtocolHooks {
  /** Sends route messages to a neighbour. */
  send(neighbour: NodeId, messages: RouteMessage[]): void;
  /** The selected route of a destination changed next hop (appeared, moved, or vanished). */
  selectionChanged(destination: NodeId, previous: Selection | undefined, current: Selection | undefined): void;
  /** Where the protocol counts what it refused, evicted and verified. */
  readonly stats: ControlStats;
}

/**
 * The distance-vector protocol, in the spirit of Babel (RFC 8966) over links that are already
 * reliable and authenticated (so no hellos, IHUs or acknowledgements): it keeps the table, answers
 * and forwards requests, and decides what to tell neighbours and when.
 *
 * What is told when:
 * - A neighbour whose first link opens gets the whole table, and is asked for its own.
 * - Triggered updates, to every neighbour: a destination whose next hop changed (a route
 *   appeared, moved or vanished), whose metric changed by more than an eighth, or whose newer
 *   seqno answers a seqno request this node sent or forwarded. A newer seqno alone travels only
 *   where it was asked for, as in babeld: flooding every seqno raise to the whole mesh made each
 *   cut cost a full wave of updates per destination involved.
 * - Periodic updates, every interval: this node's own route (which also tells the neighbour it is
 *   alive) and whatever changed without being worth a triggered update (metric drift, a newer
 *   seqno nobody asked for). Nothing else is repeated: a link is reliable and ordered, so what a
 *   neighbour was told it still knows, until the link closes and the routes go with it. (Babel
 *   repeats whole tables because its transport loses packets; on 1000 routers that would be four
 *   million entries per interval for nothing.)
 *
 * Trust: with an identity, a route is believed only with the destination's signature of its
 * seqno (see seqnoProof.ts), checked after everything cheaper — the claim of metric 0, the
 * neighbour's cap, feasibility — and once per (destination, seqno, signature). Only the
 * destination may claim metric 0 to itself, whether or not it signs.
 *
 * Triggered updates wait for the next macrotask (a 0 ms timer): everything that arrives in one
 * turn of the event loop then leaves as one packet per neighbour instead of one per arrival. In
 * the 60-router simulation this cut start-up route traffic from ~20 000 packets to ~1 500 and
 * made convergence faster, for about a millisecond of added delay per hop.
 */
export class RoutingProtocol {
  /** This node's own seqno; only it raises it. */
  seqno: number;
  readonly table: RouteTable;
  /** Destinations whose change goes to every neighbour at the next flush. */
  private readonly changed = new Set<NodeId>();
  private selfChanged = false;
  /** Neighbours owed the whole table at the next flush. */
  private readonly fullTo = new Set<NodeId>();
  /** Messages for one neighbour (answers and requests), sent after the updates. */
  private readonly outbox = new Map<NodeId, RouteMessage[]>();
  /**
   * The seqno request last sent or forwarded per destination, and to whom: for pacing (within
   * `requestInterval`), and until the hold time to tell every neighbour at once when the seqno
   * asked for arrives — the requester may be several hops back, and a round trip across a big
   * mesh can take longer than the pacing interval.
   */
  private readonly asked = new Map<NodeId, SeqnoRecord>();
  /**
   * Destinations this node starves for (it holds routes, none feasible), with how often it has
   * asked again: a request can die on the way (a relay that lost its own route), so it is
   * repeated after 1, 2, 4, 8 and 16 request intervals, then at every periodic update, while
   * the starving lasts.
   */
  private readonly starving = new Map<NodeId, number>();
  private retryTimer: Timer | undefined;
  /** Destinations whose metric changed too little to tell at once: the periodic update looks at these. */
  private readonly drifting = new Set<NodeId>();
  /** When each neighbour last sent route messages, for the hold time. */
  private readonly heard = new Map<NodeId, number>();
  /** Neighbours some of whose routes were refused at their cap: asked for their table again once under it. */
  private readonly refusedFrom = new Set<NodeId>();
  /** Neighbours routed around per destination, until their timer ends it (see {@link RoutingProtocol.avoid}). */
  private readonly avoided = new Map<NodeId, Avoidance>();
  /** Evicted destinations whose retraction every neighbour is owed at the next flush, with the seqno to retract. */
  private readonly evicted = new Map<NodeId, number>();
  /** Signs this node's seqnos; undefined without an identity. */
  private readonly signer: SeqnoSigner | undefined;
  /** Checks the destinations' proofs; undefined without an identity (every route is believed). */
  private readonly proofs: SeqnoProofs | undefined;
  /** The neighbour whose packet, being read now, held a bad proof: the rest of it goes unchecked. */
  private liar: NodeId | undefined;
  /** The link cost of a neighbour, bound once (selection runs for every update). */
  private readonly cost: (node: NodeId) => number | undefined;
  private flushTimer: Timer | undefined;
  private timer: Timer | undefined;
  private closed = false;

  constructor(
    private readonly self: NodeId,
    private readonly options: ResolvedRouterOptions,
    private readonly neighbours: Neighbours,
    private readonly hooks: ProtocolHooks,
  ) {
    this.seqno = options.seqno;
    this.table = new RouteTable(options.maxDestinations, DEFAULT_HOP_LIMIT, (destination) => this.onEvicted(destination));
    if (options.identity) {
      this.signer = new SeqnoSigner(options.identity, self);
      // Room for a proof per destination and as many again for the seqnos in flight.
      this.proofs = new SeqnoProofs(2 * options.maxDestinations, hooks.stats);
    }
    this.cost = (node) => neighbours.cost(node);
    this.schedule();
  }

  /** The next hop towards `destination`, if a route is selected. */
  nextHop(destination: NodeId): NodeId | undefined {
    return this.table.get(destination)?.selected?.neighbour;
  }

  /** A neighbour's first link opened: exchange whole tables. */
  neighbourUp(node: NodeId): void {
    this.heard.set(node, this.options.clock.now());
    this.fullTo.add(node);
    this.enqueue(node, { type: 'request', destination: null });
  }

  /** Sends `node` the whole table at the next flush (a link to it closed with messages in flight). */
  resendAll(node: NodeId): void {
    this.fullTo.add(node);
    this.queueFlush();
  }

  /** A neighbour's last link closed: its routes are retracted at once. */
  neighbourDown(node: NodeId): void {
    this.outbox.delete(node);
    this.fullTo.delete(node);
    this.heard.delete(node);
    this.refusedFrom.delete(node);
    for (const destination of this.table.dropNeighbour(node, this.options.clock.now())) this.reselect(destination);
  }

  /** The cost of reaching `node` may have changed (a link to it opened or closed, or its RTT moved). */
  costChanged(node: NodeId): void {
    for (const destination of this.table.all()) if (routeVia(destination, node)) this.reselect(destination);
  }

  /** Messages from a neighbour (already validated). */
  receive(from: NodeId, messages: readonly RouteMessage[]): void {
    const now = this.options.clock.now();
    this.heard.set(from, now);
    this.liar = undefined;
    for (const message of messages) {
      switch (message.type) {
        case 'update':
          this.onUpdate(from, message, now);
          break;
        case 'request':
          if (message.destination === null) this.fullTo.add(from);
          else this.answer(from, message.destination);
          break;
        case 'seqno':
          this.onSeqnoRequest(from, message);
          break;
      }
    }
    this.queueFlush();
  }

  /** Stops the periodic updates; nothing is sent afterwards. */
  close(): void {
    this.closed = true;
    this.options.clock.clearTimeout(this.timer);
    this.options.clock.clearTimeout(this.flushTimer);
    this.options.clock.clearTimeout(this.retryTimer);
    for (const avoidance of this.avoided.values()) this.options.clock.clearTimeout(avoidance.timer);
    this.avoided.clear();
  }

  /**
   * Routes around `neighbour` for `destination` during `forMs` milliseconds: the end-to-end layer
   * calls it when the destination stopped answering through that next hop (a relay that attracts
   * routes and drops packets). Meanwhile any other route is preferred, whatever its metric. When
   * no other is feasible, the destination is asked for a newer seqno through the other
   * neighbours, so that their fresh (signed) updates become feasible within a round trip; and the
   * avoided neighbour's newer seqnos for it are not taken, lest its metric make them infeasible
   * again. When nothing else exists at all, the avoided route stays in use. A later call for the
   * same destination replaces the earlier one. Throws `badarg` unless `forMs` is a positive
   * finite number.
   */
  avoid(destination: NodeId, neighbour: NodeId, forMs: number): void {
    if (typeof forMs !== 'number' || !Number.isFinite(forMs) || forMs <= 0) throw new GlowError('badarg', `avoid: forMs must be a positive number of milliseconds, not ${String(forMs)}`);
    if (this.closed || destination === this.self) return;
    const clock = this.options.clock;
    clock.clearTimeout(this.avoided.get(destination)?.timer);
    const timer = clock.setTimeout(() => this.unavoid(destination, timer), forMs);
    this.avoided.set(destination, { neighbour, timer });
    const known = this.table.get(destination);
    if (!known) return;
    this.reselect(known);
    if (known.selected?.neighbour !== neighbour || !known.fd) return;
    const others = known.routes.filter((route) => route.neighbour !== neighbour).map((route) => route.neighbour);
    const to = others.length > 0 ? others : [...this.neighbours.nodes()].filter((node) => node !== neighbour);
    if (to.length > 0) this.ask(destination, seqnoAdd(known.fd.seqno), to, DEFAULT_HOP_LIMIT, true);
  }

  /** An avoidance ran out: selection is free again. */
  private unavoid(destination: NodeId, timer: Timer): void {
    if (this.avoided.get(destination)?.timer !== timer) return;
    this.avoided.delete(destination);
    const known = this.table.get(destination);
    if (known) this.reselect(known);
  }

  // ---- incoming ----------------------------------------------------------------------------

  private onUpdate(from: NodeId, update: RouteUpdate, now: number): void {
    if (update.destination === this.self) {
      // Someone still carries a newer seqno of ours (from before a restart): move past it, so
      // that our fresh routes are feasible everywhere again. Signed by us, or it is a lie.
      if (update.metric >= INFINITY || !seqnoNewer(update.seqno, this.seqno)) return;
      const proof = this.proofOf(from, update, undefined, undefined);
      if (proof === true) this.raiseSeqno(seqnoAdd(update.seqno));
      else if (proof !== false) this.refuse(proof);
      return;
    }
    // Only the destination is at distance 0 from itself: anyone else claiming so wants its traffic.
    if (update.metric === 0 && update.destination !== from) return this.refuse('metric0');
    const known = this.table.get(update.destination);
    const route = known && routeVia(known, from);
    const before = route?.seqno;
    const retraction = update.metric >= INFINITY;
    if (!retraction && !route && this.table.offered(from) >= this.options.maxRoutesPerNeighbour) {
      this.refusedFrom.add(from);
      return this.refuse('cap');
    }
    // While routed around, the avoided neighbour's newer seqnos would set the feasibility distance
    // to its metric (which may be a lie) and make the alternatives infeasible again. Unless it is
    // the only way there: refusing them then leaves the destination starving for the whole
    // avoidance (a tree whose sessions were merely slow lost whole subtrees for 30 s).
    if (!retraction && route && seqnoNewer(update.seqno, route.seqno) && this.avoided.get(update.destination)?.neighbour === from && known.routes.some((other) => other.neighbour !== from && other.advertised < INFINITY)) return;
    let destination: Destination;
    if (route && route.seqno === update.seqno && route.advertised === update.metric && route.hops === update.hops && sameProof(route.proof, update.proof)) {
      // The very route we hold (a full table after a reconnect, an answer to a request): nothing to select.
      destination = known!;
    } else {
      const proof = retraction || this.proofOf(from, update, known, route);
      if (proof !== true && proof !== false) return this.refuse(proof);
      const stored = this.table.update(update.destination, from, update.seqno, update.metric, update.hops, now, update.proof, proof);
      if (!stored) return;
      destination = stored;
      this.reselect(destination);
    }
    // Starving, and this neighbour has a route we may not take: ask the destination for a newer
    // seqno, which makes it feasible (RFC 8966 §3.8.2.1). If the neighbour's route is new (or
    // newer), ask even if we asked it already: it may have dropped that request for want of a
    // route, and waiting for the next periodic update would starve us for an interval.
    if (!destination.selected && routeVia(destination, from)) this.requestSeqno(destination, [from], before !== update.seqno);
  }

  /**
   * Whether an update's route may be selected as far as its proof goes: true when it is proven
   * (or the router checks no proofs), false when it is not feasible and so kept unchecked, or why
   * it is refused. Feasibility comes first because verifying costs a hundred times more.
   */
  private proofOf(from: NodeId, update: RouteUpdate, known: Destination | undefined, route: Route | undefined): boolean | RouteRefusal {
    if (!this.proofs) return true;
    if (!update.proof) return 'unsigned';
    if (route?.proven && route.seqno === update.seqno && route.proof && sameBytes(route.proof, update.proof)) return true;
    if (known && !isFeasible(known.fd, update.seqno, update.metric)) return false;
    if (this.liar === from) return 'badproof';
    if (this.proofs.check(update.destination, update.seqno, update.proof)) return true;
    this.liar = from;
    return 'badproof';
  }

  private refuse(reason: RouteRefusal): void {
    this.hooks.stats.refusedRoutes++;
    this.hooks.stats.refused[reason]++;
  }

  /** A full table dropped `destination` to make room: forget what we meant to do about it, and retract it if we advertised it. */
  private onEvicted(destination: Destination): void {
    const id = destination.id;
    this.hooks.stats.evicted++;
    this.changed.delete(id);
    this.drifting.delete(id);
    this.asked.delete(id);
    this.starving.delete(id);
    const avoidance = this.avoided.get(id);
    if (avoidance) {
      this.options.clock.clearTimeout(avoidance.timer);
      this.avoided.delete(id);
    }
    const selected = destination.selected;
    if (!selected) return;
    if (this.options.transit) {
      this.evicted.set(id, selected.seqno);
      this.queueFlush();
    }
    this.hooks.selectionChanged(id, selected, undefined);
  }

  private answer(to: NodeId, id: NodeId): void {
    if (id === this.self) return this.enqueue(to, this.selfUpdate());
    const destination = this.table.get(id);
    if (destination && this.options.transit) this.enqueue(to, this.updateFor(destination, to));
  }

  private onSeqnoRequest(from: NodeId, request: SeqnoRequest): void {
    if (request.destination === this.self) {
      // Babel raises by one; we jump to the requested seqno, so that a node that restarted with
      // an old seqno catches up in one round trip (it keeps no stable storage).
      if (seqnoNewer(request.seqno, this.seqno)) this.raiseSeqno(request.seqno);
      else this.enqueue(from, this.selfUpdate());
      return;
    }
    if (!this.options.transit) return;
    const destination = this.table.get(request.destination);
    if (!destination) return;
    const selected = destination.selected;
    if (selected && !seqnoNewer(request.seqno, selected.seqno)) return this.enqueue(from, this.updateFor(destination, from));
    if (request.hopCount < 2) return;
    const target = selected && selected.neighbour !== from ? selected.neighbour : this.table.bestOther(destination, from)?.neighbour;
    if (target !== undefined) this.ask(destination.id, request.seqno, [target], request.hopCount - 1, false, from);
  }

  // ---- selection ---------------------------------------------------------------------------

  /** Re-runs selection for a destination and tells neighbours and the router what changed. */
  reselect(destination: Destination): void {
    const previous = this.table.select(destination, this.cost, this.avoided.get(destination.id)?.neighbour);
    const current = destination.selected;
    // The table keeps the selection object when nothing about it changed.
    if (previous === current) return;
    const moved = previous?.neighbour !== current?.neighbour;
    const answered = current === undefined ? undefined : this.answered(destination.id, current);
    // Along the same next hop, a metric that moved by more than an eighth is told to everyone at
    // once, and a seqno that answers a request to those who made it; the rest waits (see `drifted`).
    if (moved || (previous && current && significantChange(previous.metric, current.metric))) {
      if (this.options.transit) this.changed.add(destination.id);
      this.queueFlush();
    } else {
      if (this.options.transit) this.drifting.add(destination.id);
      if (answered) for (const requester of answered.requesters) this.enqueue(requester, this.updateFor(destination, requester));
    }
    if (!moved) return;
    this.hooks.selectionChanged(destination.id, previous, current);
    if (!current) return this.requestSeqno(destination, [...this.neighbours.nodes()]);
    // A request still waiting went to the old next hop, whose answer would no longer reach us
    // through the route we use: ask the new one.
    const record = this.asked.get(destination.id);
    if (record && !answered && record.hopCount > 0) this.ask(destination.id, record.seqno, [current.neighbour], record.hopCount);
  }

  /** The request of ours that `selection` answers (it carries the seqno asked for), now forgotten; undefined when none. */
  private answered(id: NodeId, selection: Selection): SeqnoRecord | undefined {
    const record = this.asked.get(id);
    if (!record || seqnoNewer(record.seqno, selection.seqno)) return undefined;
    this.asked.delete(id);
    return record;
  }

  /** Starving for `destination`: ask for the seqno after our feasibility distance's, which any route will satisfy. */
  private requestSeqno(destination: Destination, to: NodeId[], force = false): void {
    if (!destination.fd) return;
    this.ask(destination.id, seqnoAdd(destination.fd.seqno), to, DEFAULT_HOP_LIMIT, force);
    if (!this.starving.has(destination.id)) this.starving.set(destination.id, 0);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = this.options.clock.setTimeout(() => this.retry(), this.options.requestInterval);
  }

  /** Asks again for what still starves, on the backoff of {@link RoutingProtocol.starving}. */
  private retry(): void {
    this.retryTimer = undefined;
    let more = false;
    for (const [id, count] of this.starving) {
      const destination = this.stillStarving(id);
      if (!destination || count >= MAX_RETRIES) continue;
      const n = count + 1;
      this.starving.set(id, n);
      more ||= n < MAX_RETRIES;
      if ((n & (n - 1)) !== 0) continue;
      this.ask(id, seqnoAdd(destination.fd!.seqno), destination.routes.map((route) => route.neighbour), DEFAULT_HOP_LIMIT);
    }
    if (more) this.scheduleRetry();
  }

  /** The destination if this node still starves for it; otherwise it leaves {@link RoutingProtocol.starving}. */
  private stillStarving(id: NodeId): Destination | undefined {
    const destination = this.table.get(id);
    if (destination?.fd && !destination.selected && destination.routes.length > 0) return destination;
    this.starving.delete(id);
    return undefined;
  }

  /**
   * Sends (or forwards, for `requester`) a seqno request, paced: within `requestInterval`, each
   * neighbour is asked about a destination once per seqno, and not at all once a newer request
   * went out — unless `force`d, when the neighbour is asked (for the newest seqno wanted) all
   * the same. Whoever asked us is remembered until the answer comes.
   */
  private ask(id: NodeId, seqno: number, to: NodeId[], hopCount: number, force = false, requester?: NodeId): void {
    const now = this.options.clock.now();
    let record = this.asked.get(id);
    if (requester !== undefined) record?.requesters.add(requester);
    const fresh = record !== undefined && now - record.at < this.options.requestInterval;
    if (fresh && seqnoNewer(record!.seqno, seqno)) {
      if (!force) return;
      seqno = record!.seqno;
    }
    if (!record || !fresh || record.seqno !== seqno) {
      // A newer seqno answers the older requests too: their requesters carry over.
      const requesters = record && !seqnoNewer(record.seqno, seqno) ? record.requesters : new Set<NodeId>();
      if (requester !== undefined) requesters.add(requester);
      record = { seqno, at: now, hopCount, to: new Set(), requesters };
      this.asked.set(id, record);
    }
    for (const node of to) {
      if (record.to.has(node) && !force) continue;
      record.to.add(node);
      this.enqueue(node, { type: 'seqno', destination: id, seqno, hopCount });
    }
  }

  private raiseSeqno(seqno: number): void {
    this.seqno = seqno;
    this.selfChanged = true;
    this.queueFlush();
  }

  // ---- outgoing ----------------------------------------------------------------------------

  private selfUpdate(): RouteUpdate {
    const update: RouteUpdate = { type: 'update', destination: this.self, seqno: this.seqno, metric: 0, hops: 0 };
    return this.signer ? { ...update, proof: this.signer.proof(this.seqno) } : update;
  }

  /** What we tell `to` about a destination: our route, or infinity when it goes through `to` (poison reverse) or is gone. */
  private updateFor(destination: Destination, to: NodeId): RouteUpdate {
    const selected = destination.selected;
    if (!selected || selected.neighbour === to) {
      return { type: 'update', destination: destination.id, seqno: selected?.seqno ?? destination.fd?.seqno ?? 0, metric: INFINITY, hops: 0 };
    }
    const update: RouteUpdate = { type: 'update', destination: destination.id, seqno: selected.seqno, metric: selected.metric, hops: selected.hops };
    return selected.proof ? { ...update, proof: selected.proof } : update;
  }

  /** The update `to` is owed about `id` now; undefined for a destination forgotten since. */
  private current(id: NodeId, to: NodeId): RouteUpdate | undefined {
    if (id === this.self) return this.selfUpdate();
    const destination = this.table.get(id);
    return destination && this.updateFor(destination, to);
  }

  private enqueue(to: NodeId, message: RouteMessage): void {
    const box = this.outbox.get(to);
    if (box) box.push(message);
    else this.outbox.set(to, [message]);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = this.options.clock.setTimeout(() => this.flush(), 0);
  }

  /** Sends what accumulated: per neighbour, updates first (so a retraction precedes the request it motivates), then its own messages. */
  private flush(): void {
    this.options.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.closed) return;
    for (const node of this.neighbours.nodes()) {
      const messages: RouteMessage[] = [];
      const full = this.fullTo.has(node);
      if (full || this.selfChanged) messages.push(this.selfUpdate());
      for (const [id, seqno] of this.evicted) {
        if (!this.table.get(id)) messages.push({ type: 'update', destination: id, seqno, metric: INFINITY, hops: 0 });
      }
      if (this.options.transit) {
        if (full) {
          for (const destination of this.table.all()) {
            if (destination.selected || this.changed.has(destination.id)) messages.push(this.updateFor(destination, node));
          }
        } else {
          for (const id of this.changed) {
            const destination = this.table.get(id);
            if (destination) messages.push(this.updateFor(destination, node));
          }
        }
      }
      const box = this.outbox.get(node);
      if (box) {
        for (const message of box) {
          if (message.type !== 'update') messages.push(message);
          else {
            // An answer says what holds now, not when it was asked: one made before a retraction
            // in the same turn would otherwise follow the retraction and bring the route back.
            const update = this.current(message.destination, node);
            if (update) messages.push(update);
          }
        }
      }
      if (messages.length > 0) this.hooks.send(node, messages);
    }
    // What every neighbour now knows, so that the periodic update sends only what drifts from it.
    for (const id of this.changed) {
      const destination = this.table.get(id);
      if (destination) told(destination);
    }
    this.changed.clear();
    this.evicted.clear();
    this.fullTo.clear();
    this.outbox.clear();
    this.selfChanged = false;
  }

  // ---- periodic ----------------------------------------------------------------------------

  private schedule(): void {
    const delay = this.options.updateInterval * (0.8 + 0.2 * this.options.random());
    this.timer = this.options.clock.setTimeout(() => this.tick(), delay);
  }

  /**
   * Every interval: drop the routes of neighbours silent for the hold time (and ask them for
   * their table again), re-select where a link's cost drifted, re-ask for what starves, forget the
   * long gone, and send every neighbour our own route and what changed quietly since it was told.
   */
  private tick(): void {
    if (this.closed) return;
    const { clock, holdTime, forgetAfter, transit, maxRoutesPerNeighbour } = this.options;
    const now = clock.now();
    for (const [node, at] of this.heard) {
      if (now - at < holdTime) continue;
      this.heard.set(node, now);
      for (const destination of this.table.dropNeighbour(node, now)) this.reselect(destination);
      this.enqueue(node, { type: 'request', destination: null });
    }
    for (const node of this.neighbours.refresh()) this.costChanged(node);
    for (const id of this.starving.keys()) {
      const destination = this.stillStarving(id);
      if (destination) this.ask(id, seqnoAdd(destination.fd!.seqno), destination.routes.map((route) => route.neighbour), DEFAULT_HOP_LIMIT);
    }
    for (const id of this.drifting) {
      const destination = this.table.get(id);
      if (transit && destination && drifted(destination)) this.changed.add(id);
    }
    this.drifting.clear();
    this.table.forget(now - forgetAfter);
    for (const [id, record] of this.asked) if (now - record.at >= holdTime) this.asked.delete(id);
    for (const node of this.refusedFrom) {
      if (this.table.offered(node) >= maxRoutesPerNeighbour) continue;
      this.enqueue(node, { type: 'request', destination: null });
      this.refusedFrom.delete(node);
    }
    this.selfChanged = true;
    this.flush();
    this.schedule();
  }
}

/** Retries of a starving request: the last one goes 16 request intervals after the first. */
const MAX_RETRIES = 16;

/** A seqno request this node sent or forwarded. */
interface SeqnoRecord {
  seqno: number;
  /** When it was (last) sent. */
  at: number;
  /** The hop count it went out with, to send it on again along a new route. */
  hopCount: number;
  /** The neighbours it went to. */
  to: Set<NodeId>;
  /** The neighbours whose requests it carries: they are told when the answer comes. */
  requesters: Set<NodeId>;
}

/** A neighbour routed around for one destination (see {@link RoutingProtocol.avoid}). */
interface Avoidance {
  readonly neighbour: NodeId;
  /** Ends the avoidance. */
  readonly timer: Timer;
}

/** True when two optional proofs are the same bytes, or both absent. */
function sameProof(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameBytes(a, b);
}

/** Records what every neighbour was told about `destination` (bar poison reverse). */
function told(destination: Destination): void {
  destination.toldMetric = destination.selected ? destination.selected.metric : INFINITY;
}

/**
 * True when the metric neighbours were told differs from the one in use (changes too small to
 * trigger an update). A newer seqno alone is not news: it rides along with the next update about
 * the destination, and a neighbour that needs it sooner asks for it. Repeating every raise to the
 * whole mesh cost, on 1000 routers, hundreds of thousands of updates per cut.
 */
function drifted(destination: Destination): boolean {
  const selected = destination.selected;
  if (!selected) return destination.toldMetric < INFINITY;
  return selected.metric !== destination.toldMetric;
}
