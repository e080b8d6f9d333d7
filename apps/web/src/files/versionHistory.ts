/** A file's version history (`GET …?versions`), newest first, with a button that restores any earlier version. */
import { errorLine, errorText, h } from '../dom.js';
import { formatSize, formatTime } from './fileFormat.js';
import { fsFetch, type Version } from './fsGateway.js';

/** What the history needs besides the file. */
export interface VersionHistoryOptions {
  /** True while the file is still the one shown: a late answer for another file draws nothing. */
  current(): boolean;
  /** What was just done, shown above the history (`#fs-restore-result`). */
  note?: string;
  /** A version was restored: the file is drawn again, with `note` saying so. */
  onRestored(note: string): Promise<void>;
}

/** Draws the history of the file at `url` into `into`. */
export async function loadVersions(url: string, into: HTMLElement, { current, note, onRestored }: VersionHistoryOptions): Promise<void> {
  let list: Version[];
  try {
    list = (await (await fsFetch(`${url}?versions`)).json()) as Version[];
  } catch (cause) {
    if (current()) into.replaceChildren(errorLine(cause));
    return;
  }
  if (!current()) return;
  if (list.length === 0) {
    into.replaceChildren(h('p', {}, 'No versions kept.'));
    return;
  }
  const outcome = h('p', { id: 'fs-restore-result', 'aria-live': 'polite' }, note);

  const restore = async (version: string, button: HTMLButtonElement) => {
    button.disabled = true;
    outcome.textContent = '…';
    try {
      await fsFetch(`${url}?restore=${encodeURIComponent(version)}`, { method: 'POST' });
      // The file is drawn again (the restored content is now the current one): the note says why.
      await onRestored(`restored ${version.slice(0, 12)}`);
    } catch (cause) {
      button.disabled = false;
      outcome.textContent = errorText(cause);
    }
  };

  const rows = list.map((entry) => {
    const state = entry.current ? 'current' : entry.removed ? 'removed' : 'previous';
    let action: HTMLElement | undefined;
    if (!entry.current) {
      const button = h('button', { type: 'button', 'data-restore': entry.version, 'aria-label': `restore the version of ${formatTime(entry.time)}` }, 'Restore');
      button.onclick = () => void restore(entry.version, button);
      action = button;
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
}
