/**
 * One folder of the chosen export: breadcrumbs back up to its root, and a table of its entries
 * (folders first) with a download link per file. A folder's name opens it; a file's name selects
 * it (the view shows it in the detail panel).
 */
import { h } from '../dom.js';
import { formatSize, formatTime } from './fileFormat.js';
import { fsFetch, fsUrl, type Entry } from './fsGateway.js';

/** What the browser needs from the view around it. */
export interface FolderBrowserOptions {
  /** The URL prefix of the chosen export (undefined: none chosen, nothing to list). */
  base(): string | undefined;
  /** What the first breadcrumb (the export's root) says. */
  rootLabel(): string;
  /** A file's name was pressed. */
  onFile(name: string): void;
  /** The folder shown changed, or a new export was chosen: no file is selected any more. */
  onLeave(): void;
  /** A listing failed (undefined: the last one worked). */
  onError(cause: unknown): void;
}

/** The folder browser. */
export interface FolderBrowser {
  /** `#fs-crumbs`. */
  readonly crumbs: HTMLElement;
  /** `#fs-entries`. */
  readonly table: HTMLElement;
  /** The folder shown, as path segments. */
  dir(): string[];
  /** The file selected in it, if any. */
  selected(): string | undefined;
  /** Lists `path` and shows it; `fresh` forgets the selection even when the path is the same (another export). */
  open(path: string[], fresh?: boolean): Promise<void>;
  /** Marks the row of file `name` as selected. */
  mark(name: string): void;
}

/** A browser that shows nothing until {@link FolderBrowser.open}. */
export function folderBrowser({ base, rootLabel, onFile, onLeave, onError }: FolderBrowserOptions): FolderBrowser {
  const crumbs = h('nav', { id: 'fs-crumbs', class: 'crumbs', 'aria-label': 'folder path' });
  const body = h('tbody');
  const table = h(
    'table',
    { id: 'fs-entries', class: 'entries', 'aria-label': 'folder contents' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Modified'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Download')))),
    body,
  );
  let dir: string[] = [];
  let selected: string | undefined;
  // Answers can come back out of order (a slow listing after a quick click elsewhere): each
  // listing takes a ticket and only the latest one may draw.
  let ticket = 0;

  const drawCrumbs = () => {
    const parts = [rootLabel(), ...dir];
    crumbs.replaceChildren(
      ...parts.flatMap((part, depth) => {
        const last = depth === parts.length - 1;
        const button = h('button', { type: 'button', class: 'link', 'data-depth': depth, 'aria-current': last ? 'location' : undefined }, part);
        button.onclick = () => void open(dir.slice(0, depth));
        return depth === 0 ? [button] : [h('span', { 'aria-hidden': 'true' }, ' / '), button];
      }),
    );
  };

  const drawEntries = (prefix: string, entries: Entry[], truncated: boolean) => {
    // Folders first, as file managers do; the daemon already sorts by name within each group.
    const sorted = [...entries].sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir'));
    const rows = sorted.map((entry) => {
      const path = [...dir, entry.name];
      const name = h('button', { type: 'button', class: 'link', 'data-open': entry.name }, entry.type === 'dir' ? `${entry.name}/` : entry.name);
      name.onclick = () => void (entry.type === 'dir' ? open(path) : onFile(entry.name));
      const download = entry.type === 'file' ? h('a', { href: fsUrl(prefix, path), download: entry.name, 'aria-label': `download ${entry.name}` }, 'Download') : undefined;
      return h(
        'tr',
        { 'data-name': entry.name, 'data-type': entry.type, 'data-selected': entry.type === 'file' && entry.name === selected },
        h('td', {}, name),
        h('td', { class: 'num' }, entry.type === 'file' ? formatSize(entry.size) : ''),
        h('td', {}, formatTime(entry.mtime)),
        h('td', {}, download),
      );
    });
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: 4 }, 'This folder is empty.')));
    if (truncated) rows.push(h('tr', {}, h('td', { colspan: 4 }, 'More entries than the daemon lists at once; not all are shown.')));
    body.replaceChildren(...rows);
  };

  const open = async (path: string[], fresh = false) => {
    const prefix = base();
    if (prefix === undefined) return;
    const mine = ++ticket;
    if (fresh || path.join('/') !== dir.join('/')) {
      selected = undefined;
      onLeave();
    }
    dir = path;
    drawCrumbs();
    body.setAttribute('aria-busy', 'true');
    try {
      // The trailing slash keeps the root (`/fs/docs/`) and folders alike.
      const listing = (await (await fsFetch(`${fsUrl(prefix, path)}${path.length ? '/' : ''}`)).json()) as { entries: Entry[]; truncated: boolean };
      if (mine !== ticket) return;
      onError(undefined);
      // The prefix as it is now: the gateway may have learned the export's name meanwhile.
      drawEntries(base() ?? prefix, listing.entries, listing.truncated);
    } catch (cause) {
      if (mine !== ticket) return;
      body.replaceChildren();
      onError(cause);
    } finally {
      if (mine === ticket) body.removeAttribute('aria-busy');
    }
  };

  return {
    crumbs,
    table,
    dir: () => dir,
    selected: () => selected,
    open,
    mark(name) {
      selected = name;
      for (const row of body.querySelectorAll<HTMLElement>('tr[data-type="file"]')) row.toggleAttribute('data-selected', row.dataset.name === name);
    },
  };
}
