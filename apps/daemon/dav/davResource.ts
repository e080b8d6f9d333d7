/**
 * One URL under `/dav/` as nephele sees it: the root (the exports), or a file or folder of an
 * export, with its dead properties and locks (davStore.ts). Content streams both ways in chunks
 * (a read stream of the export; an upload that shows nothing until committed), never a whole file
 * in memory.
 */
import { Readable } from 'node:stream';
import {
  ForbiddenError,
  MethodNotSupportedError,
  PropertyIsProtectedError,
  PropertyNotFoundError,
  ResourceExistsError,
  type Lock,
  type Properties,
  type Resource,
  type User,
} from 'nephele';
import { closeIterator } from '../../../src/actors/closeIterator.js';
import type { FileStat } from '../../../src/resources/fs/interface.js';
import { listAll, upload } from '../fsGateway.js';
import type { DavAdapter, DavUser, Place } from './davAdapter.js';
import { CALL_TIMEOUT, davError } from './davCalls.js';
import type { LockData } from './davStore.js';

/** What a stat says, for the root and for what `list` answered (no content version needed). */
type Known = Pick<FileStat, 'type' | 'size' | 'mtime'>;

/** Live properties: computed, never set. */
const LIVE = ['creationdate', 'getcontentlength', 'getcontenttype', 'getetag', 'getlastmodified', 'resourcetype', 'supportedlock', 'displayname'];

export class DavResource implements Resource {
  private known: Known | null | undefined;

  constructor(
    readonly adapter: DavAdapter,
    readonly baseUrl: URL,
    readonly place: Place,
    private readonly createCollection = false,
    known?: Known,
  ) {
    this.known = place.root ? { type: 'dir', size: 0, mtime: 0 } : known;
  }

  /** The path's key in the store: `export/path`, `''` for the root. */
  get key(): string {
    return this.place.root ? '' : [this.place.export, this.place.path].filter((part) => part !== '').join('/');
  }

  /** Its stat (null: it is not there), asked once. */
  async stat(): Promise<Known | null> {
    if (this.known === undefined && !this.place.root) this.known = await this.adapter.stat(this.place);
    return this.known ?? null;
  }

  private inExport(): Extract<Place, { root: false }> {
    if (this.place.root) throw new ForbiddenError('The root lists the exports; it holds no content.');
    return this.place;
  }

  async getLocks(): Promise<Lock[]> {
    return this.adapter.store.locksOf(this.key).map((data) => new DavLock(this, data));
  }

  async getLocksByUser(user: User): Promise<Lock[]> {
    return (await this.getLocks()).filter((lock) => (lock as DavLock).username === user.username);
  }

  async createLockForUser(user: User): Promise<Lock> {
    return new DavLock(this, { token: '', username: user.username, date: Date.now(), timeout: 3_600_000, scope: 'exclusive', depth: '0', provisional: false, owner: {} });
  }

  async getProperties(): Promise<Properties> {
    return new DavProperties(this);
  }

