import { nanoid } from 'nanoid';
import { GlowError } from './errors.js';

/**
 * A node's id: printable, URL-safe. The mesh derives it from the node's public key; until then
 * any string of 1–64 URL-safe characters names a node.
 */
export type NodeId = string;

/** A resource's globally unique id: the node that owns it plus a part unique on that node. */
export interface ResourceId {
  readonly node: NodeId;
  readonly local: string;
}

/** The local id of every node's own Node resource. */
export const NODE_RESOURCE = 'node';

const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `text` can be a node id or a local resource id. */
export function isIdSegment(text: unknown): text is string {
  return typeof text === 'string' && SEGMENT.test(text);
}

/** A fresh local id (nanoid: 21 URL-safe characters, 126 random bits). */
export function newLocalId(): string {
  return nanoid();
}

/** `glow://<node>/<local>`. */
export function formatResourceId(id: ResourceId): string {
  return `glow://${id.node}/${id.local}`;
}

/** Parses `glow://<node>/<local>`; throws `badarg` for anything else. */
export function parseResourceId(text: string): ResourceId {
  if (typeof text !== 'string') throw new GlowError('badarg', 'a resource id must be a string');
  const match = /^glow:\/\/([^/]+)\/([^/]+)$/.exec(text);
  if (!match || !isIdSegment(match[1]) || !isIdSegment(match[2])) {
    throw new GlowError('badarg', `not a resource id: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { node: match[1], local: match[2] };
}

/** True when two ids name the same resource. */
export function sameResource(a: ResourceId, b: ResourceId): boolean {
  return a.node === b.node && a.local === b.local;
}
