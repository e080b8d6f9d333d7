/**
 * The Devices view: this user's devices as the page's daemon knows them (`devices`), Remove with
 * a confirm step (`removeDevice`: the daemon refuses what it must, e.g. on a member device, and
 * the view shows its error), and "Add a device" (inviteForm.ts).
 */
import { errorLine, h, markRefreshed } from '../dom.js';
import { accountOp, type DeviceValue } from './accountApi.js';
import { deviceHead, deviceRows } from './deviceList.js';
import { inviteForm } from './inviteForm.js';

/** Mounts the view into `root`; `tab` is this tab's node id. */
export function mountDevicesView(root: HTMLElement, tab: string): { refresh: () => Promise<void> } {
  const body = h('tbody', {});
  const table = h('table', { id: 'devices-list', class: 'entries' }, deviceHead(), body);
  const outcome = h('div', { id: 'devices-result', 'aria-live': 'polite' });
  root.append(
    h('h2', {}, 'Your devices'),
    h('div', { class: 'scroll-x' }, table),
    outcome,
    h('h2', {}, 'Add a device'),
    h('p', { class: 'muted' }, 'An invitation works once: a code to type on the new device, or a link to open there.'),
    inviteForm(),
  );

  const remove = (device: DeviceValue) => {
    outcome.replaceChildren(h('p', { class: 'muted' }, `removing ${device.name}…`));
    accountOp('removeDevice', { device: device.node })
      .then((removed) => outcome.replaceChildren(h('p', { 'data-removed': removed.node }, `removed ${removed.name}: its links are cut and every node that hears of it refuses it`)))
      .catch((error: unknown) => outcome.replaceChildren(errorLine(error)))
      .finally(() => void refresh());
  };
  const refresh = async () => {
    try {
      const devices = await accountOp('devices', {});
      body.replaceChildren(...deviceRows(devices, { tab, remove }));
    } catch (error) {
      body.replaceChildren(h('tr', {}, h('td', { colspan: 6 }, errorLine(error))));
    }
    markRefreshed(table);
  };
  return { refresh };
}