  async getStream(range?: { start: number; end: number }): Promise<Readable> {
    const { ref, path } = this.inExport();
    if (await this.isCollection()) return Readable.from([]);
    const from = range?.start ?? 0;
    const length = range ? range.end - range.start + 1 : undefined;
    const chunks = ref.iterate('readStream', { path, from, ...(length === undefined ? {} : { length }) }, { credit: 8 });
    async function* bytes() {
      try {
        for await (const chunk of chunks) yield Buffer.from(chunk.data);
      } finally {
        await closeIterator(chunks);
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async setStream(input: Readable): Promise<void> {
    const { ref, path } = this.inExport();
    if ((await this.stat())?.type === 'dir') throw new MethodNotSupportedError('This resource is an existing collection.');
    let ended = false;
    input.once('end', () => (ended = true));
    try {
      await upload(ref, path, input as AsyncIterable<Buffer>, undefined, () => !ended && input.readableAborted);
    } catch (error) {
      throw davError(error, true);
    } finally {
      this.adapter.changed();
    }
    this.known = undefined;
  }

  async create(): Promise<void> {
    const { ref, path } = this.inExport();
    if ((await this.stat()) !== null) throw new ResourceExistsError('A resource already exists here.');
    try {
      if (this.createCollection) await ref.call('mkdir', { path }, { timeout: CALL_TIMEOUT });
      else await upload(ref, path, [], undefined);
    } catch (error) {
      throw davError(error, true);
    } finally {
      this.adapter.changed();
    }
    this.known = undefined;
  }

  async delete(): Promise<void> {
    const { ref, path } = this.inExport();
    if (path === '') throw new ForbiddenError('An export is not deleted over WebDAV.');
    try {
      await ref.call('remove', { path, recursive: true }, { timeout: CALL_TIMEOUT });
    } catch (error) {
      throw davError(error);
    } finally {
      this.adapter.changed();
    }
    await this.adapter.store.removed(this.key);
    this.known = null;
  }

  async copy(destination: URL, baseUrl: URL, user: User): Promise<void> {
    const target = await this.adapter.newResource(destination, baseUrl);
    this.guardExport(target, user);
    const { ref, path } = target.inExport();
    try {
      if (await this.isCollection()) {
        // The collection alone: nephele copies its members one by one.
        const existing = await target.stat();
        if (existing?.type !== 'dir') {
          if (existing) await ref.call('remove', { path, recursive: true }, { timeout: CALL_TIMEOUT });
          await ref.call('mkdir', { path }, { timeout: CALL_TIMEOUT });
        }
      } else {
        if ((await target.stat())?.type === 'dir') await ref.call('remove', { path, recursive: true }, { timeout: CALL_TIMEOUT });
        await upload(ref, path, await this.getStream(), undefined);
      }
    } catch (error) {
      throw davError(error, true);
    } finally {
      this.adapter.changed();
    }
    await this.adapter.store.copied(this.key, target.key);
  }

  async move(destination: URL, baseUrl: URL, user: User): Promise<void> {
    const target = await this.adapter.newResource(destination, baseUrl);
    this.guardExport(target, user);
    const source = this.inExport();
    const to = target.inExport();
    if (source.export === to.export) {
      // Within one export a rename moves no data.
      try {
        await source.ref.call('rename', { from: source.path, to: to.path, overwrite: true }, { timeout: CALL_TIMEOUT });
      } catch (error) {
        throw davError(error, true);
      } finally {
        this.adapter.changed();
      }
      await this.adapter.store.copied(this.key, target.key);
      await this.adapter.store.removed(this.key);
      return;
    }
    await this.copy(destination, baseUrl, user);
    await this.delete();
  }

  /** An app password limited to one export writes nowhere else. */
  private guardExport(target: DavResource, user: User): void {
    const only = (user as DavUser).password?.export;
    if (only !== undefined && (target.place.root || target.place.export !== only)) throw new ForbiddenError('This app password reaches one export only.');
  }

  async getLength(): Promise<number> {
    const known = await this.stat();
    return known?.type === 'file' ? known.size : 0;
  }

  async getEtag(): Promise<string> {
    const known = await this.stat();
    return known ? `${known.size.toString(16)}-${Math.round(known.mtime).toString(16)}` : '';
  }

  async getMediaType(): Promise<string | null> {
    if (await this.isCollection()) return null;
    return this.adapter.mediaType(this.inExport().path);
  }

  async getCanonicalName(): Promise<string> {
    if (this.place.root) return '';
    return this.place.path === '' ? this.place.export : this.place.path.split('/').at(-1)!;
  }

  async getCanonicalPath(): Promise<string> {
    return `/${this.key}${this.key !== '' && (await this.isCollection()) ? '/' : ''}`;
  }

  async getCanonicalUrl(): Promise<URL> {
    const segments = this.place.root ? [] : [...this.place.export.split('/'), ...(this.place.path === '' ? [] : this.place.path.split('/'))];
    const trailing = segments.length > 0 && (await this.isCollection()) ? '/' : '';
    return new URL(`${segments.map(encodeURIComponent).join('/')}${trailing}`, this.baseUrl.toString().replace(/\/?$/, '/'));
  }

  async isCollection(): Promise<boolean> {
    if (this.createCollection || this.place.root) return true;
    return (await this.stat())?.type === 'dir';
  }

  async getInternalMembers(user: User): Promise<Resource[]> {
    if (this.place.root) {
      const only = (user as DavUser).password?.export;
      const names = (await this.adapter.exportNames()).filter((name) => only === undefined || name === only);
      return names.map((name) => new DavResource(this.adapter, this.baseUrl, this.adapter.place([name])));
    }
    const { ref, path, export: exportName } = this.place;
    if (!(await this.isCollection())) throw new MethodNotSupportedError('This is not a collection.');
    let listing;
    try {
      listing = await listAll(ref, path);
    } catch (error) {
      throw davError(error);
    }
    return listing.entries
      .filter((entry) => entry.type === 'file' || entry.type === 'dir')
      .map(
        (entry) =>
          new DavResource(this.adapter, this.baseUrl, { root: false, export: exportName, ref, path: path === '' ? entry.name : `${path}/${entry.name}` }, false, {
            type: entry.type,
            size: entry.size,
            mtime: entry.mtime,
          }),
      );
  }
}

/** The live properties from the stat, the dead ones from the store. */
class DavProperties implements Properties {
  constructor(readonly resource: DavResource) {}

  async get(name: string): Promise<string | object | object[] | undefined> {
    const known = await this.resource.stat();
    switch (name) {
      case 'creationdate':
        return new Date(known?.mtime ?? 0).toISOString();
      case 'getcontentlength':
        return `${await this.resource.getLength()}`;
      case 'getcontenttype': {
        const type = await this.resource.getMediaType();
        if (type === null) throw new PropertyNotFoundError(`${name} property doesn't exist on resource.`);
        return type;
      }
      case 'getetag':
        return `"${await this.resource.getEtag()}"`;
      case 'getlastmodified':
        return new Date(known?.mtime ?? 0).toUTCString();
      case 'resourcetype':
        return (await this.resource.isCollection()) ? { collection: {} } : {};
      case 'supportedlock':
        return {
          lockentry: [
            { lockscope: { exclusive: {} }, locktype: { write: {} } },
            { lockscope: { shared: {} }, locktype: { write: {} } },
          ],
        };
      case 'displayname':
        return await this.resource.getCanonicalName();
    }
    const props = this.resource.adapter.store.propsOf(this.resource.key);
    if (!Object.hasOwn(props, name)) throw new PropertyNotFoundError(`${name} property doesn't exist on resource.`);
    return props[name] as string | object;
  }

  getByUser(name: string): Promise<string | object | object[] | undefined> {
    return this.get(name);
  }

  async set(name: string, value: unknown): Promise<void> {
    const errors = await this.runInstructions([['set', name, value]]);
    if (errors?.length) throw errors[0]![1];
  }

  setByUser(name: string, value: unknown): Promise<void> {
    return this.set(name, value);
  }

  async remove(name: string): Promise<void> {
    const errors = await this.runInstructions([['remove', name, undefined]]);
    if (errors?.length) throw errors[0]![1];
  }

  removeByUser(name: string): Promise<void> {
    return this.remove(name);
  }

  /** All or nothing (RFC 4918 §9.2): a protected property among them fails the lot. */
  async runInstructions(instructions: ['set' | 'remove', string, unknown][]): Promise<undefined | [string, Error][]> {
    const protectedOnes = instructions.filter(([, name]) => LIVE.includes(name));
    if (protectedOnes.length > 0) return protectedOnes.map(([, name]) => [name, new PropertyIsProtectedError(`${name} is a protected property.`)]);
    const props = this.resource.adapter.store.propsOf(this.resource.key);
    for (const [action, name, value] of instructions) {
      if (action === 'set') props[name] = value;
      else delete props[name];
    }
    await this.resource.adapter.store.setProps(this.resource.key, props);
    return undefined;
  }

  runInstructionsByUser(instructions: ['set' | 'remove', string, unknown][]): Promise<undefined | [string, Error][]> {
    return this.runInstructions(instructions);
  }

  async getAll(): Promise<Record<string, string | object | object[]>> {
    const out: Record<string, string | object | object[]> = {};
    for (const name of await this.list()) {
      try {
        const value = await this.get(name);
        if (value !== undefined) out[name] = value;
      } catch (error) {
        if (!(error instanceof PropertyNotFoundError)) throw error;
      }
    }
    return out;
  }

  getAllByUser(): Promise<Record<string, string | object | object[]>> {
    return this.getAll();
  }

  async list(): Promise<string[]> {
    return [...(await this.listLive()), ...(await this.listDead())];
  }

  listByUser(): Promise<string[]> {
    return this.list();
  }

  async listLive(): Promise<string[]> {
    const collection = await this.resource.isCollection();
    return LIVE.filter((name) => !(collection && (name === 'getcontenttype' || name === 'getcontentlength')));
  }

  listLiveByUser(): Promise<string[]> {
    return this.listLive();
  }

  async listDead(): Promise<string[]> {
    return Object.keys(this.resource.adapter.store.propsOf(this.resource.key));
  }

  listDeadByUser(): Promise<string[]> {
    return this.listDead();
  }
}

/** A lock on one path, kept in the store. */
class DavLock implements Lock {
  token: string;
  date: Date;
  timeout: number;
  scope: 'exclusive' | 'shared';
  depth: '0' | 'infinity';
  provisional: boolean;
  owner: unknown;
  readonly username: string;

  constructor(
    readonly resource: DavResource,
    data: LockData,
  ) {
    this.token = data.token;
    this.date = new Date(data.date);
    this.timeout = data.timeout;
    this.scope = data.scope;
    this.depth = data.depth;
    this.provisional = data.provisional;
    this.owner = data.owner;
    this.username = data.username;
  }

  async save(): Promise<void> {
    this.resource.adapter.store.saveLock(this.resource.key, {
      token: this.token,
      username: this.username,
      date: this.date.getTime(),
      timeout: this.timeout,
      scope: this.scope,
      depth: this.depth,
      provisional: this.provisional,
      owner: this.owner,
    });
  }

  async delete(): Promise<void> {
    this.resource.adapter.store.deleteLock(this.resource.key, this.token);
  }
}

