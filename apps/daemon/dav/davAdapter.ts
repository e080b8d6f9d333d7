/**
 * nephele's adapter for the mesh's FileSystem exports: `/dav/` is a collection of the exports
 * this daemon knows by name, `/dav/<export>/<path>` a file or folder of one (local or on another
 * node: every call goes through the mesh, as the gateway's `/fs` does). What a client may do is
 * its app password's (appPasswords.ts): read only, or one export only.
 */
import mime from 'mime';
import { BadRequestError, ForbiddenError, MethodNotImplementedError, MethodNotSupportedError, ResourceNotFoundError, type Adapter, type Method, type User } from 'nephele';
import type { Node } from '../../../src/actors/node.js';
import type { FileStat } from '../../../src/resources/fs/interface.js';
import type { AppPassword } from '../appPasswords.js';
import { resolveExport } from '../fsGateway.js';
import { statOrNull, type FileSystem } from './davCalls.js';
import { DavResource } from './davResource.js';
import type { DavStore } from './davStore.js';


/** Whoever an app password (or the control token) let in. */
export interface DavUser extends User {
  /** The app password used; none for the control token (everything). */
  password?: AppPassword;
}

/** Where a URL under `/dav/` leads: the root, or a path in an export. */
export type Place = { root: true } | { root: false; export: string; ref: FileSystem; path: string };

/** How long the root's listing trusts that a name is an export, ms. */
const EXPORTS_TTL = 10_000;

const READS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'COPY']);

/** How long a stat is trusted, ms: nephele asks for every ancestor of every member it lists (their locks). */
const STAT_TTL = 2000;

export class DavAdapter implements Adapter {
  private exportsCache: { at: number; names: Promise<string[]> } | undefined;
  private readonly stats = new Map<string, { at: number; stat: Promise<FileStat | null> }>();

  constructor(
    readonly node: Node,
    readonly store: DavStore,
  ) {}

  async getComplianceClasses(): Promise<string[]> {
    return ['2'];
  }

  async getAllowedMethods(): Promise<string[]> {
    return [];
  }

  async getOptionsResponseCacheControl(): Promise<string> {
    return 'max-age=600';
  }

  async isAuthorized(url: URL, method: string, baseUrl: URL, user: User): Promise<boolean> {
    return this.refusal(url, method, baseUrl, user) === undefined;
  }

  /** Why `user`'s app password may not `method` `url`, or undefined when it may. */
  refusal(url: URL, method: string, baseUrl: URL, user: User): string | undefined {
    const password = (user as DavUser).password;
    if (!password) return undefined;
    if (password.readOnly && !READS.has(method)) return `the app password ${password.name} is read only`;
    if (password.export === undefined) return undefined;
    const outside = `the app password ${password.name} reaches the export ${password.export} only`;
    let segments;
    try {
      segments = this.segments(url, baseUrl);
    } catch {
      return outside;
    }
    if (segments.length === 0) return READS.has(method) ? undefined : outside;
    try {
      const place = this.place(segments);
      return !place.root && place.export === password.export ? undefined : outside;
    } catch {
      return outside;
    }
  }

  async getResource(url: URL, baseUrl: URL): Promise<DavResource> {
    const place = this.place(this.segments(url, baseUrl));
    const resource = new DavResource(this, baseUrl, place);
    if ((await resource.stat()) === null) throw new ResourceNotFoundError('Resource not found.');
    return resource;
  }

  async newResource(url: URL, baseUrl: URL): Promise<DavResource> {
    return new DavResource(this, baseUrl, this.placeToCreate(this.segments(url, baseUrl)));
  }

  async newCollection(url: URL, baseUrl: URL): Promise<DavResource> {
    return new DavResource(this, baseUrl, this.placeToCreate(this.segments(url, baseUrl)), true);
  }

  getMethod(method: string): typeof Method {
    if (method === 'POST' || method === 'PATCH') throw new MethodNotSupportedError('Method not supported.');
    throw new MethodNotImplementedError('Method not implemented.');
  }

  /** The stat of a path of an export (null: not there), from a cache that any write over WebDAV clears. */
  stat(place: Extract<Place, { root: false }>): Promise<FileStat | null> {
    const key = `${place.export}\0${place.path}`;
    const now = Date.now();
    const cached = this.stats.get(key);
    if (cached && now - cached.at < STAT_TTL) return cached.stat;
    if (this.stats.size > 10_000) this.stats.clear();
    const stat = statOrNull(place.ref, place.path);
    this.stats.set(key, { at: now, stat });
    stat.catch(() => this.stats.delete(key));
    return stat;
  }

  /** Something changed through WebDAV: no stat is trusted any more. */
  changed(): void {
    this.stats.clear();
  }

  /** The exports the root lists: names without a slash whose resource answers `config`. */
  exportNames(): Promise<string[]> {
    const now = Date.now();
    if (this.exportsCache && now - this.exportsCache.at < EXPORTS_TTL) return this.exportsCache.names;
    const names = (async () => {
      const candidates = [...new Set(this.node.directory.list().map((entry) => entry.name))].filter((name) => !name.includes('/'));
      const found = await Promise.all(
        candidates.map((name) =>
          this.node
            .named(name)
            .call('config', {}, { timeout: 2000 })
            .then(
              (config: unknown) => (typeof (config as { readOnly?: unknown } | null)?.readOnly === 'boolean' ? name : undefined),
              () => undefined,
            ),
        ),
      );
      return found.filter((name): name is string => name !== undefined).sort();
    })();
    this.exportsCache = { at: now, names };
    return names;
  }

  /** The decoded segments of `url` below `baseUrl`; a segment that decodes to a slash is refused. */
  segments(url: URL, baseUrl: URL): string[] {
    const base = baseUrl.pathname.replace(/\/?$/, '/');
    const full = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    if (!full.startsWith(base)) throw new ForbiddenError('The path is not under /dav/.');
    try {
      const segments = full
        .slice(base.length)
        .split('/')
        .filter((segment) => segment !== '')
        .map((segment) => decodeURIComponent(segment));
      if (segments.some((segment) => segment.includes('/') || segment === '.' || segment === '..')) throw new BadRequestError('A path segment may not hold "/", "." or "..".');
      return segments;
    } catch (error) {
      if (error instanceof BadRequestError) throw error;
      throw new BadRequestError('The path is not valid percent-encoding.');
    }
  }

  place(segments: readonly string[]): Place {
    if (segments.length === 0) return { root: true };
    let found;
    try {
      found = resolveExport(this.node, segments);
    } catch {
      throw new ResourceNotFoundError('No export has that name.');
    }
    const depth = found.path === '' ? 0 : found.path.split('/').length;
    return { root: false, export: segments.slice(0, segments.length - depth).join('/'), ref: found.ref, path: found.path };
  }

  /** Where a new resource would go: in an export, never the root or an export itself. */
  private placeToCreate(segments: readonly string[]): Place {
    let place: Place;
    try {
      place = this.place(segments);
    } catch {
      throw new ForbiddenError('Resources are created inside an export; the exports are the mesh’s FileSystem resources (glow spawn fs).');
    }
    if (place.root || place.path === '') throw new ForbiddenError('The root and the exports themselves are not created over WebDAV.');
    return place;
  }

  /** The media type of `path`. */
  mediaType(path: string): string {
    return mime.getType(path) ?? 'application/octet-stream';
  }
}
