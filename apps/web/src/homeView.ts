/**
 * The Home view, where the web app opens: this user's devices (name, online, last seen), the
 * folders (the daemon's exports and the synced folders) and the jobs running, in the words a
 * person uses; the developer views (Resources, Processes, Channels, Mesh) are the other tabs.
 * Each part asks on its own and says its own failure: one slow answer hides nothing else.
 */
import type { Mesh } from '../../../src/actors/mesh.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { JobsInterface } from '../../../src/resources/jobs/interfaces.js';
import { SyncServiceInterface } from '../../../src/resources/sync/syncService.js';
import { accountOp } from './account/accountApi.js';
import { ago } from './account/accountFormat.js';
import { errorText, h, markRefreshed } from './dom.js';
import { nodeOf } from './jobs/jobFormat.js';
import { resourcesOf, VIEW_TIMEOUT } from './meshQueries.js';
import { serviceName } from './sync/syncApi.js';

/** Mounts the view into `root`; `open(view)` shows another tab (a section's link). */
export function mountHomeView(root: HTMLElement, mesh: Mesh, daemon: () => NodeId | undefined, open: (view: string) => void): { refresh: () => Promise<void> } {
  const devices = h('ul', { id: 'home-devices', class: 'cards' });
  const folders = h('ul', { id: 'home-folders', class: 'cards' });
  const jobs = h('ul', { id: 'home-jobs', class: 'cards' });
  const link = (view: string, text: string) => {
    const button = h('button', { type: 'button', class: 'link', 'data-open': view }, text);
    button.onclick = () => open(view);
    return button;
  };
  root.append(
    h('h2', {}, 'Your devices ', link('devices', 'manage…')),
    devices,
    h('h2', {}, 'Folders ', link('files', 'browse or add…'), ' ', link('sync', 'sync…')),
    folders,
    h('h2', {}, 'Running jobs ', link('jobs', 'all jobs…')),
    jobs,
  );

  /** Fills `list` with what `load` answers, or says why it could not. */
  const fill = async (list: HTMLElement, load: () => Promise<HTMLElement[]>, empty: string) => {
    try {
      const items = await load();
      list.replaceChildren(...(items.length ? items : [h('li', { class: 'empty' }, empty)]));
    } catch (cause) {
      list.replaceChildren(h('li', { class: 'error', role: 'alert' }, errorText(cause)));
    }
    markRefreshed(list);
  };

  const refresh = async () => {
    const ours = daemon();
    await Promise.all([
      fill(
        devices,
        async () =>
          (await accountOp('devices', {})).map((device) =>
            h(
              'li',
              { 'data-node': device.node, 'data-online': String(device.online) },
              h('strong', {}, device.name),
              device.self ? h('span', { class: 'badge mark' }, 'serves this page') : undefined,
              device.node === mesh.id ? h('span', { class: 'badge mark' }, 'this tab') : undefined,
              ' ',
              h('span', { class: 'badge', 'data-online': String(device.online) }, device.online ? 'online' : `last seen ${ago(device.lastSeen)}`),
            ),
          ),
        'no devices yet: Devices → invite one',
      ),
      fill(
        folders,
        async () => {
          const [exported, synced] = await Promise.all([
            accountOp('exports', {}),
            // The daemon's sync service, once the tab knows its name (none yet: no synced folder shown).
            ours === undefined ? Promise.resolve([]) : mesh.node.named(serviceName(ours), SyncServiceInterface).call('folders', {}, { timeout: VIEW_TIMEOUT }).catch(() => []),
          ]);
          return [
            ...exported.map((entry) => h('li', { 'data-export': entry.name }, h('strong', {}, entry.name), ` ${entry.path}`, entry.readOnly ? h('span', { class: 'badge' }, 'read only') : undefined)),
            ...synced.map((folder) =>
              h('li', { 'data-synced': folder.name }, h('strong', {}, folder.name), ' synced on ', folder.replicas.map((replica) => `${replica.device}${replica.online ? '' : ' (offline)'}`).join(', ')),
            ),
          ];
        },
        'no folders yet: Files → Add a folder',
      ),
      fill(
        jobs,
        async () => {
          const schedulers = await resourcesOf(mesh, JobsInterface.id);
          const scheduler = schedulers.find((candidate) => nodeOf(candidate.id) === ours) ?? schedulers[0];
          if (!scheduler) return [];
          const running = await mesh.node.ref(scheduler.id, JobsInterface).call('list', { state: 'running' }, { timeout: VIEW_TIMEOUT });
          return running.map((job) => h('li', { 'data-job': job.id }, h('strong', {}, job.name), ` ${job.done}/${job.steps} steps`));
        },
        'no job running',
      ),
    ]);
  };
  return { refresh };
}
