import { isIdSegment, type NodeId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import { decodePacket, encodePacket, isSealed, PacketKind, PROTOCOL_VERSION, type Packet } from '../firefly/packet.js';
import type { Link } from '../transport/link.js';
import { bounce } from './bounce.js';
import { Neighbours, type NeighbourInfo } from './neighbours.js';
import { resolveRouterOptions, type ResolvedRouterOptions, type RouterOptions } from './options.js';
import type { LocalEndpoint, PacketPort } from './port.js';
import { RoutingProtocol } from './protocol.js';
import { Reachability, type ReachabilityEvent } from './reachability.js';
import { emptyStats, type DropReason, type RouterStats } from './stats.js';
import type { SessionStats } from './session/stats.js';
import { decodeRouteBody, encodeRouteBody, MAX_ROUTE_MESSAGES, type RouteMessage } from './updates.js';
import { notifyAll } from '../firefly/listeners.js';
import { Sessions } from './session/sessions.js';
import { isRouterNotice } from './notice.js';

/** How long a next hop a session found silent is avoided for its destination (ms). */
const AVOID_SILENT_HOP = 30_000;

/** The local id route packets are addressed from and to (they never reach a resource). */
export const ROUTER_LOCAL = 'router';

/** Least time, ms, older links to a neighbour that linked again get to prove themselves (see `addLink`). */
const MIN_PROBE_MS = 300;

/** A route in use, as {@link Router.routes} reports it. */
export interface RouteInfo {
  readonly destination: NodeId;
  /** The neighbour packets for `destination` are sent to. */
  readonly nextHop: NodeId;
  /** Sum of link costs along the route (tenths of a millisecond of RTT, plus 1 ms per hop). */
  readonly metric: number;
  readonly hops: number;
  /** The destination's seqno the route is based on. */
  readonly seqno: number;
}

/**
 * A node's router: it owns the node's links, forwards packets between them, and runs the
 * distance-vector protocol ({@link RoutingProtocol}) that picks the next hop for every
 * destination. It is the node's {@link PacketPort}: the local node sends through it, and it
 * hands the local node what is addressed to it (`local.receive`) or tells it which nodes were
 * lost (`local.nodeUnreachable`).
 *
 * Forwarding reads the header only ({@link decodePacket} leaves the body as bytes) and re-encodes
 * it with one hop less; bodies in transit are never decoded, so they can later be encrypted end
 * to end. Everything that arrives on a link is untrusted: anything the router cannot use is
 * counted in {@link Router.stats} and dropped, and nothing a neighbour sends can make it throw.
 */
export class Router implements PacketPort {
  /** The local node's id. */
  readonly id: NodeId;
  private readonly options: ResolvedRouterOptions;
  private readonly links: Neighbours;
  private readonly protocol: RoutingProtocol;
  private readonly reachability: Reachability;
  private readonly counters = emptyStats();
  private readonly listeners = new Set<(event: ReachabilityEvent) => void>();
  /** End-to-end sessions; undefined when the router has no identity or sealing is off. */
  private readonly sessions: Sessions | undefined;
  private closed = false;

  constructor(
    private readonly local: LocalEndpoint,
    options: RouterOptions = {},
  ) {
    this.id = local.id;
    this.options = resolveRouterOptions(options);
    this.links = new Neighbours(this.options.linkCost, this.options.clock);
    this.reachability = new Reachability(
      this.options.clock,
      this.options.grace,
      this.options.maxHeld,
      (node, held) => this.unreachable(node, held),
      (event) => this.emit(event),
    );
    this.protocol = new RoutingProtocol(this.id, this.options, this.links, {
      send: (neighbour, messages) => this.sendControl(neighbour, messages),
      selectionChanged: (destination, previous, current) => {
        if (current && !previous) for (const packet of this.reachability.found(destination)) this.forward(packet);
        else if (previous && !current) this.reachability.lose(destination);
      },
      stats: this.counters,
    });
    const identity = this.options.identity;
    if (identity && this.options.seal) {
      this.sessions = new Sessions(
        identity,
        this.options.clock,
        {
          forward: (packet, made) => {
            if (this.closed) return;
            if (made) this.counters.generated++;
            this.forward(packet);
          },
          resent: (count) => (this.counters.generated += count),
          fail: (packet, reason) => this.drop(packet, reason),
          reachable: (node) => this.reachability.isReachable(node),
          silent: (peer) => this.silent(peer),
        },
        this.options.sessions,
      );
    }
  }

  // ---- links -------------------------------------------------------------------------------

  /**
   * Adds a link to a neighbour (authenticated by the transport). Several links to one neighbour
   * may be added; the cheapest open one is used. A closed link's routes are retracted at once.
   * A link to this node itself, or added after {@link Router.close}, is closed.
   */
  addLink(link: Link): void {
    if (link.closed || this.links.hasLink(link)) return;
    if (this.closed) return link.close('router closed');
    if (link.remote === this.id || !isIdSegment(link.remote)) return link.close('not a link to another node');
    // A neighbour that links again may have lost its older links' path: they prove themselves
    // within a few round trips (or close), and the new link carries everything meanwhile.
    const older = this.links.others(link);
    const proof = Math.max(MIN_PROBE_MS, ...older.map((other) => 3 * (other.rtt ?? 0)));
    // Preferred a little beyond the probe: until a dead older link has closed, not just until its deadline.
    const first = this.links.add(link, older.length > 0 ? proof + MIN_PROBE_MS : 0);
    link.onPacket((bytes) => this.fromLink(link, bytes));
    link.onClose(() => this.linkClosed(link));
    if (first) return this.protocol.neighbourUp(link.remote);
    for (const other of older) other.probe?.(proof);
    this.protocol.costChanged(link.remote);
  }

  private linkClosed(link: Link): void {
    if (this.closed) return;
    if (this.links.remove(link)) return this.protocol.neighbourDown(link.remote);
    // What the closed link still carried may be lost, route updates too: the neighbour gets our
    // whole table again over the links that remain.
    this.protocol.resendAll(link.remote);
    this.protocol.costChanged(link.remote);
  }

  // ---- packets -----------------------------------------------------------------------------

  /** Sends a packet from the local node towards its destination (the {@link PacketPort} side). */
  send(packet: Packet): void {
    this.counters.originated++;
    if (this.closed) return this.drop(packet, 'closed');
    if (packet.dst.node === this.id) {
      // Asynchronous like any other delivery, so the sender never re-enters itself.
      queueMicrotask(() => this.deliver(packet));
      return;
    }
    if (packet.kind === PacketKind.route || packet.kind === PacketKind.session || isSealed(packet.kind)) return this.drop(packet, 'badroute');
    // A packet for a neighbour goes on the link, whose own encryption is a session between the
    // two node keys; anything a relay will carry is sealed end to end.
    if (this.sessions && !this.isDirect(packet.dst.node)) return this.sessions.send(packet);
    this.forward(packet);
  }

  /** True when packets for `node` go straight to it: a link to it is up and is the route in use. */
  private isDirect(node: NodeId): boolean {
    if (!this.links.has(node)) return false;
    const next = this.protocol.nextHop(node);
    return next === undefined || next === node;
  }

  /** Bytes from a link: read the header, then deliver, consume, forward or drop. */
  private fromLink(link: Link, bytes: Uint8Array): void {
    if (this.closed) return;
    this.counters.received++;
    let packet: Packet;
    try {
      packet = decodePacket(bytes, this.options.limits);
    } catch (error) {
      // The header could not be read whole (a rejection names at most src and corr), so there is
      // no telling whether an answer is owed or which kind's corr it would settle: count, drop.
      this.counters.dropped[error instanceof GlowError && error.code === 'unsupported' ? 'unsupported' : 'badpacket']++;
      return;
    }
    if (packet.kind === PacketKind.route) return this.control(link, packet);
    if (this.sessions && !this.mayCarry(link, packet)) return this.drop(packet, 'unsealed', false);
    if (packet.src.node === this.id) {
      // This node never sends itself a packet over a link: that one is forged, and answering it
      // would talk to ourselves.
      if (packet.dst.node === this.id) return this.drop(packet, 'forged', false);
      // A packet of ours coming back: a relay held it while a route changed, and the new route
      // runs back through us. Or a neighbour forged it, which we cannot tell apart — and
      // forwarding that is no worse than the neighbour sending it along any other path.
      this.counters.returned++;
    }
    if (packet.dst.node === this.id) return this.sessions ? this.receiveSealed(packet) : this.deliver(packet);
    if (!this.options.transit) return this.drop(packet, 'notransit');
    // Our own packets coming back (see above) are ours to send, whoever they are for. Session
    // messages only open a session: what may travel in it is judged packet by packet.
    if (this.options.relay && packet.src.node !== this.id && packet.kind !== PacketKind.session && !this.mayRelay(packet)) {
      return this.drop(packet, 'relaydenied');
    }
    this.forward(packet);
  }

  /**
   * With sessions on, what a packet from a link may be: sealed traffic and session messages
   * from anyone; in the clear, only what the neighbour itself sends to this node (the link is
   * its session), or a router's answer for a packet it could not deliver (see {@link bounce}):
   * a relay can always fail what it carries, so believing that answer gives it nothing.
   */
  private mayCarry(link: Link, packet: Packet): boolean {
    if (isSealed(packet.kind) || packet.kind === PacketKind.session) return true;
    if (packet.dst.node === this.id && packet.src.node === link.remote) return true;
    return isRouterNotice(packet, this.options.limits);
  }

  /** A packet for this node with sessions on: opened, consumed or delivered as it is. */
  private receiveSealed(packet: Packet): void {
    const sessions = this.sessions!;
    if (packet.kind === PacketKind.session) {
      const refused = sessions.control(packet);
      if (refused) return this.drop(packet, refused, false);
      this.counters.control++;
      return;
    }
    if (!isSealed(packet.kind)) return this.deliver(packet);
    const opened = sessions.open(packet);
    // A packet that failed authentication may have had its header changed too, but its sender,
    // if the header is right, is told at once instead of waiting for its timeout.
    if (typeof opened === 'string') return this.drop(packet, opened, opened === 'tampered');
    this.deliver(opened);
  }

  private mayRelay(packet: Packet): boolean {
    try {
      return this.options.relay!(packet.src, packet.dst) === true;
    } catch {
      return false;
    }
  }

  /** A route packet: the router's own traffic, only ever between the two ends of a link. */
  private control(link: Link, packet: Packet): void {
    // Links are authenticated: the only router that can speak on one is the neighbour at its end.
    if (packet.src.node !== link.remote) return this.drop(packet, 'forged', false);
    if (packet.dst.node !== this.id) return this.drop(packet, 'badroute', false);
    let messages: RouteMessage[];
    try {
      messages = decodeRouteBody(packet.body, this.options.limits, MAX_ROUTE_MESSAGES);
    } catch {
      return this.drop(packet, 'badroute', false);
    }
    this.counters.control++;
    if (this.links.has(link.remote)) this.protocol.receive(link.remote, messages);
  }

  private deliver(packet: Packet): void {
    try {
      this.local.receive(packet);
      this.counters.delivered++;
    } catch {
      // The endpoint's contract is never to throw; if it does, one packet is lost, not the router.
      this.counters.dropped.local++;
    }
  }

  /** Sends a packet one hop closer to its destination, holds it during a grace, or drops it. */
  private forward(packet: Packet): void {
    const destination = packet.dst.node;
    // A direct link to the destination is always a loop-free way there, even before its update.
    const next = this.protocol.nextHop(destination) ?? (this.links.has(destination) ? destination : undefined);
    const link = next === undefined ? undefined : this.links.link(next);
    if (!link) {
      if (this.reachability.hold(destination, packet)) return;
      return this.drop(packet, 'noroute');
    }
    if (packet.hop < 1) return this.drop(packet, 'hoplimit');
    link.send(encodePacket(packet, packet.hop - 1));
    this.counters.forwarded++;
  }

  /** Counts a drop and, where the sender waits on an answer, sends it one (see {@link bounce}). */
  private drop(packet: Packet, reason: DropReason, answer = true): void {
    this.counters.dropped[reason]++;
    const error = answer ? bounce(packet, this.id, reason) : undefined;
    if (!error) return;
    this.counters.generated++;
    if (error.dst.node === this.id) queueMicrotask(() => this.deliver(error));
    else if (!this.closed) this.forward(error);
    else this.counters.dropped.closed++;
  }

  private sendControl(neighbour: NodeId, messages: RouteMessage[]): void {
    const link = this.links.link(neighbour);
    if (!link) return;
    for (let start = 0; start < messages.length; start += MAX_ROUTE_MESSAGES) {
      const body = encodeRouteBody(messages.slice(start, start + MAX_ROUTE_MESSAGES));
      link.send(
        encodePacket({
          version: PROTOCOL_VERSION,
          kind: PacketKind.route,
          src: { node: this.id, local: ROUTER_LOCAL },
          dst: { node: neighbour, local: ROUTER_LOCAL },
          hop: 1,
          corr: 0,
          method: '',
          body,
        }),
      );
    }
  }

  // ---- reachability ------------------------------------------------------------------------

  /**
   * Listens for destinations becoming reachable (a route appears) and unreachable (no feasible
   * route left after the grace). Returns a function that stops listening.
   */
  onReachability(listener: (event: ReachabilityEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private unreachable(node: NodeId, held: Packet[]): void {
    // Held packets of the local node are dropped without an answer: nodeUnreachable fails what
    // waits on them. Transit packets get their answer, their sender's router may not know yet.
    for (const packet of held) this.drop(packet, 'noroute', packet.src.node !== this.id);
    for (const packet of this.sessions?.unreachable(node) ?? []) this.drop(packet, 'noroute', false);
    this.local.nodeUnreachable(node);
  }

  private emit(event: ReachabilityEvent): void {
    // A listener's failure is its own: reported out of band, the routing state stays whole.
    notifyAll(this.listeners, event);
  }

  /**
   * The session with `peer` saw no answer for a few round trips: the next hop may be swallowing
   * what it should carry (it attracted the route and drops), so another path is tried for a
   * while. A neighbour that is itself the destination is not avoided: there is no other way to it.
   */
  private silent(peer: NodeId): void {
    const next = this.protocol.nextHop(peer);
    if (next !== undefined && next !== peer) this.avoidNextHop(peer, next, AVOID_SILENT_HOP);
  }

  /** Routes around `neighbour` for `destination` during `forMs` ms; see {@link RoutingProtocol.avoid}. */
  avoidNextHop(destination: NodeId, neighbour: NodeId, forMs: number): void {
    this.protocol.avoid(destination, neighbour, forMs);
  }

  // ---- inspection --------------------------------------------------------------------------

  /** The routes in use, one per reachable destination. */
  routes(): RouteInfo[] {
    const routes: RouteInfo[] = [];
    for (const destination of this.protocol.table.all()) {
      const selected = destination.selected;
      if (!selected) continue;
      routes.push({ destination: destination.id, nextHop: selected.neighbour, metric: selected.metric, hops: selected.hops, seqno: selected.seqno });
    }
    return routes;
  }

  /** The route in use for one destination, if any. */
  route(destination: NodeId): RouteInfo | undefined {
    const selected = this.protocol.table.get(destination)?.selected;
    if (!selected) return undefined;
    return { destination, nextHop: selected.neighbour, metric: selected.metric, hops: selected.hops, seqno: selected.seqno };
  }

  /** The neighbours with at least one open link. */
  neighbours(): NeighbourInfo[] {
    return this.links.info();
  }

  /** True while `node` has a route, or is in its grace. */
  isReachable(node: NodeId): boolean {
    return this.reachability.isReachable(node);
  }

  /** This node's current seqno (it rises when the mesh asks for a fresher route to it). */
  get seqno(): number {
    return this.protocol.seqno;
  }

  /** A snapshot of the counters; see {@link RouterStats} for how they add up. */
  get stats(): RouterStats & { readonly held: number; readonly sessions?: SessionStats } {
    const held = this.reachability.held + (this.sessions?.queued ?? 0);
    const stats = { ...this.counters, dropped: { ...this.counters.dropped }, refused: { ...this.counters.refused }, held };
    return this.sessions ? { ...stats, sessions: { ...this.sessions.stats } } : stats;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Stops the router: timers end, held packets are dropped (`closed`), every link is closed (so
   * neighbours retract their routes through this node), and the local node is told that every
   * node it could reach is now unreachable, so nothing waits on them until a timeout.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.protocol.close();
    const { nodes, held } = this.reachability.close();
    this.counters.dropped.closed += held.length + (this.sessions?.close().length ?? 0);
    for (const link of this.links.allLinks()) link.close('router closed');
    for (const node of nodes) {
      this.local.nodeUnreachable(node);
      this.emit({ node, reachable: false });
    }
  }
}
