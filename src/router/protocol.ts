import type { NodeId } from '../firefly/address.js';
import { DEFAULT_HOP_LIMIT } from '../firefly/packet.js';
import { INFINITY, significantChange } from './metric.js';
import type { Neighbours } from './neighbours.js';
import type { ResolvedRouterOptions } from './options.js';
import { seqnoAdd, seqnoNewer } from './seqno.js';
import { RouteTable, type Destination, type Selection } from './table.js';
import type { RouteMessage, RouteUpdate, SeqnoRequest } from './updates.js';

/** What the protocol needs from the router around it. */
export interface ProtocolHooks {
  /** Sends route messages to a neighbour. */
  send(neighbour: NodeId, messages: RouteMessage[]): void;
  /** The selected route of a destination changed next hop (appeared, moved, or vanished). */
  selectionChanged(destination: NodeId, previous: Selection | undefined, current: Selection | undefined): void;
  /** An update named a new destination while the table was full. */
  refused(): void;
}

/**
 * The distance-vector protocol, in the spirit of Babel (RFC 8966) over links that are already
 * reliable and authenticated (so no hellos, IHUs or acknowledgements): it keeps the table, answers
 * and forwards requests, and decides what to tell neighbours and when — triggered updates for
 * changes, full updates every interval, seqno requests when starving.
 *
 * Triggered updates wait for the next macrotask (`setTimeout(0)`): everything that arrives in one
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
  /** The seqno request last sent or forwarded per destination, and to whom, for pacing. */
  private readonly asked = new Map<NodeId, { seqno: number; at: number; to: Set<NodeId> }>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly self: NodeId,
    private readonly options: ResolvedRouterOptions,
    private readonly neighbours: Neighbours,
    private readonly hooks: ProtocolHooks,
  ) {
    this.seqno = options.seqno;
    this.table = new RouteTable(options.maxDestinations, DEFAULT_HOP_LIMIT);
    this.schedule();
  }

  /** The next hop towards `destination`, if a route is selected. */
  nextHop(destination: NodeId): NodeId | undefined {
    return this.table.get(destination)?.selected?.neighbour;
  }

  /** A neighbour's first link opened: exchange whole tables. */
  neighbourUp(node: NodeId): void {
    this.fullTo.add(node);
    this.enqueue(node, { type: 'request', destination: null });
  }

  /** A neighbour's last link closed: its routes are retracted at once. */
  neighbourDown(node: NodeId): void {
    this.outbox.delete(node);
    this.fullTo.delete(node);
    for (const destination of this.table.dropNeighbour(node, this.options.clock.now())) this.reselect(destination);
  }

  /** The cost of reaching `node` may have changed (a link to it opened or closed). */
  costChanged(node: NodeId): void {
    for (const destination of this.table.all()) if (destination.routes.has(node)) this.reselect(destination);
  }

  /** Messages from a neighbour (already validated). */
  receive(from: NodeId, messages: readonly RouteMessage[]): void {
    for (const message of messages) {
      switch (message.type) {
        case 'update':
          this.onUpdate(from, message);
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
    clearTimeout(this.timer);
    clearTimeout(this.flushTimer);
  }

  // ---- incoming ----------------------------------------------------------------------------

  private onUpdate(from: NodeId, update: RouteUpdate): void {
    const now = this.options.clock.now();
    if (update.destination === this.self) {
      // Someone still carries a newer seqno of ours (from before a restart): move past it, so
      // that our fresh routes are feasible everywhere again.
      if (update.metric < INFINITY && seqnoNewer(update.seqno, this.seqno)) this.raiseSeqno(seqnoAdd(update.seqno));
      return;
    }
    const before = this.table.get(update.destination)?.routes.get(from)?.seqno;
    const destination = this.table.update(update.destination, from, update.seqno, update.metric, update.hops, now);
    if (destination === 'full') return this.hooks.refused();
    if (!destination) return;
    this.reselect(destination);
    // Starving, and this neighbour has a route we may not take: ask the destination for a newer
    // seqno, which makes it feasible (RFC 8966 §3.8.2.1). If the neighbour's route is new (or
    // newer), ask even if we asked it already: it may have dropped that request for want of a
    // route, and waiting for the next periodic update would starve us for an interval.
    if (!destination.selected && destination.routes.has(from)) this.requestSeqno(destination, [from], before !== update.seqno);
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
    if (target !== undefined) this.ask(destination.id, request.seqno, [target], request.hopCount - 1);
  }

  // ---- selection ---------------------------------------------------------------------------

  /** Re-runs selection for a destination and tells neighbours and the router what changed. */
  reselect(destination: Destination): void {
    const previous = this.table.select(destination, (node) => this.neighbours.cost(node));
    const current = destination.selected;
    const moved = previous?.neighbour !== current?.neighbour || previous?.seqno !== current?.seqno;
    // Small metric drift waits for the periodic update; anything else travels at once.
    if (moved || (previous && current && significantChange(previous.metric, current.metric))) {
      if (this.options.transit) this.changed.add(destination.id);
      this.queueFlush();
    }
    if (previous?.neighbour !== current?.neighbour) this.hooks.selectionChanged(destination.id, previous, current);
    if (previous && !current) this.requestSeqno(destination, [...this.neighbours.nodes()]);
  }

  /** Starving for `destination`: ask for the seqno after our feasibility distance's, which any route will satisfy. */
  private requestSeqno(destination: Destination, to: NodeId[], force = false): void {
    if (destination.fd) this.ask(destination.id, seqnoAdd(destination.fd.seqno), to, DEFAULT_HOP_LIMIT, force);
  }

  /**
   * Sends (or forwards) a seqno request, paced: within `requestInterval`, each neighbour is asked
   * about a destination once per seqno, and not at all once a newer request went out — unless
   * `force`d, when the neighbour is asked (for the newest seqno wanted) all the same.
   */
  private ask(id: NodeId, seqno: number, to: NodeId[], hopCount: number, force = false): void {
    const now = this.options.clock.now();
    let record = this.asked.get(id);
    const fresh = record !== undefined && now - record.at < this.options.requestInterval;
    if (fresh && seqnoNewer(record!.seqno, seqno)) {
      if (!force) return;
      seqno = record!.seqno;
    }
    if (!record || !fresh || record.seqno !== seqno) {
      record = { seqno, at: now, to: new Set() };
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
    return { type: 'update', destination: this.self, seqno: this.seqno, metric: 0, hops: 0 };
  }

  /** What we tell `to` about a destination: our route, or infinity when it goes through `to` (poison reverse) or is gone. */
  private updateFor(destination: Destination, to: NodeId): RouteUpdate {
    const selected = destination.selected;
    if (!selected || selected.neighbour === to) {
      return { type: 'update', destination: destination.id, seqno: selected?.seqno ?? destination.fd?.seqno ?? 0, metric: INFINITY, hops: 0 };
    }
    return { type: 'update', destination: destination.id, seqno: selected.seqno, metric: selected.metric, hops: selected.hops };
  }

  private enqueue(to: NodeId, message: RouteMessage): void {
    const box = this.outbox.get(to);
    if (box) box.push(message);
    else this.outbox.set(to, [message]);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = setTimeout(() => this.flush(), 0);
  }

  /** Sends what accumulated: per neighbour, updates first (so a retraction precedes the request it motivates), then its own messages. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.closed) return;
    for (const node of this.neighbours.nodes()) {
      const messages: RouteMessage[] = [];
      const full = this.fullTo.has(node);
      if (full || this.selfChanged) messages.push(this.selfUpdate());
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
      if (box) messages.push(...box);
      if (messages.length > 0) this.hooks.send(node, messages);
    }
    this.changed.clear();
    this.fullTo.clear();
    this.outbox.clear();
    this.selfChanged = false;
  }

  // ---- periodic ----------------------------------------------------------------------------

  private schedule(): void {
    const delay = this.options.updateInterval * (0.8 + 0.2 * this.options.random());
    this.timer = setTimeout(() => this.tick(), delay);
  }

  /** Every interval: expire stale routes, re-select (link costs drift), re-ask for what starves, forget the long gone, send full tables. */
  private tick(): void {
    if (this.closed) return;
    const now = this.options.clock.now();
    this.table.expire(now - this.options.holdTime, now);
    for (const destination of this.table.all()) {
      this.reselect(destination);
      if (!destination.selected && destination.routes.size > 0) this.requestSeqno(destination, [...destination.routes.keys()]);
    }
    this.table.forget(now - this.options.forgetAfter);
    for (const [id, record] of this.asked) if (now - record.at >= this.options.requestInterval) this.asked.delete(id);
    for (const node of this.neighbours.nodes()) this.fullTo.add(node);
    this.flush();
    this.schedule();
  }
}
