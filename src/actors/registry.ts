import { GlowError } from '../firefly/errors.js';
import { formatResourceId, type ResourceId } from '../firefly/address.js';

const NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * Local names → resources. One name names one resource; a name is free again as soon as its
 * resource ends. The mesh-wide name directory keeps these semantics and adds replication.
 * Names are stored in a Map, never on an object, so `__proto__` is just a name.
 */
export class Registry {
  private readonly byName = new Map<string, ResourceId>();
  private readonly byResource = new Map<string, Set<string>>();

  /** Names `id`. Fails with `badarg` for a malformed name, `denied` when it names another resource. */
  register(name: string, id: ResourceId): void {
    if (name.length > 200 || !NAME.test(name)) throw new GlowError('badarg', `not a valid name: ${JSON.stringify(name.slice(0, 200))}`);
    const current = this.byName.get(name);
    if (current) {
      if (current.node === id.node && current.local === id.local) return;
      throw new GlowError('denied', `the name ${name} is taken by ${formatResourceId(current)}`);
    }
    this.byName.set(name, id);
    const key = formatResourceId(id);
    let names = this.byResource.get(key);
    if (!names) this.byResource.set(key, (names = new Set()));
    names.add(name);
  }

  /** Frees a name; true when it was registered. */
  unregister(name: string): boolean {
    const id = this.byName.get(name);
    if (!id) return false;
    this.byName.delete(name);
    const key = formatResourceId(id);
    const names = this.byResource.get(key);
    names?.delete(name);
    if (names?.size === 0) this.byResource.delete(key);
    return true;
  }

  /** The resource a name names, if any. */
  whereis(name: string): ResourceId | undefined {
    return this.byName.get(name);
  }

  /** The names of one resource (from the index, not a scan of every name). */
  namesOf(id: ResourceId): string[] {
    const names = this.byResource.get(formatResourceId(id));
    return names ? [...names] : [];
  }

  /** Every name with its resource. */
  entries(): [string, ResourceId][] {
    return [...this.byName];
  }

  /** Drops every name of a resource that ended. */
  forget(id: ResourceId): void {
    const key = formatResourceId(id);
    const names = this.byResource.get(key);
    if (!names) return;
    for (const name of names) this.byName.delete(name);
    this.byResource.delete(key);
  }
}
