import type { ResourceId } from '../../firefly/address.js';
import type { Relation, Trust } from './trust.js';
import { TRUST_RESOURCE } from './trustPolicy.js';

/**
 * Whose traffic a node of a user carries between other nodes (issue 12, point 3):
 * - `own`: only traffic between its user's own devices;
 * - `friends`: also traffic between any two of its user's and its friends' devices.
 */
export type TransitMode = 'own' | 'friends';

/**
 * The router's relay policy of a node with a user ({@link TransitMode}). A node is judged by the
 * certificate this node holds of it: one it has none of counts as a stranger.
 *
 * Casts to a trust endpoint are carried whoever sends them: they hand over certificates and
 * removals, which their receiver verifies by signature, and they are how a relay learns who a
 * node further away is; refusing them until the relay knew both ends would never let it learn.
 */
export function relayPolicy(trust: Trust, mode: TransitMode = 'own'): (src: ResourceId, dst: ResourceId) => boolean {
  const carries = mode === 'friends' ? (relation: Relation) => relation !== 'stranger' : (relation: Relation) => relation === 'own' || relation === 'self';
  return (src, dst) => dst.local === TRUST_RESOURCE || (carries(trust.relation(src.node)) && carries(trust.relation(dst.node)));
}
