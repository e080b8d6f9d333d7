import { systemClock, type Clock } from '../firefly/clock.js';
import type { ResourceId } from '../firefly/address.js';
import { DEFAULT_LIMITS, type ReceiveLimits } from '../firefly/limits.js';
import { rttLinkCost, type LinkCost } from './metric.js';
import { SEQNO_MODULUS } from './seqno.js';
import type { NodeIdentity } from '../transport/identity.js';
import type { SessionOptions } from './session/options.js';

/** Options of a {@link Router}. Every one has a default; none is needed to start. */
export interface RouterOptions {
  /**
   * Milliseconds between periodic updates to every neighbour (jittered by up to −20 % so that
   * neighbours do not synchronise). Links are reliable and ordered, so a neighbour keeps what it
   * was told: triggered updates carry changes at once, and a periodic update carries this node's
   * own route (which tells the neighbour it is alive) and the small changes that were not worth
   * a triggered update (metric drift, a newer seqno nobody asked for).
   * @default 4000
   */
  updateInterval?: number;
  /**
   * Milliseconds a neighbour's routes live while it sends nothing with its link still open (a
   * closed link retracts its routes at once). Every neighbour speaks at least once per update
   * interval, so several intervals of silence mean it no longer routes.
   * @default 3.5 × updateInterval
   */
  holdTime?: number;
  /**
   * Milliseconds between losing a destination's last feasible route and declaring it unreachable
   * (`nodeUnreachable`, a `down` event). A retraction is often followed by an alternative within
   * a few round trips; packets for the destination are held meanwhile. Small, because callers
   * should learn of a real loss fast.
   * @default 250
   */
  grace?: number;
  /**
   * Packets held per destination during its grace; beyond that they are dropped with an error
   * to their sender, so a burst to a lost node cannot pin unbounded memory.
   * @default 64
   */
  maxHeld?: number;
  /**
   * Cost of a link in metric units (a tenth of a millisecond); clamped to 1…65535.
   * @default rttLinkCost — 1 ms per hop plus the link's RTT (100 ms while unmeasured)
   */
  linkCost?: LinkCost;
  /**
   * Whether this node relays traffic between other nodes. With `false` (browser tabs, phones on
   * battery) it advertises only itself, so no route goes through it, and it drops transit
   * packets (`notransit`); it still uses the mesh for its own traffic.
   * @default true
   */
  transit?: boolean;
  /**
   * Which transit packets this node carries, asked for every packet that arrives on a link for
   * another node, with the packet's source and destination (headers only; bodies stay unread).
   * A refused packet is dropped (`relaydenied`) and, where its sender waits on an answer, answered
   * with `denied`. Route advertisements are not affected: routes still go through this node.
   * A policy that throws refuses.
   * @default undefined (every transit packet is carried while `transit` is on)
   */
  relay?: (src: ResourceId, dst: ResourceId) => boolean;
  /**
   * Most destinations kept in the table, so that neighbours cannot grow it without bound. A new
   * destination is never refused for want of room: when the table is full, the worst one goes
   * (one with no route in use first, else the costliest of those through the neighbour that
   * offers the most routes).
   * @default 4096
   */
  maxDestinations?: number;
  /**
   * Most destinations one neighbour may offer routes to. An update from a neighbour at its cap
   * about a destination it offers no route to yet is refused (counted in `refused.cap`) before
   * its proof is checked, so a neighbour that makes up destinations by the hundred thousand
   * costs a comparison each and holds at most this much of the table.
   * @default half of `maxDestinations` (at least 1)
   */
  maxRoutesPerNeighbour?: number;
  /**
   * Least milliseconds between two seqno requests about one destination (sent or forwarded):
   * a request travels to the destination and its answer back, so repeating it sooner only
   * floods. Starving destinations are asked about again on each periodic update.
   * @default 200
   */
  requestInterval?: number;
  /**
   * Milliseconds a destination with no route is remembered (with its feasibility distance)
   * before it is forgotten: Babel's source GC time. Forgetting sooner would let stale updates
   * still in flight be accepted as feasible.
   * @default 180000
   */
  forgetAfter?: number;
  /**
   * Receive limits for packets from links.
   * @default DEFAULT_LIMITS
   */
  limits?: Partial<ReceiveLimits>;
  /**
   * The node's first seqno. Random by default, so that a restarted node is unlikely to start
   * behind the seqno the mesh remembers; if it does, the first seqno request or stale update
   * about it moves it ahead.
   * @default a random 16-bit number
   */
  seqno?: number;
  /**
   * The clock of every timer and time the router keeps: periodic and triggered updates, hold
   * times, request pacing and the grace before a node is declared unreachable.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Random source for update jitter and the first seqno, so simulations can be seeded.
   * @default Math.random
   */
  random?: () => number;
  /**
   * The node's key pair (its id must be the router's). With it, the router signs its own seqnos
   * and believes a route to D only with D's signature of the route's seqno (updates without one
   * are refused, counted in `refused`), and traffic to nodes beyond a neighbour travels sealed
   * in end-to-end sessions keyed by the two nodes' keys (packets that should be sealed but are
   * not are refused). Without it (tests with made-up ids), routes are believed and packets
   * travel as they come.
   * @default undefined
   */
  identity?: NodeIdentity;
  /**
   * Whether to seal traffic when an identity is given. Off only to measure what sealing costs:
   * a sealing router refuses the clear traffic of one that does not seal.
   * @default true
   */
  seal?: boolean;
  /** Options of the end-to-end sessions. */
  sessions?: SessionOptions;
}

/** Options with every default filled in. */
export type ResolvedRouterOptions = Required<Omit<RouterOptions, 'limits' | 'relay' | 'identity' | 'sessions'>> &
  Pick<RouterOptions, 'relay' | 'identity' | 'sessions'> & { limits: ReceiveLimits };

/** Fills in the defaults of {@link RouterOptions}. */
export function resolveRouterOptions(options: RouterOptions): ResolvedRouterOptions {
  const updateInterval = options.updateInterval ?? 4000;
  const random = options.random ?? Math.random;
  const maxDestinations = options.maxDestinations ?? 4096;
  return {
    updateInterval,
    holdTime: options.holdTime ?? 3.5 * updateInterval,
    grace: options.grace ?? 250,
    maxHeld: options.maxHeld ?? 64,
    linkCost: options.linkCost ?? rttLinkCost,
    transit: options.transit ?? true,
    maxDestinations,
    maxRoutesPerNeighbour: options.maxRoutesPerNeighbour ?? Math.max(1, Math.floor(maxDestinations / 2)),
    requestInterval: options.requestInterval ?? 200,
    forgetAfter: options.forgetAfter ?? 180_000,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    seqno: options.seqno ?? Math.floor(random() * SEQNO_MODULUS) % SEQNO_MODULUS,
    clock: options.clock ?? systemClock,
    random,
    seal: options.seal ?? true,
    ...(options.relay ? { relay: options.relay } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
  };
}
