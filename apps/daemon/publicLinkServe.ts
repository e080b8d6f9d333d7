/**
 * Answers a public link (publicLinks.ts): `GET /s/<token>/…` with no account.
 *
 *   a file link   GET|HEAD /s/<token>[/<its name>]   the file, with Range, ETag, If-None-Match
 *   a folder link GET|HEAD /s/<token>/<dir>/          a plain page of the folder's entries, or
 *                                                     JSON with `Accept: application/json` or
 *                                                     `?format=json`
 *                 GET|HEAD /s/<token>/<dir>/<file>    a file inside it
 *
 * Read only: any other method is `denied` (405), and only the export's reading methods are ever
 * called (stat, list, readStream), as the daemon, on the target the link was made for; a path
 * never leaves it (`.` and `..` segments are refused). An unknown, expired or revoked token gets
 * 404 like a path that does not exist, so a guess learns nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node } from '../../src/actors/node.js';
import { GlowError } from '../../src/firefly/errors.js';
import { guardFsResponse } from './fsContentHeaders.js';
import { listAll, sendFile } from './fsGateway.js';
import { sizeText } from './cli/format.js';
import { toJson } from './json.js';
import { linkExport, type PublicLinks } from './publicLinks.js';

const CALL_TIMEOUT = 30_000;

/** A refusal with its HTTP status (the body says `{code, message, details}`). */
export class LinkFailure extends GlowError {
  constructor(
    readonly status: number,
    code: 'denied' | 'badarg',
    message: string,
    reason: string,
  ) {
    super(code, message, { reason });
  }
}

const gone = () => new LinkFailure(404, 'denied', 'no such link: it is unknown, expired or revoked', 'unknown link');

/** Answers `/s/…`; `rest` is the URL path after `/s/`, still percent-encoded. */
export async function servePublicLink(node: Node, links: PublicLinks, request: IncomingMessage, response: ServerResponse, rest: string, query: URLSearchParams, aborted: AbortSignal): Promise<void> {
  guardFsResponse(response);
  // The token is in the URL: it goes nowhere else (no Referer from the page), and no index keeps it.
  response.setHeader('referrer-policy', 'no-referrer');
  response.setHeader('x-robots-tag', 'noindex');
  const method = request.method ?? 'GET';
  const slash = rest.indexOf('/');
  const token = slash === -1 ? rest : rest.slice(0, slash);
  const link = links.find(token);
  if (!link) throw gone();
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    throw new LinkFailure(405, 'denied', `a public link is read only (GET, HEAD), not ${method}`, 'read only');
  }
  const head = method === 'HEAD';
  const inner = slash === -1 ? '' : rest.slice(slash + 1);
  const segments = decodeSegments(inner);
  const ref = linkExport(node, link.target);
  const base = link.target.path ?? '';
  if (link.type === 'file') {
    // The file's own name may follow the token (a URL that says what it downloads), nothing else.
    const name = base.split('/').at(-1) ?? '';
    if (segments.length > 1 || (segments.length === 1 && segments[0] !== name)) throw gone();
    const stat = await ref.call('stat', { path: base }, { timeout: CALL_TIMEOUT });
    if (stat.type !== 'file' || stat.version === null) throw gone();
    return sendFile(ref, stat, request, response, head, aborted);
  }
  const path = [base, ...segments].filter((part) => part !== '').join('/');
  const stat = await ref.call('stat', { path }, { timeout: CALL_TIMEOUT });
  if (stat.type === 'file' && stat.version !== null) return sendFile(ref, stat, request, response, head, aborted);
  if (stat.type !== 'dir') throw gone();
  // Relative links in the page need the folder's URL to end with a slash.
  if (!(request.url ?? '').split('?')[0]!.endsWith('/')) {
    response.writeHead(301, { location: `${(request.url ?? '').split('?')[0]}/${query.size > 0 ? `?${query}` : ''}`, 'content-length': 0 }).end();
    return;
  }
  const { entries, truncated } = await listAll(ref, path);
  const shown = entries.filter((entry) => entry.type === 'file' || entry.type === 'dir');
  const folder = segments.join('/');
  if (wantsJson(request, query)) {
    const body = toJson({
      path: folder,
      entries: shown.map((entry) => ({ name: entry.name, type: entry.type, size: entry.size, mtime: entry.mtime, href: href(entry) })),
      truncated,
    });
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    response.end(head ? undefined : body);
    return;
  }
  const html = folderPage(link.target.path?.split('/').at(-1) || link.target.name || 'shared folder', folder, shown, truncated);
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  response.end(head ? undefined : html);
}

/** The path's segments, decoded; `.`, `..` and a segment that decodes to a slash are refused. */
function decodeSegments(text: string): string[] {
  let segments: string[];
  try {
    segments = text.split('/').filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment));
  } catch {
    throw new LinkFailure(400, 'badarg', 'the path is not valid percent-encoding', 'bad path');
  }
  if (segments.some((segment) => segment === '.' || segment === '..' || segment.includes('/') || segment.includes('\0'))) {
    throw new LinkFailure(400, 'badarg', 'a path in a public link has no ".", ".." or encoded "/" segments', 'bad path');
  }
  return segments;
}

function wantsJson(request: IncomingMessage, query: URLSearchParams): boolean {
  if (query.get('format') === 'json') return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

interface Shown {
  name: string;
  type: string;
  size: number;
  mtime: number;
}

const href = (entry: Shown) => `${encodeURIComponent(entry.name)}${entry.type === 'dir' ? '/' : ''}`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The plain page of a folder: its entries as links, sizes and dates; no script, nothing loaded. */
function folderPage(title: string, folder: string, entries: readonly Shown[], truncated: boolean): string {
  const rows = entries
    .map(
      (entry) =>
        `<tr><td><a href="${escapeHtml(href(entry))}">${escapeHtml(entry.name)}${entry.type === 'dir' ? '/' : ''}</a></td>` +
        `<td>${entry.type === 'dir' ? '' : sizeText(entry.size)}</td><td>${new Date(entry.mtime).toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}${folder ? ` / ${escapeHtml(folder)}` : ''}</title>
<style>body{font:16px system-ui,sans-serif;margin:2em auto;max-width:50em;padding:0 1em}td{padding:.2em 1em .2em 0}</style>
<h1>${escapeHtml(title)}${folder ? ` / ${escapeHtml(folder)}` : ''}</h1>
<table>
${folder ? '<tr><td><a href="../">../</a></td><td></td><td></td></tr>\n' : ''}${rows}
</table>
${truncated ? '<p>The folder holds more entries than are shown.</p>\n' : ''}<p><small>Shared with Glow, read only.</small></p>
`;
}
