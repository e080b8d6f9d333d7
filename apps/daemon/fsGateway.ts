/**
 * Files to any screen: the daemon serves every FileSystem resource of the mesh (`glow.FileSystem/1`)
 * over plain HTTP, so a browser, a TV or a media player streams a file from a machine three hops
 * away with no Glow software on it.
 *
 *   GET  /fs/<export>/<path>            the file: Range (one range → 206, else 416), ETag (the
 *                                       content's SHA-256) and If-None-Match (304), If-Range,
 *                                       Last-Modified, Content-Type by extension; HEAD too
 *   GET  /fs/<export>/<dir>             the directory's entries as JSON ({entries, truncated})
 *   GET  /fs/<export>/<path>?versions   the path's contents as JSON, newest first: the current one
 *                                       (`current: true`, when the file exists), then the previous
 *   PUT  /fs/<export>/<path>            replaces the file with the body, atomically (an upload:
 *                                       nothing shows until the whole body arrived); If-Match
 *                                       refuses a stale write (412); answers the new stat
 *   POST /fs/<export>/<path>?restore=V  brings back version V (the current content is kept)
 *
 * `<export>` is a registered name (which may contain `/`: the longest name that matches wins) or
 * a resource id `<node>/<id>`. Failures answer the HTTP status of their reason (notfound 404,
 * stale 412, exists 409, denied 403, …) with `{code, message, details}`. Who may use it: the
 * gateway's rule (auth.ts). No answer can script the daemon's origin (fsContentHeaders.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import mime from 'mime';
import { closeIterator } from '../../src/actors/closeIterator.js';
import type { Node } from '../../src/actors/node.js';
import type { ResourceRef } from '../../src/actors/ref.js';
import { GlowError } from '../../src/firefly/errors.js';
import { MAX_CHUNK_BYTES, type FileStat, type FileSystemInterface } from '../../src/resources/fs/interface.js';
import { publicKeyOf } from '../../src/transport/identity.js';
import { contentDisposition, guardFsResponse } from './fsContentHeaders.js';
import { toJson } from './json.js';
import { resolveRef } from './refs.js';
import { writable } from './streamAnswer.js';

type FileSystem = ResourceRef<typeof FileSystemInterface>;

/** How long one call to the export may take (a stream's items each get this long too). */
const CALL_TIMEOUT = 30_000;

/** HTTP statuses for the `fs` kind's failure reasons (src/resources/fs/errors.ts). */
const REASON_STATUS: Readonly<Record<string, number>> = Object.freeze({
  notfound: 404,
  exists: 409,
  notempty: 409,
  isdir: 409,
  notdir: 409,
  stale: 412,
  offset: 400,
  noupload: 404,
});

/** The HTTP status of a failure from the export, when its reason has a more precise one. */
export function fsStatus(error: GlowError): number | undefined {
  const reason = (error.details as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' && Object.hasOwn(REASON_STATUS, reason) ? REASON_STATUS[reason] : undefined;
}

/**
 * Splits `/fs/…`'s segments into the export and the path in it: the longest prefix that is a
 * registered name, else `<node>/<id>`, else a local resource id.
 */
export function resolveExport(node: Node, segments: readonly string[]): { ref: FileSystem; path: string } {
  for (let take = segments.length; take >= 1; take--) {
    const name = segments.slice(0, take).join('/');
    if (node.whereis(name)) return { ref: node.named(name) as FileSystem, path: segments.slice(take).join('/') };
  }
  const [first, second] = segments;
  if (first === undefined) throw new GlowError('noproc', 'no FileSystem export named in the path (/fs/<export>/<path>)');
  // A node id first: `<node>/<id>`; else a local resource id (refs.ts reads both as REF does).
  const asId = second !== undefined && (first === node.id || publicKeyOf(first) !== undefined);
  const take = asId ? 2 : 1;
  return { ref: resolveRef(node, segments.slice(0, take).join('/')) as FileSystem, path: segments.slice(take).join('/') };
}

/** Answers one `/fs/…` request; `rest` is the URL path after `/fs/`, still percent-encoded. */
export async function serveFs(node: Node, request: IncomingMessage, response: ServerResponse, rest: string, query: URLSearchParams, aborted: AbortSignal): Promise<void> {
  guardFsResponse(response);
  let segments: string[];
  try {
    segments = rest.split('/').filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment));
  } catch {
    throw new GlowError('badarg', 'the path is not valid percent-encoding');
  }
  const { ref, path } = resolveExport(node, segments);
  const method = request.method ?? 'GET';
  if (method === 'PUT') return put(ref, path, request, response, aborted);
  if (method === 'POST' && query.has('restore')) {
    return sendJson(response, 200, await ref.call('restore', { path, version: query.get('restore') ?? '' }, { timeout: CALL_TIMEOUT }));
  }
  if (method !== 'GET' && method !== 'HEAD') throw new GlowError('nomethod', `${method} is not served on /fs (GET, HEAD, PUT, POST ?restore=)`);
  if (query.has('versions')) return sendJson(response, 200, await versions(ref, path), method === 'HEAD');
  const stat = await ref.call('stat', { path }, { timeout: CALL_TIMEOUT });
  if (stat.type === 'dir') return sendJson(response, 200, await listAll(ref, path), method === 'HEAD');
  if (stat.type !== 'file' || stat.version === null) throw new GlowError('failed', `${path} is not a regular file`, { reason: 'isdir' });
  return sendFile(ref, stat, request, response, method === 'HEAD', aborted);
}

