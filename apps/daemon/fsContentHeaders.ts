/**
 * What keeps a file served from `/fs` from acting as a page of the daemon's origin, where it
 * could script the web app and read what a tab keeps (its key in IndexedDB, its session's
 * requests). Every `/fs` answer is sandboxed (`Content-Security-Policy: sandbox`: an opaque
 * origin, no scripts) and never sniffed (`X-Content-Type-Options: nosniff`); and a file whose
 * type is not on a short list of passive ones (text, images, audio, video) is a download
 * (`Content-Disposition: attachment`), never rendered: HTML, SVG, XML, PDF and anything unknown.
 */
import type { ServerResponse } from 'node:http';

/** Types a browser shows without running anything of the file's. */
const PASSIVE_TYPES: ReadonlySet<string> = new Set([
  'text/plain',
  'text/csv',
  'application/json',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'image/x-icon',
  'image/vnd.microsoft.icon',
]);

/** Sets the sandbox headers on an `/fs` answer (errors and listings too). */
export function guardFsResponse(response: ServerResponse): void {
  response.setHeader('content-security-policy', 'sandbox');
  response.setHeader('x-content-type-options', 'nosniff');
}

/** True when a file of MIME type `type` may be shown inline. */
export function isPassiveType(type: string): boolean {
  const bare = type.split(';')[0]!.trim().toLowerCase();
  return PASSIVE_TYPES.has(bare) || bare.startsWith('audio/') || bare.startsWith('video/');
}

/** `Content-Disposition` for a file named `name` of type `type`: inline for passive types, else attachment. */
export function contentDisposition(name: string, type: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${isPassiveType(type) ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
