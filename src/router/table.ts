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
      if (!destination || !remove(destination, neighbour)) return undefined;
      this.emptied(destination, now);
      return destination;
    }
    if (!destination) {
      if (this.destinations.size >= this.maxDestinations) return 'full';
      destination = { id, routes: [], selected: undefined, fd: undefined, emptySince: undefined, toldMetric: INFINITY };
      this.destinations.set(id, destination);
    }
    const route = routeVia(destination, neighbour);
    if (route) {
      route.seqno = seqno;
      route.advertised = advertised;
      route.hops = hops;
    } else destination.routes = destination.routes.concat([{ neighbour, seqno, advertised, hops }]);
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
      if (!remove(destination, neighbour)) continue;
      this.emptied(destination, now);
      affected.push(destination);
    }
    return affected;
  }

  /** Forgets destinations with no route since before `before` (their feasibility distance too). */
  forget(before: number): void {
    for (const destination of this.empty) {
      if (destination.selected || destination.emptySince === undefined || destination.emptySince >= before) continue;
      this.empty.delete(destination);
      this.destinations.delete(destination.id);
    }
  }

  /** Notes when a destination lost its last route. */
  private emptied(destination: Destination, now: number): void {
    if (destination.routes.length > 0 || destination.emptySince !== undefined) return;
    destination.emptySince = now;
    this.empty.add(destination);
  }

  /**
   * Selects the best feasible route of `destination` by metric (`cost` gives each neighbour's link
   * cost, or undefined when it has no open link); ties keep the current route, then the lowest
   * neighbour id, so that selection does not depend on arrival order. Updates the feasibility
   * distance to cover what will be advertised. Returns the previous selection; the selection
   * object stays the same one when nothing about it changed.
   */
  select(destination: Destination, cost: (neighbour: NodeId) => number | undefined): Selection | undefined {
    const previous = destination.selected;
    const fd = destination.fd;
    let best: Route | undefined;
    let bestMetric = INFINITY;
    for (const route of destination.routes) {
      if (!isFeasible(fd, route.seqno, route.advertised)) continue;
      const linkCost = cost(route.neighbour);
      if (linkCost === undefined) continue;
      const metric = addMetric(route.advertised, linkCost);
      if (metric >= INFINITY) continue;
      if (!best || better(metric, route.neighbour, bestMetric, best.neighbour, previous?.neighbour)) {
        best = route;
        bestMetric = metric;
      }
    }
    if (!best) {
      destination.selected = undefined;
      return previous;
    }
    const hops = best.hops + 1;
    if (!previous || previous.neighbour !== best.neighbour || previous.seqno !== best.seqno || previous.metric !== bestMetric || previous.hops !== hops) {
      destination.selected = { neighbour: best.neighbour, seqno: best.seqno, metric: bestMetric, hops };
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

/** Removes the route through `neighbour`; false when there was none. */
function remove(destination: Destination, neighbour: NodeId): boolean {
  const routes = destination.routes;
  for (let i = 0; i < routes.length; i++) {
    if (routes[i]!.neighbour !== neighbour) continue;
    routes[i] = routes[routes.length - 1]!;
    routes.pop();
    return true;
  }
  return false;
}

function better(metric: number, neighbour: NodeId, bestMetric: number, bestNeighbour: NodeId, current: NodeId | undefined): boolean {
  if (metric !== bestMetric) return metric < bestMetric;
  if (neighbour === current) return true;
  if (bestNeighbour === current) return false;
  return neighbour < bestNeighbour;
}
