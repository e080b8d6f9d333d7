/**
 * The Files view: a browser for any FileSystem export of the mesh (`glow.FileSystem/1`). It talks
 * to the daemon that served the page over plain HTTP (`/fs/<export>/<path>`, apps/daemon/fsGateway.ts)
 * rather than through the tab node: the daemon streams files from wherever the export lives, the
 * browser gets Range, ETag, downloads and upload progress for free, and a download never has to
 * sit in the tab's memory. The tab node is only asked which exports exist.
 */
import type { Mesh } from '../../../src/actors/mesh.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { errorText, h } from './dom.js';
import { namesAt, resourcesOf, type FoundResource } from './meshQueries.js';

/** `glow.FileSystem/1`, spelled here: src/resources/fs/interface.ts pulls in valibot schemas the view does not need. */
const FS_INTERFACE = 'glow.FileSystem/1';

/** How much of a file the text preview fetches: enough to recognise and read it, never a whole large file. */
export const PREVIEW_BYTES = 64 * 1024;

/** Extensions shown as an `<img>` (what browsers render); anything else is sniffed as text. */
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'bmp', 'ico', 'svg']);

/** A directory entry as `GET /fs/<export>/<dir>` lists it. */
interface Entry {
  name: string;
  type: 'file' | 'dir' | 'other';
  size: number;
  mtime: number;
}

/** A content of a path as `GET …?versions` lists it, newest first. */
interface Version {
  version: string;
  size: number;
  time: number;
  removed: boolean;
  current?: boolean;
}

/** A failure of an `/fs` request, with the Glow code the gateway answered (`{code, message, details}`). */
export class FsRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'FsRequestError';
  }
}

/** The error for a non-2xx answer: the JSON body's code and message when it has them, the HTTP status otherwise. */
export function fsError(status: number, body: string): FsRequestError {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown; details?: { reason?: unknown } };
    if (typeof parsed.code === 'string') {
      const reason = typeof parsed.details?.reason === 'string' ? parsed.details.reason : undefined;
      // The reason is the precise one (`failed` + `notfound`): show it next to the message.
      const message = `${typeof parsed.message === 'string' ? parsed.message : 'failed'}${reason ? ` (${reason})` : ''}`;
      return new FsRequestError(message, parsed.code, status, reason);
    }
  } catch {
    // Not JSON (a proxy's page, say): fall back to the status.
  }
  return new FsRequestError(`HTTP ${status}`, `http${status}`, status);
}

/** `fetch` that throws {@link FsRequestError} for a non-2xx answer. */
async function fsFetch(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, { cache: 'no-store', ...init });
  if (!response.ok) throw fsError(response.status, await response.text());
  return response;
}

/**
 * The URL prefix of the export `id`: `/fs/<name>` when the daemon serving the page knows it by
 * `name` (each segment encoded: names may hold `/`), else `/fs/<node>/<local>`.
 */
export function exportBase(id: string, name?: string): string {
  const text = name ?? id.replace(/^glow:\/\//, '');
  return `/fs/${text.split('/').map(encodeURIComponent).join('/')}`;
}

/** An export as the picker lists it, with its URL prefix. */
interface Export extends FoundResource {
  base: string;
}

/** The URL of `path` (segments) in the export at `base`, each segment percent-encoded. */
export function fsUrl(base: string, path: readonly string[]): string {
  return `${base}/${path.map(encodeURIComponent).join('/')}`;
}

/** `1.5 KiB`-style sizes: bytes are exact below 1 KiB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const formatTime = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** Uploads `file` with PUT (XMLHttpRequest: fetch reports no upload progress); resolves with the new stat. */
function putFile(url: string, file: Blob, onProgress: (fraction: number) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        try {
          resolve(JSON.parse(request.responseText));
        } catch {
          resolve(undefined);
        }
      } else reject(fsError(request.status, request.responseText));
    };
    request.onerror = () => reject(new Error('the upload failed: the connection to the daemon broke'));
    request.send(file);
  });
}

/**
 * Mounts the view into `root`; the export list reloads when the view is shown or on "Refresh".
 * `gateway` is the daemon that served the page (it answers `/fs`), once known.
 */
