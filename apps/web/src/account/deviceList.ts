/**
 * The table of the user's devices: name, node id, roles, online, last seen, with this tab and the
 * daemon that served the page marked; Remove asks to confirm in the row before it acts.
 */
import { h } from '../dom.js';
import type { DeviceValue } from './accountApi.js';
import { ago, idCell, when } from './accountFormat.js';

/** What the table needs besides the devices. */
export interface DeviceListOptions {
  /** This tab's node id. */
  tab: string;
  /** Runs the removal once confirmed (the view shows its outcome). */
  remove(device: DeviceValue): void;
}

/** The `<tbody>` rows of `devices`. */
export function deviceRows(devices: readonly DeviceValue[], options: DeviceListOptions): HTMLTableRowElement[] {
  return devices.map((device) => {
    const marks = [device.self ? 'this daemon' : undefined, device.node === options.tab ? 'this tab' : undefined].filter((mark) => mark !== undefined);
    const actions = h('td', {});
    const askRemove = () => {
      const what = device.node === options.tab ? 'Remove this tab? It will be cut off at once.' : `Remove ${device.name}?`;
      const confirm = h('button', { type: 'button', class: 'danger', 'data-confirm-remove': device.node }, 'Remove');
      const cancel = h('button', { type: 'button' }, 'Cancel');
      confirm.onclick = () => options.remove(device);
      cancel.onclick = () => actions.replaceChildren(removeButton());
      actions.replaceChildren(h('span', { role: 'alert' }, what, ' '), confirm, ' ', cancel);
      confirm.focus();
    };
    const removeButton = () => {
      const button = h('button', { type: 'button', 'data-remove': device.node, 'aria-label': `remove ${device.name}` }, 'Remove…');
      button.onclick = askRemove;
      return button;
    };
    actions.append(removeButton());
    return h(
      'tr',
      { 'data-node': device.node, 'data-online': String(device.online), ...(device.self ? { 'data-self': true } : {}), ...(device.node === options.tab ? { 'data-tab': true } : {}) },
      h('td', {}, device.name, ...marks.map((mark) => h('span', { class: 'badge mark' }, mark))),
      h('td', {}, idCell(device.node, 'node id')),
      h('td', {}, device.roles.join(', ')),
      h('td', {}, h('span', { class: 'badge', 'data-online': String(device.online) }, device.online ? 'online' : 'offline')),
      // Online is "seen now"; otherwise, when its certificate last reached the daemon.
      h('td', { title: `certificate last seen ${when(device.lastSeen)}` }, device.self || device.online ? 'now' : ago(device.lastSeen)),
      actions,
    );
  });
}

/** The table's head. */
export function deviceHead(): HTMLTableSectionElement {
  return h('thead', {}, h('tr', {}, ...['Name', 'Node', 'Roles', 'Online', 'Last seen', ''].map((title) => h('th', { scope: 'col' }, title))));
}
