/**
 * The Resources view: every resource of every reachable node, filterable; selecting one shows
 * its `describe` and a form per method (schemaForm.ts); results render by type, errors with code.
 * A resource goes by its mesh-wide name, else as `LOCAL on DEVICE`; its id shows on demand.
 */
import type { Mesh } from '../../../src/actors/mesh.js';
import type { InterfaceDescription } from '../../../src/firefly/describe.js';
import { errorLine, errorText, h } from './dom.js';
import { nodeRef, reachableNodes, VIEW_TIMEOUT } from './meshQueries.js';
import { idTag, resourceLabel } from './nodeNames.js';
import { renderResult } from './resultView.js';
import { schemaFields } from './schemaForm.js';

interface Listed {
  id: string;
  interface: string;
  /** What the list shows: its name in the directory, else `LOCAL on DEVICE`. */
  label: string;
}

/** Mounts the view into `root`; the list reloads when the view is shown or on "Refresh". */
export function mountResourcesView(root: HTMLElement, mesh: Mesh): { refresh: () => Promise<void> } {
  const filter = h('input', { id: 'resource-filter', type: 'search', placeholder: 'filter by name, device, id or interface', 'aria-label': 'filter resources' });
  const reload = h('button', { type: 'button', id: 'resource-refresh' }, 'Refresh');
  const list = h('ul', { class: 'list', id: 'resource-list', 'aria-label': 'resources' });
  const detail = h('div', { id: 'resource-detail' }, 'Select a resource.');
  root.append(h('div', { class: 'split' }, h('div', {}, h('div', {}, filter, ' ', reload), list), detail));
  let all: Listed[] = [];
  const draw = () => {
    const needle = filter.value.trim().toLowerCase();
    list.replaceChildren(
      ...all
        .filter((r) => !needle || `${r.label} ${r.id} ${r.interface}`.toLowerCase().includes(needle))
        .map((r) => {
          const item = h('li', { tabindex: 0, 'data-id': r.id }, `${r.interface} — ${r.label}`, idTag(r.id));
          item.onclick = () => void select(r.id);
          item.onkeydown = (event) => {
            if (event.key === 'Enter') void select(r.id);
          };
          return item;
        }),
    );
  };
  const refresh = async () => {
    const lists = await Promise.all(
      reachableNodes(mesh).map((node) =>
        node === mesh.id ? mesh.node.resources() : nodeRef(mesh, node).call('resources', {}, { timeout: VIEW_TIMEOUT }).catch(() => []),
      ),
    );
    const names = new Map<string, string>();
    for (const entry of mesh.node.directory.list()) if (!names.has(entry.id)) names.set(entry.id, entry.name);
    all = lists.flat().map((r) => ({ id: r.id, interface: r.interface, label: names.get(r.id) ?? resourceLabel(mesh, r.id) }));
    draw();
  };
  const select = async (id: string) => {
    for (const item of list.children) item.setAttribute('aria-selected', String((item as HTMLElement).dataset.id === id));
    detail.replaceChildren(h('h2', {}, all.find((r) => r.id === id)?.label ?? resourceLabel(mesh, id), idTag(id)));
    const ref = mesh.node.ref(id.startsWith('glow://') ? id : `glow://${id}`);
    let description: InterfaceDescription;
    try {
      description = await ref.describe({ timeout: VIEW_TIMEOUT });
    } catch (error) {
      detail.append(h('p', { class: 'error' }, errorText(error)));
      return;
    }
    detail.append(h('p', {}, description.interface));
    for (const [name, member] of Object.entries(description.members)) {
      if (member.kind !== 'method') continue;
      const { fields, collect } = schemaFields(member.args, `m-${name}`);
      const output = h('div', { class: 'output', 'aria-live': 'polite' });
      const form = h('form', { class: 'method', 'data-method': name }, h('strong', {}, name), member.description ? h('div', {}, member.description) : undefined, ...fields, h('button', { type: 'submit' }, `Call ${name}`), output);
      form.onsubmit = (event) => {
        event.preventDefault();
        output.replaceChildren('…');
        Promise.resolve()
          .then(() => ref.call(name as never, collect() as never, { timeout: 10_000 }))
          .then((value) => output.replaceChildren(renderResult(value)))
          .catch((error: unknown) => output.replaceChildren(errorLine(error)));
      };
      detail.append(form);
    }
  };
  filter.oninput = draw;
  reload.onclick = () => void refresh();
  return { refresh };
}