/** Sends the file, or the one range asked for (HEAD: the headers only). */
export async function sendFile(ref: FileSystem, stat: FileStat, request: IncomingMessage, response: ServerResponse, head: boolean, aborted: AbortSignal): Promise<void> {
  const etag = `"${stat.version}"`;
  const type = mime.getType(stat.path) ?? 'application/octet-stream';
  const headers: Record<string, string | number> = {
    'content-type': type,
    'content-disposition': contentDisposition(stat.path.split('/').at(-1) ?? 'file', type),
    etag,
    'last-modified': new Date(stat.mtime).toUTCString(),
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
  };
  if (matchesEtag(request.headers['if-none-match'], etag)) {
    response.writeHead(304, { etag, 'cache-control': 'no-cache' }).end();
    return;
  }
  const ifRange = request.headers['if-range'];
  const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
  const range = rangeHeader === undefined ? { from: 0, length: stat.size, partial: false } : parseRange(rangeHeader, stat.size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'content-range': `bytes */${stat.size}`, etag }).end();
    return;
  }
  if (range.partial) headers['content-range'] = `bytes ${range.from}-${range.from + range.length - 1}/${stat.size}`;
  headers['content-length'] = range.length;
  response.writeHead(range.partial ? 206 : 200, headers);
  if (head || range.length === 0) return void response.end();
  // ifVersion: a file that changes while it is sent fails the stream instead of mixing contents.
  const chunks = ref.iterate('readStream', { path: stat.path, from: range.from, length: range.length, ifVersion: stat.version! }, { credit: 8 });
  const stop = () => closeIterator(chunks);
  aborted.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of chunks) {
      if (!response.write(chunk.data)) await writable(response);
      if (aborted.aborted) return;
    }
    response.end();
  } catch {
    // Headers went out with a length: cutting the connection is how HTTP says "incomplete".
    response.destroy();
  } finally {
    aborted.removeEventListener('abort', stop);
  }
}

/** Streams the request body into an upload and commits it. */
async function put(ref: FileSystem, path: string, request: IncomingMessage, response: ServerResponse, aborted: AbortSignal): Promise<void> {
  const ifMatch = request.headers['if-match'];
  const ifVersion = ifMatch === undefined ? undefined : ifMatch.trim() === '*' ? undefined : ifMatch.trim().replace(/^"|"$/g, '');
  const stat = await upload(ref, path, request as AsyncIterable<Buffer>, ifVersion, () => aborted.aborted || !request.complete);
  sendJson(response, 200, stat);
}

/**
 * Writes `body` to `path` of the export as one upload: nothing shows until it is committed, and
 * a body that ends early (`cut()` true at its end) or fails is dropped. Chunks of at most
 * MAX_CHUNK_BYTES go out one at a time, so memory holds one chunk, never the file.
 */
export async function upload(ref: FileSystem, path: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ifVersion?: string, cut: () => boolean = () => false): Promise<FileStat> {
  const { uploadId } = await ref.call('beginWrite', { path, ...(ifVersion === undefined ? {} : { ifVersion }) }, { timeout: CALL_TIMEOUT });
  let offset = 0;
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (all: boolean) => {
      while (pendingBytes >= MAX_CHUNK_BYTES || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending);
        const data = joined.subarray(0, Math.min(MAX_CHUNK_BYTES, joined.length));
        const left = joined.subarray(data.length);
        pending = left.length > 0 ? [left] : [];
        pendingBytes = left.length;
        await ref.call('writeChunk', { uploadId, offset, data: new Uint8Array(data) }, { timeout: CALL_TIMEOUT });
        offset += data.length;
      }
    };
    for await (const chunk of body) {
      pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += chunk.length;
      await flush(false);
    }
    if (cut()) throw new GlowError('failed', 'the upload was cut short', { reason: 'offset' });
    await flush(true);
    return await ref.call('commitWrite', { uploadId, size: offset }, { timeout: CALL_TIMEOUT });
  } catch (error) {
    await ref.call('abortWrite', { uploadId }, { timeout: CALL_TIMEOUT }).catch(() => undefined);
    throw error;
  }
}

/** The current content (when there is one) and the previous ones, newest first. */
async function versions(ref: FileSystem, path: string): Promise<unknown[]> {
  const [stat, previous] = await Promise.all([
    ref.call('stat', { path }, { timeout: CALL_TIMEOUT }).catch((error: unknown) => {
      if (error instanceof GlowError && fsStatus(error) === 404) return undefined;
      throw error;
    }),
    ref.call('versions', { path }, { timeout: CALL_TIMEOUT }),
  ]);
  const current = stat?.type === 'file' && stat.version !== null ? [{ version: stat.version, size: stat.size, time: stat.mtime, removed: false, current: true }] : [];
  return [...current, ...previous];
}

/** Every entry of a directory, page after page. */
export async function listAll(ref: FileSystem, path: string) {
  const entries = [];
  let after: string | undefined;
  for (;;) {
    const page = await ref.call('list', { path, ...(after === undefined ? {} : { after }) }, { timeout: CALL_TIMEOUT });
    entries.push(...page.entries);
    if (!page.truncated || page.entries.length === 0 || entries.length >= 100_000) return { entries, truncated: page.truncated };
    after = page.entries.at(-1)!.name;
  }
}

/**
 * One `bytes=` range (RFC 9110 §14.1.2): `a-b`, `a-` or `-n`, clipped to the file. Several ranges
 * are answered as the whole file (allowed: a server may ignore Range), a range past the end is
 * unsatisfiable.
 */
export function parseRange(header: string, size: number): { from: number; length: number; partial: boolean } | 'unsatisfiable' {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { from: 0, length: size, partial: false };
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    const length = Math.min(suffix, size);
    return { from: size - length, length, partial: true };
  }
  const from = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (from >= size || last < from) return 'unsatisfiable';
  return { from, length: last - from + 1, partial: true };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function sendJson(response: ServerResponse, status: number, value: unknown, head = false): void {
  const text = toJson(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(head ? undefined : text);
}
