import type { ResourceId } from '../../firefly/address.js';
import type { Relation, Trust } from './trust.js';
import { TRUST_RESOURCE } from './trustPolicy.js';

/**
 * Whose traffic a node of a user carries between other nodes (issue 12, point 3):
 * - `own`: traffic of its user — between two of its user's devices, or between one of them and
 *   a friend's device (the user's own conversation with a friend);
 * - `friends`: also traffic between two friends' devices, where its user is neither end.
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
  const mine = (relation: Relation) => relation === 'own' || relation === 'self';
  return (src, dst) => {
    if (dst.local === TRUST_RESOURCE) return true;
    const [from, to] = [trust.relation(src.node), trust.relation(dst.node)];
    if (from === 'stranger' || to === 'stranger') return false;
    return mine(from) || mine(to) || mode === 'friends';
  };
}
