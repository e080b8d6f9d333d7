/**
 * Why a router dropped a packet. Every drop is counted under exactly one reason.
 * - `badpacket`: the bytes from a link are not a packet (garbage, truncated, bad header).
 * - `unsupported`: a packet of an unknown protocol version or kind.
 * - `forged`: a packet from a link claims to come from this node and be addressed to it, or a
 *   route packet claims a sender other than the link's authenticated neighbour.
 * - `badroute`: a route packet with a malformed body, or one not addressed to this node.
 * - `noroute`: no route to the destination (and none came back within the grace).
 * - `hoplimit`: the packet's hop limit ran out before its destination.
 * - `notransit`: a packet for another node reached a router with transit turned off.
 * - `relaydenied`: the router's relay policy (`RouterOptions.relay`) refused to carry it.
 * - `local`: the local endpoint threw while receiving it (it must not; counted, never rethrown).
 * - `closed`: the router was closed while the packet was held.
 * - `unsealed`: a packet that must travel sealed (it crossed a relay, or is for another node)
 *   arrived in the clear, and is not a router's answer.
 * - `tampered`: a sealed packet or handshake failed authentication (changed on the way, forged).
 * - `replayed`: a sealed packet or first handshake message seen before.
 * - `nosession`: a sealed packet for a session this node does not know (it is told, signed), or
 *   a packet no session could be opened for.
 * - `busy`: a first handshake message beyond the handshakes answered per second.
 */
export type DropReason =
  | 'badpacket'
  | 'unsupported'
  | 'forged'
  | 'badroute'
  | 'noroute'
  | 'hoplimit'
  | 'notransit'
  | 'relaydenied'
  | 'local'
  | 'closed'
  | 'unsealed'
  | 'tampered'
  | 'replayed'
  | 'nosession'
  | 'busy';

/** The drop reasons, for iterating. */
export const DROP_REASONS: readonly DropReason[] = Object.freeze([
  'badpacket',
  'unsupported',
  'forged',
  'badroute',
  'noroute',
  'hoplimit',
  'notransit',
  'relaydenied',
  'local',
  'closed',
  'unsealed',
  'tampered',
  'replayed',
  'nosession',
  'busy',
]);

/**
 * What a router did with packets. They add up: every packet that came in (from a link, from the
 * local node, or made by the router as an error answer) went out exactly one way, or is held:
 * `received + originated + generated = delivered + forwarded + control + Σ dropped + held`.
 */
export interface RouterStats {
  /** Messages that arrived on links, whatever they held. */
  received: number;
  /** Packets the local node sent through the router. */
  originated: number;
  /**
   * Packets the router made: error answers for packets it dropped, session messages
   * (handshakes, probes, resets), and packets sealed again for a peer that lost its session.
   */
  generated: number;
  /** Packets handed to the local node. */
  delivered: number;
  /** Packets sent on a link towards their destination (transit, originated or generated). */
  forwarded: number;
  /** Route packets and session messages consumed by the router itself. */
  control: number;
  /** Drops by reason. */
  readonly dropped: Record<DropReason, number>;
  /** Update entries refused, whatever the reason (see `refused`). */
  refusedRoutes: number;
  /**
   * Packets from a link that name this node as their source but another as destination: ours,
   * coming back after a route changed under them, or forged. Forwarded (or dropped) like any
   * other, so this is not a term of the sum above.
   */
  returned: number;
  /** Update entries refused, by reason. */
  readonly refused: Record<RouteRefusal, number>;
  /** Seqno proofs verified (those not already known good): what believing routes cost. */
  proofsChecked: number;
  /** Destinations dropped from a full table to make room for a new one. */
  evicted: number;
}

/**
 * Why the router refused an entry of a route update (the rest of the packet still counts).
 * - `cap`: the neighbour already offers routes to `maxRoutesPerNeighbour` destinations.
 * - `metric0`: a neighbour claimed metric 0 to a destination other than itself; only the
 *   destination is at distance 0 from itself.
 * - `unsigned`: the router has an identity and the update carries no proof of its seqno.
 * - `badproof`: the proof is not the destination's signature of that seqno, or was left
 *   unchecked because an earlier proof in the same packet was bad (a neighbour that lied once
 *   in a packet gets no more verifications for it).
 */
export type RouteRefusal = 'cap' | 'metric0' | 'unsigned' | 'badproof';

/** The refusal reasons, for iterating. */
export const ROUTE_REFUSALS: readonly RouteRefusal[] = Object.freeze(['cap', 'metric0', 'unsigned', 'badproof']);

/** The counters the routing protocol keeps itself. */
export type ControlStats = Pick<RouterStats, 'refusedRoutes' | 'refused' | 'proofsChecked' | 'evicted'>;

/** Fresh, zeroed stats. */
export function emptyStats(): RouterStats {
  const dropped = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
  const refused = Object.fromEntries(ROUTE_REFUSALS.map((reason) => [reason, 0])) as Record<RouteRefusal, number>;
  return { received: 0, originated: 0, generated: 0, delivered: 0, forwarded: 0, control: 0, dropped, refusedRoutes: 0, returned: 0, refused, proofsChecked: 0, evicted: 0 };
}

/** All drops, whatever the reason. */
export function totalDropped(stats: RouterStats): number {
  return DROP_REASONS.reduce((sum, reason) => sum + stats.dropped[reason], 0);
}
