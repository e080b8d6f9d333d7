/** What the views ask of the mesh: the nodes this tab can reach and each node's own resource. */
import { NodeInterface } from '../../../src/actors/interfaces.js';
import type { Mesh } from '../../../src/actors/mesh.js';
import type { ResourceRef } from '../../../src/actors/ref.js';
import { NODE_RESOURCE, type NodeId } from '../../../src/firefly/address.js';

/** How long a view waits for another node's answer before showing the error, ms. */
export const VIEW_TIMEOUT = 3000;

/** This node first, then every destination with a route. */
export function reachableNodes(mesh: Mesh): NodeId[] {
  return [mesh.id, ...mesh.router.routes().map((route) => route.destination).filter((id) => id !== mesh.id)];
}

/** `glow.Node/1` of `node`. */
export function nodeRef(mesh: Mesh, node: NodeId): ResourceRef<typeof NodeInterface> {
  return mesh.node.ref({ node, local: NODE_RESOURCE }, NodeInterface);
}
