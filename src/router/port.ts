import type { NodeId } from '../firefly/address.js';
import type { Packet } from '../firefly/packet.js';

/**
 * The seam between a node's actor system and the network: packets for other nodes leave
 * through `send`. The router implements it; tests may wire two nodes' ports together directly.
 */
export interface PacketPort {
  send(packet: Packet): void;
}

/** What the router needs from the local node: where packets for it go, and who to tell when a node is lost. */
export interface LocalEndpoint {
  readonly id: NodeId;
  /** A packet (or its bytes) addressed to this node. */
  receive(packet: Packet | Uint8Array): void;
  /** No feasible route to `node` is left: fail what waits on it (`noconnection`). */
  nodeUnreachable(node: NodeId): void;
}
