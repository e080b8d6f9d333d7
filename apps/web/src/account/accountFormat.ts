/** How the Devices and Sharing views show ids and times. */
import { h, shortId } from '../dom.js';

/** "just now", "5 min ago", "3 h ago", "2 days ago": how long ago `time` (ms since the epoch) was. */
export function ago(time: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} days ago`;
}

/** A date and time in the reader's locale, to the minute. */
export function when(time: number): string {
  return new Date(time).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * A long id (node or user) shortened, the whole id on hover, and a Copy button that puts the whole
 * id on the clipboard (or, where the page may not write it, selects the id to copy by hand).
 */
export function idCell(id: string, label: string): HTMLElement {
  const text = h('code', { title: id, 'data-id': id }, shortId(id));
  const copy = h('button', { type: 'button', class: 'link copy', 'aria-label': `copy the ${label} ${id}` }, 'copy');
  copy.onclick = () => {
    navigator.clipboard.writeText(id).then(
      () => (copy.textContent = 'copied'),
      () => {
        // No clipboard (an insecure origin, a denied permission): show the whole id, selected.
        text.textContent = id;
        getSelection()?.selectAllChildren(text);
      },
    );
  };
  return h('span', { class: 'id' }, text, ' ', copy);
}
