import type { Node } from '../../src/actors/node.js';
import type { ResourceRef } from '../../src/actors/ref.js';
import { parseResourceId, type NodeId } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import { publicKeyOf } from '../../src/transport/identity.js';

/**
 * A ref from what a person types (REF): a registered name (`alice/photos`, `glow://alice/photos`),
 * a resource id (`glow://<node>/<id>` or `<node>/<id>`), or the bare local id of a resource of
 * this daemon. Text whose first segment is a node id is always an id (names may never read that
 * way: the directory refuses them); other text is a name first. A bare name is this user's own
 * (`docs` is `alice/docs` on alice's devices).
 * Text that is neither a name nor a possible id is `noproc` (nothing has that name); malformed
 * text is `badarg`.
 */
export function resolveRef(node: Node, text: unknown): ResourceRef<any> {
  if (typeof text !== 'string' || text.length === 0 || text.length > 512) {
    throw new GlowError('badarg', 'a ref is a resource id, a glow:// URI or a registered name (1–512 characters)');
  }
  const bare = text.startsWith('glow://') ? text.slice('glow://'.length) : text;
  if (node.whereis(bare)) return node.named(bare);
  if (!bare.includes('/')) {
    if (node.isAlive({ node: node.id, local: bare })) return node.ref({ node: node.id, local: bare });
    throw new GlowError('noproc', `no resource is named ${JSON.stringify(bare.slice(0, 200))}`);
  }
  let id;
  try {
    id = parseResourceId(`glow://${bare}`);
  } catch {
    throw new GlowError('noproc', `no resource is named ${JSON.stringify(bare.slice(0, 200))}`);
  }
  // Node ids are public keys: anything else before the slash can only have been meant as a name.
  if (id.node !== node.id && !publicKeyOf(id.node)) throw new GlowError('noproc', `no resource is named ${JSON.stringify(bare.slice(0, 200))}`);
  return node.ref(id);
}

/**
 * The node a person means (`--on NODE`, `ls NODE`, `tree NODE`): a node id, or the name of one of
 * this user's devices. `badarg` for anything else, and for a name two devices share.
 */
export function checkNodeId(node: Node, text: unknown): NodeId {
  if (typeof text === 'string' && (text === node.id || publicKeyOf(text))) return text;
  const shown = JSON.stringify(String(text).slice(0, 100));
  const named = typeof text === 'string' ? (node.trust?.ownDevices() ?? []).filter((device) => device.name === text) : [];
  if (named.length === 1) return named[0]!.node;
  if (named.length > 1) throw new GlowError('badarg', `${named.length} devices are named ${shown}: give a node id (${named.map((device) => device.node).join(', ')})`);
  throw new GlowError('badarg', `not a node id nor the name of one of this user's devices: ${shown}`);
}
