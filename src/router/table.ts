import type { NodeId } from '../firefly/address.js';
import { addMetric, INFINITY } from './metric.js';
import { seqnoNewer } from './seqno.js';

/** What one neighbour told us about one destination. */
export interface Route {
  readonly neighbour: NodeId;
  seqno: number;
  /** The metric the neighbour advertised (its own distance), before our link's cost. */
  advertised: number;
  /** The neighbour's hop count to the destination. */
  hops: number;
  /** Clock time of the last update that confirmed this route, for the hold time. */
  refreshed: number;
}

/** The route in use for a destination. */
export interface Selection {
  readonly neighbour: NodeId;
  readonly seqno: number;
  /** Our metric: the advertised metric plus the cost of the link to `neighbour`. */
  readonly metric: number;
  /** Our hop count (the neighbour's plus one). */
  readonly hops: number;
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
  /** Routes by neighbour, retractions removed. */
  readonly routes: Map<NodeId, Route>;
  selected?: Selection;
  fd?: Feasibility;
  /** Clock time since which it has had no route at all, for forgetting it. */
  emptySince?: number;
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

  constructor(
    /** At most this many destinations are kept; updates for more are refused. */
    private readonly maxDestinations: number,
    /** Routes longer than this many hops could not carry a packet, so they count as retractions. */
    private readonly hopLimit: number,
  ) {}

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
   * Stores what `neighbour` advertised for `destination`. Returns the destination; undefined when
   * the update retracted nothing; `'full'` when it names a new destination and the table is full.
   */
  update(id: NodeId, neighbour: NodeId, seqno: number, advertised: number, hops: number, now: number): Destination | 'full' | undefined {
    const retraction = advertised >= INFINITY || hops + 1 > this.hopLimit;
    let destination = this.destinations.get(id);
    if (retraction) {
      if (!destination?.routes.delete(neighbour)) return undefined;
      if (destination.routes.size === 0) destination.emptySince = now;
      return destination;
    }
    if (!destination) {
      if (this.destinations.size >= this.maxDestinations) return 'full';
      destination = { id, routes: new Map() };
      this.destinations.set(id, destination);
    }
    const route = destination.routes.get(neighbour);
    if (route) Object.assign(route, { seqno, advertised, hops, refreshed: now });
    else destination.routes.set(neighbour, { neighbour, seqno, advertised, hops, refreshed: now });
    destination.emptySince = undefined;
    return destination;
  }

  /** Removes every route through `neighbour` (its last link closed); returns the destinations that had one. */
  dropNeighbour(neighbour: NodeId, now: number): Destination[] {
    const affected: Destination[] = [];
    for (const destination of this.destinations.values()) {
      if (!destination.routes.delete(neighbour)) continue;
      if (destination.routes.size === 0) destination.emptySince = now;
      affected.push(destination);
    }
    return affected;
  }

  /** Removes routes not refreshed since `before`; returns the destinations that lost one. */
  expire(before: number, now: number): Destination[] {
    const affected: Destination[] = [];
    for (const destination of this.destinations.values()) {
      let lost = false;
      for (const [neighbour, route] of destination.routes) {
        if (route.refreshed >= before) continue;
        destination.routes.delete(neighbour);
        lost = true;
      }
      if (!lost) continue;
      if (destination.routes.size === 0) destination.emptySince = now;
      affected.push(destination);
    }
    return affected;
  }

  /** Forgets destinations with no route since before `before` (their feasibility distance too). */
  forget(before: number): void {
    for (const [id, destination] of this.destinations) {
      if (destination.routes.size === 0 && !destination.selected && destination.emptySince !== undefined && destination.emptySince < before) {
        this.destinations.delete(id);
      }
    }
  }

  /**
   * Selects the best feasible route of `destination` by metric (`cost` gives each neighbour's link
   * cost, or undefined when it has no open link); ties keep the current route, then the lowest
   * neighbour id, so that selection does not depend on arrival order. Updates the feasibility
   * distance to cover what will be advertised. Returns the previous selection.
   */
  select(destination: Destination, cost: (neighbour: NodeId) => number | undefined): Selection | undefined {
    const previous = destination.selected;
    let best: Selection | undefined;
    for (const route of destination.routes.values()) {
      if (!isFeasible(destination.fd, route.seqno, route.advertised)) continue;
      const linkCost = cost(route.neighbour);
      if (linkCost === undefined) continue;
      const metric = addMetric(route.advertised, linkCost);
      if (metric >= INFINITY) continue;
      const candidate: Selection = { neighbour: route.neighbour, seqno: route.seqno, metric, hops: route.hops + 1 };
      if (!best || better(candidate, best, previous?.neighbour)) best = candidate;
    }
    destination.selected = best;
    if (best) {
      const fd = destination.fd;
      // The feasibility distance only ever improves for one seqno; a newer seqno resets it.
      if (!fd || seqnoNewer(best.seqno, fd.seqno) || (best.seqno === fd.seqno && best.metric < fd.metric)) {
        destination.fd = { seqno: best.seqno, metric: best.metric };
      }
    }
    return previous;
  }

  /** The route with the smallest advertised metric, feasible or not, not through `except`: where a seqno request may find help. */
  bestOther(destination: Destination, except: NodeId): Route | undefined {
    let best: Route | undefined;
    for (const route of destination.routes.values()) {
      if (route.neighbour === except) continue;
      if (!best || route.advertised < best.advertised || (route.advertised === best.advertised && route.neighbour < best.neighbour)) best = route;
    }
    return best;
  }
}

function better(a: Selection, b: Selection, current: NodeId | undefined): boolean {
  if (a.metric !== b.metric) return a.metric < b.metric;
  if (a.neighbour === current) return true;
  if (b.neighbour === current) return false;
  return a.neighbour < b.neighbour;
}
