/**
 * How this node reaches its user's other devices: over a link of its own (direct), or through
 * the mesh (relayed, via a next hop). `glow peers` and the web app's Mesh view both show it, so
 * that a user can tell a device that is merely reachable from one that is linked.
 */
import type { NodeId } from '../firefly/address.js';
import type { Router } from '../router/router.js';
import type { Trust } from './trust/trust.js';

/** A device of this node's user that the mesh reaches through another node. */
export interface RelayedDevice {
  readonly node: NodeId;
  /** The neighbour its route goes through. */
  readonly via: NodeId;
}

/**
 * This user's devices (never this node) that have a route but no link, each with its route's
 * next hop, sorted by node id. Friends' and strangers' nodes are left out: what is asked is how
 * the user's own devices hang together; every other destination is in the routing table.
 */
export function relayedOwnDevices(router: Pick<Router, 'id' | 'routes' | 'neighbours'>, trust: Pick<Trust, 'user' | 'deviceOf'>): RelayedDevice[] {
  const linked = new Set(router.neighbours().map((neighbour) => neighbour.node));
  return (
    router
      .routes()
      // A route whose next hop is the destination itself without a link is one that just lost
      // its link: nothing relays it.
      .filter((route) => route.destination !== router.id && !linked.has(route.destination) && route.nextHop !== route.destination)
      .filter((route) => trust.deviceOf(route.destination)?.user === trust.user)
      .map((route): RelayedDevice => ({ node: route.destination, via: route.nextHop }))
      .sort((a, b) => a.node.localeCompare(b.node))
  );
}
