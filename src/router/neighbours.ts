import type { NodeId } from '../firefly/address.js';
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
}

/**
 * The open links, grouped by neighbour. Several links to one neighbour are allowed (a WebSocket
 * and, later, a direct WebRTC link); the cheapest open one carries both data and updates, and
 * the neighbour is lost only when its last link closes.
 */
export class Neighbours {
  private readonly links = new Map<NodeId, Set<Link>>();

  constructor(private readonly linkCost: LinkCost) {}

  /** Adds a link; true when it is the first to its neighbour. */
  add(link: Link): boolean {
    const set = this.links.get(link.remote);
    if (set) {
      set.add(link);
      return false;
    }
    this.links.set(link.remote, new Set([link]));
    return true;
  }

  /** Removes a link; true when it was the last to its neighbour. */
  remove(link: Link): boolean {
    const set = this.links.get(link.remote);
    if (!set?.delete(link)) return false;
    if (set.size > 0) return false;
    this.links.delete(link.remote);
    return true;
  }

  /** True when this very link was added (and has not closed). */
  hasLink(link: Link): boolean {
    return this.links.get(link.remote)?.has(link) ?? false;
  }

  /** True when at least one link to `node` is open. */
  has(node: NodeId): boolean {
    return this.links.has(node);
  }

  /** The neighbours' ids. */
  nodes(): IterableIterator<NodeId> {
    return this.links.keys();
  }

  /** Every open link, to close them all. */
  allLinks(): Link[] {
    return [...this.links.values()].flatMap((set) => [...set]);
  }

  /** The cheapest open link to `node`, with its cost; undefined when there is none. */
  best(node: NodeId): { link: Link; cost: number } | undefined {
    const set = this.links.get(node);
    if (!set) return undefined;
    let best: { link: Link; cost: number } | undefined;
    for (const link of set) {
      if (link.closed) continue;
      const cost = clampCost(this.linkCost(link));
      if (!best || cost < best.cost) best = { link, cost };
    }
    return best;
  }

  /** The cost of reaching `node` directly; undefined when no link to it is open. */
  cost(node: NodeId): number | undefined {
    return this.best(node)?.cost;
  }

  /** One entry per neighbour, describing its best link. */
  info(): NeighbourInfo[] {
    const result: NeighbourInfo[] = [];
    for (const [node, set] of this.links) {
      const best = this.best(node);
      if (best) result.push({ node, kind: best.link.kind, rtt: best.link.rtt, cost: best.cost, links: set.size });
    }
    return result;
  }
}
