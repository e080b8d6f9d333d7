import type { NodeId } from '../firefly/address.js';
import { addMetric, INFINITY } from './metric.js';
import { seqnoNewer } from './seqno.js';
import { sameBytes } from './seqnoProof.js';

/** What one neighbour told us about one destination. */
export interface Route {
  readonly neighbour: NodeId;
  seqno: number;
  /** The metric the neighbour advertised (its own distance), before our link's cost. */
  advertised: number;
  /** The neighbour's hop count to the destination. */
  hops: number;
  /** The destination's signature of `seqno`, passed on to whoever this route is advertised to. */
  proof: Uint8Array | undefined;
  /**
   * Whether the route may be selected as far as its proof goes: the proof was checked, or the
   * router checks none. A route that was not feasible when it came is kept unchecked (it can
   * only serve as a hint of where a seqno request may find help) and never selected.
   */
  proven: boolean;
}

/** The route in use for a destination. */
export interface Selection {
  readonly neighbour: NodeId;
  readonly seqno: number;
  /** Our metric: the advertised metric plus the cost of the link to `neighbour`. */
  readonly metric: number;
  /** Our hop count (the neighbour's plus one). */
  readonly hops: number;
  /** The destination's signature of `seqno`, from the route. */
  readonly proof: Uint8Array | undefined;
}

/**
 * The feasibility distance of a destination: the best (seqno, metric) we have advertised
 * for it. Babel's loop-freedom rests on it (RFC 8966 §3.5.1).
 */
export interface Feasibility {
  seqno: number;
  metric: number;
}

/** Everything known about one destination. */
export interface Destination {
  readonly id: NodeId;
  /**
   * Routes, one per neighbour that offers one: a handful, so an array beats a map. Replaced by a
   * copy one longer when a route is added (`concat` makes it exactly that long, where `push` or a
   * spread leave room for 17 — and a router keeps one per destination).
   */
  routes: Route[];
  selected: Selection | undefined;
  fd: Feasibility | undefined;
  /** Clock time since which it has had no route at all, for forgetting it. */
  emptySince: number | undefined;
  /** The metric every neighbour was last told (INFINITY: retracted, or never told). */
  toldMetric: number;
}

/** The route `neighbour` offers for `destination`, if any. */
export function routeVia(destination: Destination, neighbour: NodeId): Route | undefined {
  for (const route of destination.routes) if (route.neighbour === neighbour) return route;
  return undefined;
}

/**
 * The feasibility condition: an update is feasible — cannot come from a node that routes through
 * us — when it is newer than our feasibility distance, or as new and strictly shorter. A route
 * that is not feasible is kept (it becomes feasible when the destination raises its seqno) but
 * never selected.
 */
export function isFeasible(fd: Feasibility | undefined, seqno: number, advertised: number): boolean {
  if (advertised >= INFINITY) return true;
  if (!fd) return true;
  return seqnoNewer(seqno, fd.seqno) || (seqno === fd.seqno && advertised < fd.metric);
}

/**
 * The routing table: routes per destination and neighbour, selection among feasible routes, and
 * feasibility distances. Pure bookkeeping — no timers, no I/O — so the rules are testable alone.
 */
export class RouteTable {
  private readonly destinations = new Map<NodeId, Destination>();
  /** Destinations with no route at all: the only ones {@link RouteTable.forget} need look at. */
  private readonly empty = new Set<Destination>();
  /** How many routes each neighbour offers, for its cap and for choosing what to evict. */
  private readonly offers = new Map<NodeId, number>();

  constructor(
    /** At most this many destinations are kept; a new one beyond that evicts the worst. */
    private readonly maxDestinations: number,
    /** Routes longer than this many hops could not carry a packet, so they count as retractions. */
    private readonly hopLimit: number,
    /** Told of each destination evicted, with its selection as it was, before the new one is stored. */
    private readonly evicted: (destination: Destination) => void = () => {},
  ) {}

  /** How many destinations `neighbour` offers a route to. */
  offered(neighbour: NodeId): number {
    return this.offers.get(neighbour) ?? 0;
  }

