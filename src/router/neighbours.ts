import type { NodeId } from '../firefly/address.js';
import type { Clock } from '../firefly/clock.js';
import type { Link, LinkKind } from '../transport/link.js';
import { clampCost, type LinkCost } from './metric.js';

/** A neighbour as {@link Router.neighbours} reports it: its best link. */
export interface NeighbourInfo {
  readonly node: NodeId;
  /** Transport of the best link. */
  readonly kind: LinkKind;
  /** RTT of the best link in ms; undefined until measured. */
  readonly rtt: number | undefined;
  /** Cost of the best link, in metric units. */
  readonly cost: number;
  /** Open links to this neighbour. */
  readonly links: number;
  /** Bytes its links carried from it and to it (their transports' messages). */
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** The links to one neighbour, and the cost route selection uses for it. */
interface Entry {
  readonly links: Link[];
  /** Cost of the cheapest open link when last measured (see {@link Neighbours.refresh}). */
  cost: number | undefined;
  /** A link that carries everything until `until` (see {@link Neighbours.add}), whatever its cost. */
  fresh?: { link: Link; until: number };
}

/**
 * The open links, grouped by neighbour. Several links to one neighbour are allowed (a WebSocket
 * and, later, a direct WebRTC link); the cheapest open one carries both data and updates, and
 * the neighbour is lost only when its last link closes.
 *
 * Route selection reads each neighbour's cost as measured when its links last changed or at the
 * last {@link Neighbours.refresh} (every periodic update), not at every lookup: RTTs drift all the
 * time, and selection runs for every update received.
 */
export class Neighbours {
  private readonly entries = new Map<NodeId, Entry>();

  constructor(
    private readonly linkCost: LinkCost,
    private readonly clock: Clock,
  ) {}

  /**
   * Adds a link; true when it is the first to its neighbour. A link to a neighbour already linked
   * carries everything for `preferFor` ms, whatever the costs: a neighbour that dials again has
   * usually lost the path of its older link (a phone on a new network), which this side learns
   * only when that link fails its heartbeat; what went into it meanwhile would be lost, route
   * updates included. The new link has just proven itself with its handshake.
   */
  add(link: Link, preferFor = 0): boolean {
    const entry = this.entries.get(link.remote);
    if (entry) {
      entry.links.push(link);
      entry.cost = this.measure(entry);
      if (preferFor > 0) entry.fresh = { link, until: this.clock.now() + preferFor };
      return false;
    }
    const fresh: Entry = { links: [link], cost: undefined };
    fresh.cost = this.measure(fresh);
    this.entries.set(link.remote, fresh);
    return true;
  }

  /** Removes a link; true when it was the last to its neighbour. */
  remove(link: Link): boolean {
    const entry = this.entries.get(link.remote);
    const index = entry ? entry.links.indexOf(link) : -1;
    if (!entry || index < 0) return false;
    entry.links.splice(index, 1);
    if (entry.fresh?.link === link) entry.fresh = undefined;
    if (entry.links.length > 0) {
      entry.cost = this.measure(entry);
      return false;
    }
    this.entries.delete(link.remote);
    return true;
  }

  /** True when this very link was added (and has not closed). */
  hasLink(link: Link): boolean {
    return this.entries.get(link.remote)?.links.includes(link) ?? false;
  }

  /** The open links to `node` other than `link`. */
  others(link: Link): Link[] {
    return (this.entries.get(link.remote)?.links ?? []).filter((other) => other !== link && !other.closed);
  }

  /** True when at least one link to `node` is open. */
  has(node: NodeId): boolean {
    return this.entries.has(node);
  }

  /** The neighbours' ids. */
  nodes(): IterableIterator<NodeId> {
    return this.entries.keys();
  }

  /** Every open link, to close them all. */
  allLinks(): Link[] {
    return [...this.entries.values()].flatMap((entry) => entry.links);
  }

  /** The link that carries what goes to `node` now (the cheapest open one); undefined when there is none. */
  link(node: NodeId): Link | undefined {
    const entry = this.entries.get(node);
    if (!entry) return undefined;
    // The common case, one link, costs nothing to choose.
    if (entry.links.length === 1) {
      const only = entry.links[0]!;
      return only.closed ? undefined : only;
    }
    const fresh = entry.fresh;
    if (fresh && !fresh.link.closed && this.clock.now() < fresh.until) return fresh.link;
    entry.fresh = undefined;
    return this.cheapest(entry)?.link;
  }

  /** The cost route selection uses for `node`; undefined when no link to it is open. */
  cost(node: NodeId): number | undefined {
    return this.entries.get(node)?.cost;
  }

  /** Measures every neighbour's cost again; returns the neighbours whose cost changed. */
  refresh(): NodeId[] {
    const changed: NodeId[] = [];
    for (const [node, entry] of this.entries) {
      const cost = this.measure(entry);
      if (cost === entry.cost) continue;
      entry.cost = cost;
      changed.push(node);
    }
    return changed;
  }

  /** One entry per neighbour, describing its best link. */
  info(): NeighbourInfo[] {
    const result: NeighbourInfo[] = [];
    for (const [node, entry] of this.entries) {
      const best = this.cheapest(entry);
      if (!best) continue;
      let bytesIn = 0;
      let bytesOut = 0;
      for (const link of entry.links) {
        bytesIn += link.traffic?.bytesIn ?? 0;
        bytesOut += link.traffic?.bytesOut ?? 0;
      }
      result.push({ node, kind: best.link.kind, rtt: best.link.rtt, cost: best.cost, links: entry.links.length, bytesIn, bytesOut });
    }
    return result;
  }

  private measure(entry: Entry): number | undefined {
    return this.cheapest(entry)?.cost;
  }

  private cheapest(entry: Entry): { link: Link; cost: number } | undefined {
    let best: { link: Link; cost: number } | undefined;
    for (const link of entry.links) {
      if (link.closed) continue;
      const cost = clampCost(this.linkCost(link));
      if (!best || cost < best.cost) best = { link, cost };
    }
    return best;
  }
}
