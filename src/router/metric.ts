import type { Link } from '../transport/link.js';

/**
 * Route metrics. A metric is the sum of the costs of the links along a route; a link's cost is
 * derived from its measured round-trip time, so a fast direct link (LAN WebRTC) beats a relay
 * through a slow one, plus a fixed cost per hop, so that of two routes with equal RTT the one with
 * fewer hops wins (each relay adds processing and one more thing that can fail).
 *
 * Unit: one tenth of a millisecond of RTT. Metrics are plain integers on the wire.
 */

/** The metric of a route that does not exist (a retraction). Any sum reaching it is infinite. */
export const INFINITY = 0xffffff;

/** The cost of one hop beyond its RTT: one millisecond's worth, about what a relay adds. */
export const HOP_COST = 10;

/**
 * RTT assumed for a link that has not measured one yet, in ms: pessimistic, so that an
 * unmeasured link does not draw traffic away from measured fast ones, yet still usable.
 */
export const UNMEASURED_RTT = 100;

/**
 * Highest cost of one link: keeps a path of `DEFAULT_HOP_LIMIT` (32) such links finite, so a very slow
 * link is still usable when it is the only one.
 */
export const MAX_LINK_COST = 0xffff;

/** Maps a link to its cost (in metric units, 1…{@link MAX_LINK_COST}). */
export type LinkCost = (link: Link) => number;

/**
 * The default link cost: {@link HOP_COST} plus the RTT in tenths of a millisecond
 * ({@link UNMEASURED_RTT} when the link has not measured one).
 */
export const rttLinkCost: LinkCost = (link) => HOP_COST + Math.round((link.rtt ?? UNMEASURED_RTT) * 10);

/**
 * Clamps a cost from a (possibly user-supplied) cost function into 1…{@link MAX_LINK_COST}. A
 * cost of at least 1 is what makes the feasibility condition work: a route's metric must be
 * strictly larger than the metric its next hop advertised.
 */
export function clampCost(cost: number): number {
  if (!Number.isFinite(cost)) return MAX_LINK_COST;
  return Math.min(MAX_LINK_COST, Math.max(1, Math.round(cost)));
}

/** `a + b`, saturating at {@link INFINITY}. */
export function addMetric(a: number, b: number): number {
  return Math.min(INFINITY, a + b);
}

/** True when a metric is worth telling neighbours about at once rather than at the next periodic update. */
export function significantChange(before: number, after: number): boolean {
  if (before === after) return false;
  if (before >= INFINITY || after >= INFINITY) return true;
  // Small RTT jitter waits for the periodic update; a change of more than 1/8 travels at once.
  return Math.abs(after - before) * 8 > before;
}