  /** Destinations known, with or without a route. */
  get size(): number {
    return this.destinations.size;
  }

  /** What is known about one destination. */
  get(id: NodeId): Destination | undefined {
    return this.destinations.get(id);
  }

  /** Every known destination. */
  all(): IterableIterator<Destination> {
    return this.destinations.values();
  }

  /**
   * Stores what `neighbour` advertised for `destination`, with the seqno's proof and whether the
   * route may be selected as far as the proof goes (see {@link Route.proven}). A new destination
   * in a full table first evicts the worst one (see {@link RouteTable.evict}). Returns the
   * destination; undefined when the update retracted nothing.
   */
  update(id: NodeId, neighbour: NodeId, seqno: number, advertised: number, hops: number, now: number, proof?: Uint8Array, proven = true): Destination | undefined {
    const retraction = advertised >= INFINITY || hops + 1 > this.hopLimit;
    let destination = this.destinations.get(id);
    if (retraction) {
      if (!destination || !this.remove(destination, neighbour)) return undefined;
      this.emptied(destination, now);
      return destination;
    }
    if (!destination) {
      if (this.destinations.size >= this.maxDestinations) this.evict();
      destination = { id, routes: [], selected: undefined, fd: undefined, emptySince: undefined, toldMetric: INFINITY };
      this.destinations.set(id, destination);
    }
    const route = routeVia(destination, neighbour);
    if (route) {
      route.seqno = seqno;
      route.advertised = advertised;
      route.hops = hops;
      // The same bytes keep the same array, so that a selection compares proofs by identity.
      if (!proof || !route.proof || !sameBytes(proof, route.proof)) route.proof = proof;
      route.proven = proven;
    } else {
      destination.routes = destination.routes.concat([{ neighbour, seqno, advertised, hops, proof, proven }]);
      this.offers.set(neighbour, this.offered(neighbour) + 1);
    }
    if (destination.emptySince !== undefined) {
      destination.emptySince = undefined;
      this.empty.delete(destination);
    }
    return destination;
  }

  /** Removes every route through `neighbour` (its last link closed); returns the destinations that had one. */
  dropNeighbour(neighbour: NodeId, now: number): Destination[] {
    const affected: Destination[] = [];
    for (const destination of this.destinations.values()) {
      if (!this.remove(destination, neighbour)) continue;
      this.emptied(destination, now);
      affected.push(destination);
    }
    return affected;
  }

  /**
   * Drops the destination least worth keeping, to make room: one with no route at all, else one
   * with no route in use, else — among the routes in use through the neighbour that offers the
   * most, which is where a neighbour making up destinations ends up — the costliest (never a
   * neighbour itself, while anything else is left). A neighbour at its cap therefore loses its
   * own destinations first, and destinations that other neighbours bring stay.
   */
  evict(): void {
    let victim: Destination | undefined;
    for (const destination of this.empty) {
      if (destination.selected) continue;
      victim = destination;
      break;
    }
    if (!victim) {
      let heaviest: NodeId | undefined;
      let most = 0;
      for (const [neighbour, count] of this.offers) {
        if (count > most) {
          heaviest = neighbour;
          most = count;
        }
      }
      let worst = -1;
      for (const destination of this.destinations.values()) {
        const selected = destination.selected;
        if (!selected) {
          victim = destination;
          break;
        }
        if (selected.neighbour === destination.id) continue;
        // Through the heaviest neighbour beats anything else; then the higher metric.
        const score = (selected.neighbour === heaviest ? INFINITY : 0) + selected.metric;
        if (score > worst) {
          victim = destination;
          worst = score;
        }
      }
      victim ??= this.destinations.values().next().value;
    }
    if (!victim) return;
    this.destinations.delete(victim.id);
    this.empty.delete(victim);
    for (const route of victim.routes) this.unoffer(route.neighbour);
    this.evicted(victim);
  }

  /** Forgets destinations with no route since before `before` (their feasibility distance too). */
  forget(before: number): void {
    for (const destination of this.empty) {
      if (destination.selected || destination.emptySince === undefined || destination.emptySince >= before) continue;
      this.empty.delete(destination);
      this.destinations.delete(destination.id);
    }
  }

