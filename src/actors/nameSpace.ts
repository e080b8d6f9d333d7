import type { NodeId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import { publicKeyOf } from '../transport/identity.js';

/**
 * How a directory replica reads names: what a typed name means (its key, the form claims travel
 * and are stored in), who may claim a key, and how a key is shown here. A node of no user has one
 * flat namespace ({@link flatNameSpace}); a node of a user reads names as `HANDLE/rest` in users'
 * namespaces (`trust/userNameSpace.ts`).
 */
export interface NameSpace {
  /** The key a name typed on this node means, or undefined when it can name nothing. */
  key(name: string): string | undefined;
  /** The key of a name this node registers; `denied` when it lies in a namespace not this node's. */
  claim(name: string): string;
  /** True when node `from` may claim `key` (checked on every claim a peer sends). */
  accepts(from: NodeId, key: string): boolean;
  /** How `key` is shown on this node (what `list` answers; typing it back resolves it). */
  show(key: string): string;
}

/** One namespace for the whole mesh, as before users: any node claims any name. */
export const flatNameSpace: NameSpace = {
  key: (name) => name,
  claim: (name) => name,
  accepts: () => true,
  show: (key) => key,
};

/**
 * True when `text` reads as a resource id or a node id: `glow:…`, or a first segment that is a
 * node id (a public key, or this node's own id). Such text is never a name, so no name can
 * shadow the resource or node a person meant (`glow cat NODE/ID/…` reaches that node, whatever
 * anyone registered).
 */
export function looksLikeId(text: string, self: NodeId): boolean {
  if (text.startsWith('glow:')) return true;
  const slash = text.indexOf('/');
  const first = slash < 0 ? text : text.slice(0, slash);
  return first === self || publicKeyOf(first) !== undefined;
}

/** Refuses a name to register: empty, too long, or one that reads as an id ({@link looksLikeId}). */
export function checkName(name: string, self: NodeId): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new GlowError('badarg', 'a name has 1–200 characters');
  if (looksLikeId(name, self)) throw new GlowError('denied', `${JSON.stringify(name.slice(0, 100))} reads as a resource or node id; a name may not shadow one`, { reason: 'shadows an id' });
}
