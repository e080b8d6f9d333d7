/** A file's preview: images as an `<img>` the browser decodes, text as its first 64 KiB, anything else as "binary". */
import { errorLine, h } from '../dom.js';
import { formatSize } from './fileFormat.js';
import { FsRequestError, fsFetch } from './fsGateway.js';

/** How much of a file the text preview fetches: enough to recognise and read it, never a whole large file. */
export const PREVIEW_BYTES = 64 * 1024;

/** Extensions shown as an `<img>` (what browsers render); anything else is sniffed as text. */
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'bmp', 'ico', 'svg']);

/** Draws the preview of the file `name` at `url` into `into`, while `current()` (the file is still the one shown). */
export async function loadPreview(url: string, name: string, into: HTMLElement, current: () => boolean): Promise<void> {
  const extension = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  if (IMAGE_EXTENSIONS.has(extension)) {
    // The daemon streams it with its Content-Type; the browser decodes it. A cache-busting
    // query is not needed: answers are `no-cache` with the content's hash as ETag.
    const image = h('img', { id: 'fs-preview-image', src: url, alt: `preview of ${name}` });
    image.onerror = () => {
      if (current()) into.replaceChildren(h('p', { class: 'error' }, 'The image could not be shown.'));
    };
    into.replaceChildren(image);
    return;
  }
  try {
    // One Range request: a preview reads the start of a file, however large the file is.
    const response = await fsFetch(url, { headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` } });
    const bytes = new Uint8Array(await response.arrayBuffer()).subarray(0, PREVIEW_BYTES);
    if (!current()) return;
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
    if (!current()) return;
    // An empty file has no byte 0: the daemon answers 416 to any range, so say "empty" rather than fail.
    if (cause instanceof FsRequestError && cause.status === 416) into.replaceChildren(h('p', {}, 'Empty file.'));
    else into.replaceChildren(errorLine(cause));
  }
}
