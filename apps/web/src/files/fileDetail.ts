/** The selected file's panel: its name, download and open links, preview (filePreview.ts) and version history (versionHistory.ts). */
import { h } from '../dom.js';
import { loadPreview } from './filePreview.js';
import { loadVersions } from './versionHistory.js';

const PLACEHOLDER = 'Select a file to preview it and see its versions.';

/** The panel. */
export interface FileDetail {
  /** `#fs-detail`. */
  readonly element: HTMLElement;
  /** Shows the file `name` at `url`; `note` (what was just done) goes above its history. */
  show(url: string, name: string, note?: string): Promise<void>;
  /** Back to "select a file". */
  clear(): void;
}

/** An empty panel; `onRestored` runs when a version was restored, with the note to show. */
export function fileDetail(onRestored: (note: string) => Promise<void>): FileDetail {
  const element = h('div', { id: 'fs-detail' }, PLACEHOLDER);
  // Answers can come back out of order (a quick click on another file): each file shown takes a
  // ticket and only the latest one may draw.
  let ticket = 0;
  return {
    element,
    async show(url, name, note) {
      const mine = ++ticket;
      const current = () => mine === ticket;
      const preview = h('div', { id: 'fs-preview', 'aria-live': 'polite' }, '…');
      const versions = h('div', { id: 'fs-versions-box' }, '…');
      element.replaceChildren(
        h('h2', {}, name),
        h('p', {}, h('a', { href: url, download: name, id: 'fs-download' }, `Download ${name}`), ' · ', h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open in a new tab')),
        preview,
        h('h3', {}, 'Version history'),
        versions,
      );
      await Promise.all([loadPreview(url, name, preview, current), loadVersions(url, versions, { current, ...(note === undefined ? {} : { note }), onRestored })]);
    },
    clear() {
      ticket++;
      element.replaceChildren(PLACEHOLDER);
    },
  };
}