  /** Removes the route through `neighbour`; false when there was none. */
  private remove(destination: Destination, neighbour: NodeId): boolean {
    const routes = destination.routes;
    for (let i = 0; i < routes.length; i++) {
      if (routes[i]!.neighbour !== neighbour) continue;
      routes[i] = routes[routes.length - 1]!;
      routes.pop();
      this.unoffer(neighbour);
      return true;
    }
    return false;
  }

  /** Counts one route less through `neighbour`. */
  private unoffer(neighbour: NodeId): void {
    const left = this.offered(neighbour) - 1;
    if (left > 0) this.offers.set(neighbour, left);
    else this.offers.delete(neighbour);
  }

  /** Notes when a destination lost its last route. */
  private emptied(destination: Destination, now: number): void {
    if (destination.routes.length > 0 || destination.emptySince !== undefined) return;
    destination.emptySince = now;
    this.empty.add(destination);
  }

  /**
   * Selects the best feasible, proven route of `destination` by metric (`cost` gives each
   * neighbour's link cost, or undefined when it has no open link); ties keep the current route,
   * then the lowest neighbour id, so that selection does not depend on arrival order. The route
   * through `avoid` is taken only when there is no other. Updates the feasibility distance to
   * cover what will be advertised. Returns the previous selection; the selection object stays
   * the same one when nothing about it changed.
   */
  select(destination: Destination, cost: (neighbour: NodeId) => number | undefined, avoid?: NodeId): Selection | undefined {
    const previous = destination.selected;
    const fd = destination.fd;
    let best: Route | undefined;
    let bestMetric = INFINITY;
    let fallback: Route | undefined;
    let fallbackMetric = INFINITY;
    for (const route of destination.routes) {
      if (!route.proven || !isFeasible(fd, route.seqno, route.advertised)) continue;
      const linkCost = cost(route.neighbour);
      if (linkCost === undefined) continue;
      const metric = addMetric(route.advertised, linkCost);
      if (metric >= INFINITY) continue;
      if (route.neighbour === avoid) {
        fallback = route;
        fallbackMetric = metric;
      } else if (!best || better(metric, route.neighbour, bestMetric, best.neighbour, previous?.neighbour)) {
        best = route;
        bestMetric = metric;
      }
    }
    if (!best && fallback) {
      best = fallback;
      bestMetric = fallbackMetric;
    }
    if (!best) {
      destination.selected = undefined;
      return previous;
    }
    const hops = best.hops + 1;
    if (
      !previous ||
      previous.neighbour !== best.neighbour ||
      previous.seqno !== best.seqno ||
      previous.metric !== bestMetric ||
      previous.hops !== hops ||
      previous.proof !== best.proof
    ) {
      destination.selected = { neighbour: best.neighbour, seqno: best.seqno, metric: bestMetric, hops, proof: best.proof };
    }
    // The feasibility distance only ever improves for one seqno; a newer seqno resets it.
    if (!fd) destination.fd = { seqno: best.seqno, metric: bestMetric };
    else if (seqnoNewer(best.seqno, fd.seqno) || (best.seqno === fd.seqno && bestMetric < fd.metric)) {
      fd.seqno = best.seqno;
      fd.metric = bestMetric;
    }
    return previous;
  }

  /** The route with the smallest advertised metric, feasible or not, not through `except`: where a seqno request may find help. */
  bestOther(destination: Destination, except: NodeId): Route | undefined {
    let best: Route | undefined;
    for (const route of destination.routes) {
      if (route.neighbour === except) continue;
      if (!best || route.advertised < best.advertised || (route.advertised === best.advertised && route.neighbour < best.neighbour)) best = route;
    }
    return best;
  }
}


function better(metric: number, neighbour: NodeId, bestMetric: number, bestNeighbour: NodeId, current: NodeId | undefined): boolean {
  if (metric !== bestMetric) return metric < bestMetric;
  if (neighbour === current) return true;
  if (bestNeighbour === current) return false;
  return neighbour < bestNeighbour;
}
