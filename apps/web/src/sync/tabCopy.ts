/**
 * A folder's copy in this tab, in its Sync card: the files the tab holds (in its Origin Private
 * File System, so they are there with no daemon reachable), each one opened from the tab's own
 * storage; or, while the tab holds none, a button that keeps one. The tab is then a replica like
 * any device's: it catches up, carries changes between devices that never meet, and comes back
 * with the page.
 */
import type { NodeId } from '../../../../src/firefly/address.js';
import { h } from '../dom.js';
import { formatSize } from '../files/fileFormat.js';
import { filesAndBytes } from './syncFormat.js';

/** Most files a card lists. */
const LISTED = 200;

/** What the tab holds of one folder. */
export interface TabCopy {
  /** This tab's node. */
  readonly node: NodeId;
  /** The files of its replica, by path; undefined while the tab holds no copy. */
  readonly files: readonly { readonly path: string; readonly size: number }[] | undefined;
  /** Keeps a copy of the folder in this tab. */
  readonly keep: () => void;
  /** Opens a file of the tab's copy. */
  readonly open: (path: string) => void;
}

/** The card's section for `copy` of folder `name`. */
export function tabCopySection(name: string, copy: TabCopy): HTMLElement {
  if (copy.files === undefined) {
    const keep = h('button', { type: 'button', class: 'sync-keep', 'aria-label': `keep a copy of ${name} in this tab` }, 'Keep a copy in this tab');
    keep.addEventListener('click', () => copy.keep());
    return h('section', { class: 'sync-tab', 'data-held': 'false' }, h('p', { class: 'muted' }, 'Not kept in this tab. A copy here works offline and carries changes between your devices.'), keep);
  }
  const bytes = copy.files.reduce((sum, file) => sum + file.size, 0);
  const list = h(
    'ul',
    { class: 'sync-tab-files', 'aria-label': `files of ${name} in this tab` },
    ...copy.files.slice(0, LISTED).map((file) => {
      const open = h('button', { type: 'button', class: 'link', 'data-path': file.path }, file.path);
      open.addEventListener('click', () => copy.open(file.path));
      return h('li', { 'data-path': file.path }, open, h('span', { class: 'muted' }, ` ${formatSize(file.size)}`));
    }),
  );
  return h(
    'section',
    { class: 'sync-tab', 'data-held': 'true', 'data-files': copy.files.length },
    h('h4', {}, 'In this tab'),
    h('p', { class: 'sync-tab-totals' }, filesAndBytes(copy.files.length, bytes), copy.files.length > LISTED ? ` (the first ${LISTED} listed)` : ''),
    list,
  );
}
