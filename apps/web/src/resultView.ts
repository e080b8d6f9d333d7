/** Shows a call's result by its type: bytes as an image (when they are one) or a download, text as text, the rest as JSON. */
import { h } from './dom.js';

const IMAGE_MAGIC: [string, number[]][] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/gif', [0x47, 0x49, 0x46]],
];

/** An element showing `value`. */
export function renderResult(value: unknown): HTMLElement {
  if (value instanceof Uint8Array) {
    const type = IMAGE_MAGIC.find(([, magic]) => magic.every((byte, i) => value[i] === byte))?.[0];
    const url = URL.createObjectURL(new Blob([value as Uint8Array<ArrayBuffer>], { type: type ?? 'application/octet-stream' }));
    if (type) return h('img', { src: url, alt: 'result image', class: 'result' });
    return h('a', { href: url, download: 'result.bin', class: 'result' }, `download ${value.length} bytes`);
  }
  if (typeof value === 'string') return h('pre', { class: 'result' }, value);
  return h('pre', { class: 'result' }, JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? 'undefined');
}
