/**
 * The Processes view: spawn any kind a node registered (this tab's own too) on that node, see
 * its supervision trees, and end a process (`terminate`, as `glow kill` does). Nodes go by their
 * device names, processes by kind; ids show on demand.
 */
import type { Mesh } from '../../../src/actors/mesh.js';
import type { ProcessInfo } from '../../../src/actors/interfaces.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { errorText, h } from './dom.js';
import { nodeRef, reachableNodes, VIEW_TIMEOUT } from './meshQueries.js';
import { idTag, nodeLabel } from './nodeNames.js';

/** Mounts the view into `root`. */
export function mountProcessesView(root: HTMLElement, mesh: Mesh): { refresh: () => Promise<void> } {
  const nodeSelect = h('select', { id: 'spawn-node', 'aria-label': 'node' });
  const kindSelect = h('select', { id: 'spawn-kind', 'aria-label': 'kind' });
  const args = h('input', { id: 'spawn-args', type: 'text', value: '{}', 'aria-label': 'arguments (JSON)' });
  const name = h('input', { id: 'spawn-name', type: 'text', placeholder: 'name (optional)', 'aria-label': 'name' });
  const spawn = h('button', { type: 'submit', id: 'spawn' }, 'Spawn');
  const outcome = h('p', { id: 'spawn-result', 'aria-live': 'polite' });
  const tree = h('div', { id: 'process-tree' });
  const form = h('form', {}, h('label', {}, 'Node ', nodeSelect), h('label', {}, 'Kind ', kindSelect), h('label', {}, 'Args ', args), h('label', {}, 'Name ', name), spawn);
  root.append(form, outcome, h('h2', {}, 'Supervision trees'), tree);

  const loadKinds = async () => {
    const node = nodeSelect.value;
    try {
      const kinds = await nodeRef(mesh, node).call('kinds', {}, { timeout: VIEW_TIMEOUT });
      kindSelect.replaceChildren(...kinds.map((kind) => h('option', { value: kind.name, title: kind.description }, kind.name)));
    } catch (error) {
      kindSelect.replaceChildren();
      outcome.textContent = errorText(error);
    }
  };
  const drawTree = (info: ProcessInfo, depth: number): HTMLElement => {
    const kill = h('button', { type: 'button', 'data-kill': info.id }, 'Kill');
    kill.onclick = () =>
      void mesh.node
        .ref(info.id.startsWith('glow://') ? info.id : `glow://${info.id}`)
        .call('terminate', {}, { timeout: VIEW_TIMEOUT })
        .then(() => refresh())
        .catch((error: unknown) => (outcome.textContent = errorText(error)));
    return h('div', { style: `margin-left:${depth}rem`, 'data-process': info.id }, info.kind, idTag(info.id), ' ', kill, ...info.children.map((child) => drawTree(child, depth + 1)));
  };
  const refresh = async () => {
    const nodes = reachableNodes(mesh);
    const chosen = nodeSelect.value || mesh.id;
    nodeSelect.replaceChildren(...nodes.map((id) => h('option', { value: id, selected: id === chosen }, nodeLabel(mesh, id))));
    await loadKinds();
    const sections = await Promise.all(
      nodes.map(async (id: NodeId) => {
        try {
          const processes = await nodeRef(mesh, id).call('processes', {}, { timeout: VIEW_TIMEOUT });
          return h('section', { 'data-node': id }, h('h3', {}, nodeLabel(mesh, id), idTag(id)), ...processes.map((p) => drawTree(p, 0)));
        } catch (error) {
          return h('section', { 'data-node': id }, h('h3', {}, nodeLabel(mesh, id), idTag(id)), h('p', { class: 'error' }, errorText(error)));
        }
      }),
    );
    tree.replaceChildren(...sections);
  };
  nodeSelect.onchange = () => void loadKinds();
  form.onsubmit = (event) => {
    event.preventDefault();
    outcome.textContent = '…';
    Promise.resolve()
      .then(() => JSON.parse(args.value || '{}') as unknown)
      .then(async (parsed) => {
        const node = nodeSelect.value;
        const spawnArgs = { kind: kindSelect.value, args: parsed };
        const { id } = await nodeRef(mesh, node).call('spawn', spawnArgs, { timeout: VIEW_TIMEOUT });
        if (name.value) mesh.node.register(name.value, mesh.node.ref(id.startsWith('glow://') ? id : `glow://${id}`));
        outcome.textContent = `spawned ${id}`;
        outcome.dataset.id = id;
        await refresh();
      })
      .catch((error: unknown) => (outcome.textContent = errorText(error)));
  };
  return { refresh };
}
