/**
 * The Files view: a browser for any FileSystem export of the mesh (`glow.FileSystem/1`). It talks
 * to the daemon that served the page over plain HTTP (fsGateway.ts) rather than through the tab
 * node: the daemon streams files from wherever the export lives, and a download never has to sit
 * in the tab's memory. The tab node is only asked which exports exist. This file chooses the
 * export and ties together the folder (folderBrowser.ts), the file (fileDetail.ts) and uploads
 * (uploadForm.ts).
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import type { NodeId } from '../../../../src/firefly/address.js';
import { errorCode, errorText, h, markRefreshed } from '../dom.js';
import { namesAt, resourcesOf, type FoundResource } from '../meshQueries.js';
import { fileDetail } from './fileDetail.js';
import { folderBrowser } from './folderBrowser.js';
import { exportBase, fsUrl } from './fsGateway.js';
import { uploadForm, type Place } from './uploadForm.js';
import { addFolderForm } from './addFolderForm.js';

/** `glow.FileSystem/1`, spelled here: src/resources/fs/interface.ts pulls in valibot schemas the view does not need. */
const FS_INTERFACE = 'glow.FileSystem/1';

/** An export as the picker lists it, with its URL prefix. */
interface Export extends FoundResource {
  base: string;
}

/**
 * Mounts the view into `root`; the export list reloads when the view is shown or on "Refresh"
 * (each reload counted on `#fs-export` as `data-refreshed`). `gateway` is the daemon that served
 * the page (it answers `/fs`), once known.
 */
export function mountFilesView(root: HTMLElement, mesh: Mesh, gateway: () => NodeId | undefined): { refresh: () => Promise<void> } {
  const picker = h('select', { id: 'fs-export' });
  const reload = h('button', { type: 'button', id: 'fs-refresh' }, 'Refresh');
  const error = h('p', { id: 'fs-error', class: 'error', role: 'alert' });

  let exports: Export[] = [];
  /** The chosen export's id and URL prefix. */
  let chosenId: string | undefined;
  let base: string | undefined;

  /** Shows a failure of the last request (`undefined`: it worked, the line is cleared). */
  const showError = (cause: unknown) => {
    if (cause === undefined) {
      error.textContent = '';
      delete error.dataset.code;
      return;
    }
    error.textContent = errorText(cause);
    error.dataset.code = errorCode(cause) ?? '';
  };

  const detail = fileDetail(async (note) => {
    const name = browser.selected();
    await browser.open(browser.dir());
    if (name !== undefined) await openFile(name, note);
  });
  const browser = folderBrowser({
    base: () => base,
    rootLabel: () => {
      const current = exports.find((resource) => resource.id === chosenId);
      return current?.name ?? current?.id ?? '/';
    },
    onFile: (name) => void openFile(name),
    onLeave: () => detail.clear(),
    onError: showError,
  });
  const place = (): Place | undefined => (base === undefined ? undefined : { base, dir: browser.dir() });

  /** Selects the file `name` of the folder shown and shows it (`note` above its history: what was just done). */
  const openFile = async (name: string, note?: string) => {
    if (base === undefined) return;
    browser.mark(name);
    await detail.show(fsUrl(base, [...browser.dir(), name]), name, note);
  };

  const upload = uploadForm({
    place,
    onError: showError,
    onDone: async (target, names) => {
      // Still the folder uploaded to: show the new entries, and the new version of the file shown.
      if (target.base !== base || target.dir.join('/') !== browser.dir().join('/')) return;
      const name = browser.selected();
      await browser.open(browser.dir());
      if (name !== undefined && names.includes(name)) await openFile(name);
    },
  });

  // A folder just added is chosen once the tab has learned its name (the directory's sync may
  // trail the daemon's answer by a moment).
  const addFolder = addFolderForm(async (name) => {
    for (let tries = 0; tries < 20; tries++) {
      await refresh();
      const added = exports.find((resource) => resource.name === name);
      if (added) {
        picker.value = added.id;
        return pick(added.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  root.append(
    h('div', { class: 'toolbar' }, h('label', { for: 'fs-export' }, 'Export '), picker, ' ', reload),
    browser.crumbs,
    error,
    h('div', { class: 'split' }, h('div', {}, h('div', { class: 'scroll-x' }, browser.table), upload), detail.element),
    addFolder,
  );

  const pick = async (id: string) => {
    const resource = exports.find((candidate) => candidate.id === id);
    if (!resource) return;
    if (resource.id === chosenId) return browser.open(browser.dir());
    chosenId = resource.id;
    base = resource.base;
    await browser.open([], true);
  };

  const refresh = async () => {
    try {
      const [found, served] = await Promise.all([resourcesOf(mesh, FS_INTERFACE), namesAt(mesh, gateway())]);
      exports = found.map((resource) => ({ ...resource, base: exportBase(resource.id, served.get(resource.id)) }));
    } catch (cause) {
      showError(cause);
      markRefreshed(picker);
      return;
    }
    const chosen = exports.find((resource) => resource.id === chosenId);
    // The prefix may change (the gateway learned the name since): links drawn from now on use the new one.
    if (chosen) base = chosen.base;
    picker.replaceChildren(
      h('option', { value: '', disabled: true, selected: !chosen }, exports.length ? 'choose an export…' : 'no FileSystem export in the mesh'),
      ...exports.map((resource) => h('option', { value: resource.id, selected: resource === chosen, title: resource.id }, optionLabel(resource))),
    );
    markRefreshed(picker);
    if (chosen) await browser.open(browser.dir());
  };

  /** `docs on laptop`: the export's name and the device it lives on, by names; ids only when there are none. */
  const optionLabel = (resource: Export) => {
    const node = resource.id.replace(/^glow:\/\//, '').split('/')[0] ?? '';
    const device = mesh.node.trust?.deviceOf(node)?.name ?? `${node.slice(0, 8)}…`;
    return `${resource.name ?? resource.id} on ${device}`;
  };

  picker.onchange = () => void pick(picker.value);
  reload.onclick = () => void refresh();
  return { refresh };
}
