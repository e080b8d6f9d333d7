/** What the views ask of the mesh: the nodes this tab can reach, each node's own resource, the resources of one interface. */
import { NodeInterface } from '../../../src/actors/interfaces.js';
import type { Mesh } from '../../../src/actors/mesh.js';
import { DIRECTORY_RESOURCE, DirectoryInterface } from '../../../src/actors/directory.js';
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

/** A resource found by {@link resourcesOf}: its id (`glow://node/local`) and its mesh-wide name, when it has one. */
export interface FoundResource {
  id: string;
  name?: string;
}

/**
 * Every resource of every reachable node that answers `interfaceId`, named ones first (by name),
 * then by id. A node that does not answer in time is left out rather than failing the list: one
 * slow node should not hide the others' resources.
 */
export async function resourcesOf(mesh: Mesh, interfaceId: string): Promise<FoundResource[]> {
  const nodes = reachableNodes(mesh);
  const [lists, directories] = await Promise.all([
    Promise.all(nodes.map((node) => (node === mesh.id ? mesh.node.resources() : nodeRef(mesh, node).call('resources', {}, { timeout: VIEW_TIMEOUT }).catch(() => [])))),
    // Each other node's own replica of the name directory too: the names a node registered are
    // always in its own replica, while the tab's copy of them depends on a sync (a one-way cast)
    // having reached it, which was seen to lag behind the route.
    Promise.all(
      nodes
        .filter((node) => node !== mesh.id)
        .map((node) =>
          mesh.node
            .ref({ node, local: DIRECTORY_RESOURCE }, DirectoryInterface)
            .call('list', {}, { timeout: VIEW_TIMEOUT })
            .catch(() => []),
        ),
    ),
  ]);
  // The tab's replica first: it settled conflicting claims the way the whole mesh does.
  const names = new Map<string, string>();
  for (const entry of [...mesh.node.directory.list(), ...directories.flat()]) if (!names.has(entry.id)) names.set(entry.id, entry.name);
  return lists
    .flat()
    .filter((resource) => resource.interface === interfaceId)
    .map((resource): FoundResource => {
      const name = names.get(resource.id);
      return name === undefined ? { id: resource.id } : { id: resource.id, name };
    })
    .sort((a, b) => ((a.name !== undefined) !== (b.name !== undefined) ? (a.name !== undefined ? -1 : 1) : (a.name ?? a.id).localeCompare(b.name ?? b.id)));
}

/**
 * The names `node`'s replica of the directory knows, by resource id. The daemon's `/fs/<name>/…`
 * resolves names with its own replica, so a URL may use a name only when that replica has it.
 */
export async function namesAt(mesh: Mesh, node: NodeId | undefined): Promise<Map<string, string>> {
  const entries =
    node === undefined || node === mesh.id
      ? mesh.node.directory.list()
      : await mesh.node.ref({ node, local: DIRECTORY_RESOURCE }, DirectoryInterface).call('list', {}, { timeout: VIEW_TIMEOUT }).catch(() => []);
  const names = new Map<string, string>();
  for (const entry of entries) if (!names.has(entry.id)) names.set(entry.id, entry.name);
  return names;
}
