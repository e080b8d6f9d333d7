import type { NodeId } from '../firefly/address.js';
import type { Clock, Timer } from '../firefly/clock.js';
import type { Packet } from '../firefly/packet.js';

/** A destination became reachable (it has a selected route) or unreachable (none, after the grace). */
export interface ReachabilityEvent {
  readonly node: NodeId;
  readonly reachable: boolean;
}

interface Lost {
  timer: Timer;
  held: Packet[];
}

/**
 * Which destinations are reachable, and the grace between losing a destination's last route and
 * declaring it unreachable. A retraction is often followed at once by an alternative (a seqno
 * request answered a few round trips later); during the grace, packets for the destination are
 * held (a bounded queue) and sent when a route returns, so that nothing waiting on the node
 * fails for a blip. When the grace ends with no route, `expired` runs once.
 */
export class Reachability {
  private readonly reachable = new Set<NodeId>();
  private readonly lost = new Map<NodeId, Lost>();

  constructor(
    private readonly clock: Clock,
    private readonly grace: number,
    private readonly maxHeld: number,
    private readonly expired: (node: NodeId, held: Packet[]) => void,
    private readonly changed: (event: ReachabilityEvent) => void,
  ) {}

  /** True while `node` has a route or is in its grace. */
  isReachable(node: NodeId): boolean {
    return this.reachable.has(node);
  }

  /** True between losing `node`'s last route and the end of its grace. */
  inGrace(node: NodeId): boolean {
    return this.lost.has(node);
  }

  /** `node` has a route (again); returns the packets held for it, to be sent now. */
  found(node: NodeId): Packet[] {
    const lost = this.lost.get(node);
    if (lost) {
      this.clock.clearTimeout(lost.timer);
      this.lost.delete(node);
      return lost.held;
    }
    if (!this.reachable.has(node)) {
      this.reachable.add(node);
      this.changed({ node, reachable: true });
    }
    return [];
  }

  /** `node` lost its last route: the grace starts (unless it was never reachable). */
  lose(node: NodeId): void {
    if (!this.reachable.has(node) || this.lost.has(node)) return;
    const timer = this.clock.setTimeout(() => {
      const lost = this.lost.get(node);
      this.lost.delete(node);
      this.reachable.delete(node);
      this.expired(node, lost?.held ?? []);
      this.changed({ node, reachable: false });
    }, this.grace);
    this.lost.set(node, { timer, held: [] });
  }

  /** Holds a packet for a destination in its grace; false when it is not in one or its queue is full. */
  hold(node: NodeId, packet: Packet): boolean {
    const lost = this.lost.get(node);
    if (!lost || lost.held.length >= this.maxHeld) return false;
    lost.held.push(packet);
    return true;
  }

  /** Packets held now, over all destinations. */
  get held(): number {
    let count = 0;
    for (const lost of this.lost.values()) count += lost.held.length;
    return count;
  }

  /** Ends every grace at once; returns the nodes that were reachable or in grace, and the held packets. */
  close(): { nodes: NodeId[]; held: Packet[] } {
    const held: Packet[] = [];
    for (const lost of this.lost.values()) {
      this.clock.clearTimeout(lost.timer);
      held.push(...lost.held);
    }
    const nodes = [...this.reachable];
    this.lost.clear();
    this.reachable.clear();
    return { nodes, held };
  }
}
