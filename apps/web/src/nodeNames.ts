/**
 * How the views speak of nodes and resources: by device name (the one in the device's
 * certificate), with ids on demand. Every id a view shows sits in an element of class `node-id`,
 * hidden unless the header's "ids" switch is on (see {@link mountIdsSwitch}).
 */
import type { Mesh } from '../../../src/actors/mesh.js';
import { parseResourceId, type NodeId } from '../../../src/firefly/address.js';
import { h, shortId } from './dom.js';

/**
 * A node as the views name it: `this tab`, a device's name (another user's as `name@handle`, or
 * with the start of the user id: it never passes for one of ours), else the start of its id.
 */
export function nodeLabel(mesh: Mesh, id: NodeId): string {
  if (id === mesh.id) return 'this tab';
  return mesh.node.trust?.deviceLabel(id) ?? shortId(id);
}

/** `glow://NODE/LOCAL` (or `NODE/LOCAL`) as `LOCAL on DEVICE`; anything else as it is. */
export function resourceLabel(mesh: Mesh, id: string): string {
  try {
    const { node, local } = parseResourceId(id.startsWith('glow://') ? id : `glow://${id}`);
    return `${local} on ${nodeLabel(mesh, node)}`;
  } catch {
    return id;
  }
}

/** An id shown on demand: hidden until the ids switch is on. */
export function idTag(id: string): HTMLElement {
  return h('code', { class: 'node-id' }, id);
}

const STORAGE_KEY = 'glow.showIds';

/** Wires the header's "ids" checkbox: it shows every {@link idTag}, and is remembered by the browser. */
export function mountIdsSwitch(checkbox: HTMLInputElement): void {
  const apply = (on: boolean) => {
    checkbox.checked = on;
    document.body.classList.toggle('show-ids', on);
  };
  apply(localStorage.getItem(STORAGE_KEY) === '1');
  checkbox.onchange = () => {
    apply(checkbox.checked);
    localStorage.setItem(STORAGE_KEY, checkbox.checked ? '1' : '0');
  };
}