export function mountFilesView(root: HTMLElement, mesh: Mesh, gateway: () => NodeId | undefined): { refresh: () => Promise<void> } {
  const picker = h('select', { id: 'fs-export' });
  const reload = h('button', { type: 'button', id: 'fs-refresh' }, 'Refresh');
  const crumbs = h('nav', { id: 'fs-crumbs', class: 'crumbs', 'aria-label': 'folder path' });
  const error = h('p', { id: 'fs-error', class: 'error', role: 'alert' });
  const body = h('tbody');
  const table = h(
    'table',
    { id: 'fs-entries', class: 'entries', 'aria-label': 'folder contents' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Modified'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Download')))),
    body,
  );
  const upload = h('input', { id: 'fs-upload', type: 'file', multiple: true });
  const progress = h('progress', { id: 'fs-upload-progress', max: 1, value: 0, hidden: true, 'aria-label': 'upload progress' });
  const uploadStatus = h('span', { id: 'fs-upload-status', 'aria-live': 'polite' });
  const detail = h('div', { id: 'fs-detail' }, 'Select a file to preview it and see its versions.');
  root.append(
    h('div', { class: 'toolbar' }, h('label', { for: 'fs-export' }, 'Export '), picker, ' ', reload),
    crumbs,
    error,
    h('div', { class: 'split' }, h('div', {}, h('div', { class: 'scroll-x' }, table), h('p', { class: 'upload' }, h('label', { for: 'fs-upload' }, 'Upload to this folder '), upload, ' ', progress, ' ', uploadStatus)), detail),
  );

  let exports: Export[] = [];
  /** The chosen export's id and URL prefix. */
  let chosenId: string | undefined;
  let base: string | undefined;
  let dir: string[] = [];
  let selected: string | undefined;
  // Answers can come back out of order (a slow listing after a quick click elsewhere): each
  // load takes a ticket and only the latest one may draw.
  let listTicket = 0;
  let detailTicket = 0;

  const showError = (cause: unknown) => {
    error.textContent = errorText(cause);
    error.dataset.code = (cause as { code?: string }).code ?? '';
  };
  const clearError = () => {
    error.textContent = '';
    delete error.dataset.code;
  };

  const drawCrumbs = () => {
    const current = exports.find((resource) => resource.id === chosenId);
    const parts = [current?.name ?? current?.id ?? '/', ...dir];
    crumbs.replaceChildren(
      ...parts.flatMap((part, depth) => {
        const last = depth === parts.length - 1;
        const button = h('button', { type: 'button', class: 'link', 'data-depth': depth, 'aria-current': last ? 'location' : undefined }, part);
        button.onclick = () => void openDir(dir.slice(0, depth));
        return depth === 0 ? [button] : [h('span', { 'aria-hidden': 'true' }, ' / '), button];
      }),
    );
  };

  const drawEntries = (entries: Entry[], truncated: boolean) => {
    // Folders first, as file managers do; the daemon already sorts by name within each group.
    const sorted = [...entries].sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir'));
    const rows = sorted.map((entry) => {
      const path = [...dir, entry.name];
      const open = h('button', { type: 'button', class: 'link', 'data-open': entry.name }, entry.type === 'dir' ? `${entry.name}/` : entry.name);
      open.onclick = () => void (entry.type === 'dir' ? openDir(path) : selectFile(entry.name));
      const download = entry.type === 'file' ? h('a', { href: fsUrl(base!, path), download: entry.name, 'aria-label': `download ${entry.name}` }, 'Download') : undefined;
      return h(
        'tr',
        { 'data-name': entry.name, 'data-type': entry.type, 'data-selected': entry.type === 'file' && entry.name === selected },
        h('td', {}, open),
        h('td', { class: 'num' }, entry.type === 'file' ? formatSize(entry.size) : ''),
        h('td', {}, formatTime(entry.mtime)),
        h('td', {}, download),
      );
    });
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: 4 }, 'This folder is empty.')));
    if (truncated) rows.push(h('tr', {}, h('td', { colspan: 4 }, 'More entries than the daemon lists at once; not all are shown.')));
    body.replaceChildren(...rows);
  };

  /** Lists `path` and shows it. */
  const openDir = async (path: string[]) => {
    if (base === undefined) return;
    const ticket = ++listTicket;
    if (path.join('/') !== dir.join('/')) {
      selected = undefined;
      detail.replaceChildren('Select a file to preview it and see its versions.');
    }
    dir = path;
    drawCrumbs();
    body.setAttribute('aria-busy', 'true');
    try {
      // The trailing slash keeps the root (`/fs/docs/`) and folders alike.
      const listing = (await (await fsFetch(`${fsUrl(base, path)}${path.length ? '/' : ''}`)).json()) as { entries: Entry[]; truncated: boolean };
      if (ticket !== listTicket) return;
      clearError();
      drawEntries(listing.entries, listing.truncated);
    } catch (cause) {
      if (ticket !== listTicket) return;
      body.replaceChildren();
      showError(cause);
    } finally {
      if (ticket === listTicket) body.removeAttribute('aria-busy');
    }
  };

  /** Shows a preview of the file, its download link and its version history (`note` above the history: what was just done). */
  const selectFile = async (name: string, note?: string) => {
    if (base === undefined) return;
    const ticket = ++detailTicket;
    selected = name;
    for (const row of body.querySelectorAll<HTMLElement>('tr[data-type="file"]')) row.toggleAttribute('data-selected', row.dataset.name === name);
    const path = [...dir, name];
    const url = fsUrl(base, path);
    const preview = h('div', { id: 'fs-preview', 'aria-live': 'polite' }, '…');
    const versions = h('div', { id: 'fs-versions-box' }, '…');
    detail.replaceChildren(
      h('h2', {}, name),
      h('p', {}, h('a', { href: url, download: name, id: 'fs-download' }, `Download ${name}`), ' · ', h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open in a new tab')),
      preview,
      h('h3', {}, 'Version history'),
      versions,
    );
    await Promise.all([loadPreview(url, name, preview, ticket), loadVersions(url, versions, ticket, note)]);
  };

  const loadPreview = async (url: string, name: string, into: HTMLElement, ticket: number) => {
    const extension = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
    if (IMAGE_EXTENSIONS.has(extension)) {
      // The daemon streams it with its Content-Type; the browser decodes it. A cache-busting
      // query is not needed: answers are `no-cache` with the content's hash as ETag.
      const image = h('img', { id: 'fs-preview-image', src: url, alt: `preview of ${name}` });
      image.onerror = () => {
        if (ticket === detailTicket) into.replaceChildren(h('p', { class: 'error' }, 'The image could not be shown.'));
      };
      into.replaceChildren(image);
      return;
    }
    try {
      // One Range request: a preview reads the start of a file, however large the file is.
      const response = await fsFetch(url, { headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` } });
      const bytes = new Uint8Array(await response.arrayBuffer()).subarray(0, PREVIEW_BYTES);
      if (ticket !== detailTicket) return;
      const total = Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1] ?? bytes.length);
      // A NUL byte is the classic sign of a binary file; text files do not contain one.
      if (bytes.includes(0)) {
        into.replaceChildren(h('p', {}, `No preview: binary content (${formatSize(total)}).`));
        return;
      }
      const text = new TextDecoder().decode(bytes);
      into.replaceChildren(h('pre', { id: 'fs-preview-text' }, text));
      if (total > bytes.length) into.append(h('p', {}, `First ${formatSize(bytes.length)} of ${formatSize(total)} shown.`));
    } catch (cause) {
      // An empty file has no byte 0: the daemon answers 416 to any range, so say "empty" rather than fail.
      if (ticket !== detailTicket) return;
      if (cause instanceof FsRequestError && cause.status === 416) into.replaceChildren(h('p', {}, 'Empty file.'));
      else into.replaceChildren(h('p', { class: 'error', 'data-code': (cause as { code?: string }).code }, errorText(cause)));
    }
  };

  const loadVersions = async (url: string, into: HTMLElement, ticket: number, note?: string) => {
    let list: Version[];
    try {
      list = (await (await fsFetch(`${url}?versions`)).json()) as Version[];
    } catch (cause) {
      if (ticket === detailTicket) into.replaceChildren(h('p', { class: 'error', 'data-code': (cause as { code?: string }).code }, errorText(cause)));
      return;
    }
    if (ticket !== detailTicket) return;
    if (list.length === 0) {
      into.replaceChildren(h('p', {}, 'No versions kept.'));
      return;
    }
    const outcome = h('p', { id: 'fs-restore-result', 'aria-live': 'polite' }, note);
    const rows = list.map((entry) => {
      const state = entry.current ? 'current' : entry.removed ? 'removed' : 'previous';
      let action: HTMLElement | undefined;
      if (!entry.current) {
        const restore = h('button', { type: 'button', 'data-restore': entry.version, 'aria-label': `restore the version of ${formatTime(entry.time)}` }, 'Restore');
        restore.onclick = () => void restoreVersion(url, entry.version, restore, outcome);
        action = restore;
      }
      return h(
        'tr',
        { 'data-version': entry.version, 'data-current': entry.current ? 'true' : undefined },
        h('td', {}, formatTime(entry.time)),
        h('td', { class: 'num' }, formatSize(entry.size)),
        h('td', {}, h('code', { title: entry.version }, entry.version.slice(0, 12)), ' ', state),
        h('td', {}, action),
      );
    });
    into.replaceChildren(
      h(
        'div',
        { class: 'scroll-x' },
        h(
          'table',
          { id: 'fs-versions', class: 'entries', 'aria-label': 'versions, newest first' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Restore')))),
          h('tbody', {}, ...rows),
        ),
      ),
      outcome,
    );
  };

  const restoreVersion = async (url: string, version: string, button: HTMLButtonElement, outcome: HTMLElement) => {
    button.disabled = true;
    outcome.textContent = '…';
    try {
      await fsFetch(`${url}?restore=${encodeURIComponent(version)}`, { method: 'POST' });
      // The detail is drawn again (the restored content is now the current one): the note says why.
      const name = selected;
      await openDir(dir);
      if (name !== undefined) await selectFile(name, `restored ${version.slice(0, 12)}`);
    } catch (cause) {
      button.disabled = false;
      outcome.textContent = errorText(cause);
    }
  };

  upload.onchange = () => {
    const files = [...(upload.files ?? [])];
    if (base === undefined || files.length === 0) return;
    const target = base;
    const folder = dir;
    void (async () => {
      upload.disabled = true;
      progress.hidden = false;
      try {
        for (const [index, file] of files.entries()) {
          uploadStatus.textContent = `uploading ${file.name}${files.length > 1 ? ` (${index + 1}/${files.length})` : ''}…`;
          progress.value = 0;
          await putFile(fsUrl(target, [...folder, file.name]), file, (fraction) => (progress.value = fraction));
        }
        uploadStatus.textContent = files.length === 1 ? `uploaded ${files[0]!.name}` : `uploaded ${files.length} files`;
        clearError();
      } catch (cause) {
        uploadStatus.textContent = '';
        showError(cause);
      } finally {
        progress.hidden = true;
        upload.disabled = false;
        // Cleared so that choosing the same file again (a new version of it) fires `change` again.
        upload.value = '';
      }
      if (target !== base || folder.join('/') !== dir.join('/')) return;
      const name = selected;
      await openDir(dir);
      if (name !== undefined && files.some((file) => file.name === name)) await selectFile(name);
    })();
  };

  const pick = async (id: string) => {
    const resource = exports.find((candidate) => candidate.id === id);
    if (!resource) return;
    if (resource.id === chosenId) return openDir(dir);
    chosenId = resource.id;
    base = resource.base;
    selected = undefined;
    detail.replaceChildren('Select a file to preview it and see its versions.');
    await openDir([]);
  };

  const refresh = async () => {
    try {
      const [found, served] = await Promise.all([resourcesOf(mesh, FS_INTERFACE), namesAt(mesh, gateway())]);
      exports = found.map((resource) => ({ ...resource, base: exportBase(resource.id, served.get(resource.id)) }));
    } catch (cause) {
      showError(cause);
      return;
    }
    const chosen = exports.find((resource) => resource.id === chosenId);
    // The prefix may change (the gateway learned the name since): links drawn from now on use the new one.
    if (chosen) base = chosen.base;
    picker.replaceChildren(
      h('option', { value: '', disabled: true, selected: !chosen }, exports.length ? 'choose an export…' : 'no FileSystem export in the mesh'),
      ...exports.map((resource) => h('option', { value: resource.id, selected: resource === chosen, title: resource.id }, resource.name ? `${resource.name} (${resource.id.replace(/^glow:\/\//, '').slice(0, 12)}…)` : resource.id)),
    );
    if (chosen) await openDir(dir);
  };

  picker.onchange = () => void pick(picker.value);
  reload.onclick = () => void refresh();
  return { refresh };
}
