import { NodeInterface } from '../actors/interfaces.js';
import type { Node } from '../actors/node.js';
import type { ResourceRef } from '../actors/ref.js';
import { NODE_RESOURCE, type NodeId, type ResourceId } from '../firefly/address.js';
import { GlowError, isGlowError } from '../firefly/errors.js';
import type { ChildSpec, KindStart } from './childSpec.js';

/** How long a remote `spawn` may take before the next candidate is tried. */
const REMOTE_SPAWN_TIMEOUT = 5000;

/** The nodes a child may run on, in order of preference. */
export function candidatesOf(spec: ChildSpec, local: NodeId): NodeId[] {
  if (spec.where === undefined) return [local];
  return typeof spec.where === 'string' ? [spec.where] : spec.where;
}

/**
 * Starts a `{ kind, args }` child on the first candidate node that can be reached. A local
 * child is owned by the supervisor (it shows in its tree); a remote one is started through the
 * remote node's `glow.Node/1 spawn` and linked by the supervisor like any other child.
 * Unreachable candidates (`noconnection`, `timeout`) are skipped; any other failure is the
 * child's own and ends the attempt.
 */
export async function spawnOnCandidates(node: Node, start: KindStart, candidates: NodeId[], supervisor: ResourceId): Promise<ResourceRef> {
  let lastError: GlowError | undefined;
  for (const candidate of candidates) {
    try {
      if (candidate === node.id) return await node.spawn(start.kind, start.args, { owner: supervisor });
      const remote = node.ref({ node: candidate, local: NODE_RESOURCE }, NodeInterface);
      const { id } = await remote.call('spawn', { kind: start.kind, args: start.args }, { timeout: REMOTE_SPAWN_TIMEOUT });
      return node.ref(id);
    } catch (error) {
      if (!isGlowError(error) || (error.code !== 'noconnection' && error.code !== 'timeout')) throw error;
      lastError = error;
    }
  }
  throw new GlowError('noconnection', `no candidate node could start ${start.kind}: ${candidates.join(', ')}`, {
    candidates,
    last: lastError?.message,
  });
}
