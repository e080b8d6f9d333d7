import { sha256 } from '@noble/hashes/sha2.js';
import type { NodeId } from '../../firefly/address.js';
import { decodeValue, encodeValue } from '../../firefly/codec.js';
import { GlowError } from '../../firefly/errors.js';
import { toBase64url } from '../../transport/base64url.js';
import { decodeCertificate, encodeCertificate, verifySigner, type DeviceCertificate, type UserId } from '../../transport/certificate.js';
import { publicKeyOf, verifySignature, type NodeIdentity } from '../../transport/identity.js';

/**
 * Grants: how one user lets another reach some of their resources. A grant is a signed,
 * expiring statement "issuer lets audience do abilities on subject"; the holder of a grant that
 * allows delegation may pass a narrower one on, with the parent grant inside. The node that
 * holds the resource checks the whole chain offline: every signature, that each link is issued
 * by the audience of its parent, and that no link is wider than its parent.
 */

/** Who a grant is for: a user (all their devices), or one device of that user. */
export interface GrantAudience {
  readonly user: UserId;
  readonly node?: NodeId;
}

/**
 * What a grant is about: one resource (by id, `node/local`) or one name, and optionally a path
 * prefix inside it (for file systems: `2026/` lets `2026/x` through and keeps `2025/` out).
 */
export interface GrantSubject {
  readonly resource?: string;
  readonly name?: string;
  /** Normalized prefix: segments without `.`, `..` or empty ones, no leading or trailing slash. */
  readonly path?: string;
}

/**
 * What a grant lets its audience do: `read` (members an interface marks as reading), `write`
 * (every member), and named methods besides.
 */
export interface GrantAbilities {
  readonly access?: 'read' | 'write';
  readonly methods?: readonly string[];
}

/** A grant, as signed and as it travels. */
export interface Grant {
  readonly issuer: UserId;
  readonly audience: GrantAudience;
  readonly subject: GrantSubject;
  readonly abilities: GrantAbilities;
  /** Valid from, ms since the epoch. */
  readonly notBefore: number;
  /** Valid until, ms since the epoch. */
  readonly expires: number;
  /** May the audience pass a narrower grant on? */
  readonly delegate: boolean;
  /** Makes two otherwise equal grants two grants (each can be revoked alone). */
  readonly nonce: string;
  /** The grant this one narrows, when it was delegated. */
  readonly parent?: Grant;
  /** The issuer's user id, or the node id of one of its devices (whose certificate is `signerCert`). */
  readonly signer: string;
  readonly signerCert?: DeviceCertificate;
  readonly signature: Uint8Array;
}

/** Domain separation: a grant signature is never mistaken for another signature. */
const CONTEXT = 'glow grant v1';
/** Longest delegation chain a holder checks. */
export const MAX_GRANT_CHAIN = 8;
const MAX_METHODS = 64;
const MAX_TEXT = 256;
const MEMBER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * A path prefix in normal form, or undefined when it cannot be one (`..`, a NUL, too long).
 * Empty segments and `.` are dropped, so `/2026/./` is `2026`.
 */
export function normalizeGrantPath(path: string): string | undefined {
  if (typeof path !== 'string' || path.length > 1024 || path.includes('\0')) return undefined;
  const segments: string[] = [];
  for (const segment of path.split(/[/\\]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    segments.push(segment);
  }
  return segments.join('/');
}

/** True when `path` (normalized) is `prefix` or lies under it. */
export function withinPath(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function signedBytes(grant: Omit<Grant, 'signature'>): Uint8Array {
  return encodeValue([CONTEXT, ...fieldsOf(grant), grant.parent ? grantId(grant.parent) : null, grant.signer]);
}

function fieldsOf(grant: Omit<Grant, 'signature'>): unknown[] {
  const { audience, subject, abilities } = grant;
  return [
    grant.issuer,
    [audience.user, audience.node ?? null],
    [subject.resource ?? null, subject.name ?? null, subject.path ?? null],
    [abilities.access ?? null, [...(abilities.methods ?? [])]],
    grant.notBefore,
    grant.expires,
    grant.delegate,
    grant.nonce,
  ];
}

const ids = new WeakMap<Grant, string>();

/**
 * A grant's id: `g` and the first 16 bytes of the SHA-256 of its bytes in base64url (23
 * characters). The letter keeps an id from starting with `-`, which a command line reads as an option.
 */
export function grantId(grant: Grant): string {
  let id = ids.get(grant);
  if (!id) {
    id = `g${toBase64url(sha256(encodeGrant(grant)).subarray(0, 16))}`;
    ids.set(grant, id);
  }
  return id;
}

/** What {@link issueGrant} needs besides the signer: a grant's fields (`delegate` defaults to false). */
export type GrantFields = Omit<Grant, 'delegate' | 'signer' | 'signerCert' | 'signature'> & { readonly delegate?: boolean };

/**
 * Signs a grant with the issuer's user key, or with a device of the issuer (`signerCert` is
 * that device's certificate). `badarg` for a grant no holder would accept, a delegation wider
 * than its parent included.
 */
export function issueGrant(fields: GrantFields, signer: NodeIdentity, signerCert?: DeviceCertificate): Grant {
  const path = fields.subject.path === undefined ? undefined : normalizeGrantPath(fields.subject.path);
  if (fields.subject.path !== undefined && path === undefined) throw new GlowError('badarg', 'a grant path may not contain ".."');
  const { resource, name } = fields.subject;
  const subject: GrantSubject = { ...(resource !== undefined ? { resource } : {}), ...(name !== undefined ? { name } : {}), ...(path ? { path } : {}) };
  const methods = fields.abilities.methods ? [...new Set(fields.abilities.methods)].sort() : undefined;
  const abilities = { ...(fields.abilities.access ? { access: fields.abilities.access } : {}), ...(methods?.length ? { methods } : {}) };
  const unsigned: Omit<Grant, 'signature'> = {
    ...fields,
    subject,
    abilities,
    delegate: fields.delegate ?? false,
    signer: signer.id,
    ...(signerCert ? { signerCert } : {}),
  };
  const problem = shapeProblem({ ...unsigned, signature: new Uint8Array(64) }) ?? (fields.parent ? narrowingProblem(unsigned, fields.parent) : undefined);
  if (problem) throw new GlowError('badarg', `cannot issue this grant: ${problem}`);
  if (signerCert ? signerCert.node !== signer.id || signerCert.user !== fields.issuer : signer.id !== fields.issuer) {
    throw new GlowError('badarg', 'the signer must be the issuer or a device of the issuer with its certificate');
  }
  return { ...unsigned, signature: signer.sign(signedBytes(unsigned)) };
}

function isText(value: unknown, max = MAX_TEXT): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

/** Why a grant is not shaped as one, or undefined. */
function shapeProblem(grant: Grant): string | undefined {
  if (!publicKeyOf(grant.issuer)) return 'the issuer is not a user id';
  if (!grant.audience || !publicKeyOf(grant.audience.user)) return 'the audience is not a user id';
  if (grant.audience.node !== undefined && !publicKeyOf(grant.audience.node)) return 'the audience device is not a node id';
  if (grant.audience.user === grant.issuer) return 'a grant is for another user';
  const { subject, abilities } = grant;
  if (!subject || (subject.resource === undefined) === (subject.name === undefined)) return 'the subject names one resource or one name';
  if (subject.resource !== undefined && !isText(subject.resource)) return 'malformed subject';
  if (subject.name !== undefined && !isText(subject.name)) return 'malformed subject';
  if (subject.path !== undefined && (!isText(subject.path, 1024) || normalizeGrantPath(subject.path) !== subject.path)) return 'malformed subject path';
  if (!abilities || (abilities.access !== undefined && abilities.access !== 'read' && abilities.access !== 'write')) return 'malformed abilities';
  const methods = abilities.methods ?? [];
  if (!Array.isArray(methods) || methods.length > MAX_METHODS || !methods.every((m) => typeof m === 'string' && MEMBER.test(m))) return 'malformed methods';
  if (!abilities.access && methods.length === 0) return 'a grant allows something';
  if (!Number.isSafeInteger(grant.notBefore) || !Number.isSafeInteger(grant.expires) || grant.expires <= grant.notBefore) return 'malformed dates';
  if (typeof grant.delegate !== 'boolean' || !isText(grant.nonce, 64)) return 'malformed grant';
  if (!publicKeyOf(grant.signer)) return 'the signer is not a key';
  if (!(grant.signature instanceof Uint8Array) || grant.signature.length !== 64) return 'malformed signature';
  return undefined;
}

const RANK = { undefined: 0, read: 1, write: 2 } as const;

/** Why `child` is wider than `parent` (or not issued by the parent's audience), or undefined. */
function narrowingProblem(child: Omit<Grant, 'signature'>, parent: Grant): string | undefined {
  if (!parent.delegate) return 'the parent grant does not allow delegation';
  if (child.issuer !== parent.audience.user) return 'a delegated grant is issued by the audience of its parent';
  if (parent.audience.node !== undefined && child.signer !== parent.audience.node) return 'the parent grant is for another device';
  const { subject: s, abilities: a } = child;
  const { subject: ps, abilities: pa } = parent;
  if (s.resource !== ps.resource || s.name !== ps.name) return 'a delegated grant is about the same resource as its parent';
  if (ps.path !== undefined && (s.path === undefined || !withinPath(s.path, ps.path))) return 'a delegated grant reaches outside its parent path';
  if (RANK[`${a.access}`] > RANK[`${pa.access}`]) return 'a delegated grant allows more than its parent';
  const parentMethods = new Set(pa.methods ?? []);
  if (pa.access !== 'write' && (a.methods ?? []).some((m) => !parentMethods.has(m))) return 'a delegated grant allows methods its parent does not';
  if (child.expires > parent.expires || child.notBefore < parent.notBefore) return 'a delegated grant outlives its parent';
  return undefined;
}

/** What a verified chain says: the grants from the root (issued by the resource's user) to the leaf. */
export interface VerifiedGrant {
  /** Root first. */
  readonly chain: readonly Grant[];
  /** The user who owns what the chain is about. */
  readonly owner: UserId;
  /** When the first link of the chain expires. */
  readonly expires: number;
  readonly notBefore: number;
}

/**
 * Checks a grant and its parents offline at `now`: shape, signatures (each by its issuer's key or
 * a device of the issuer whose certificate verifies and was not removed), that each link is issued
 * by its parent's audience and is no wider than its parent. Dates are checked against `now` only
 * for certificates; a grant's own validity window is in the answer (a cached verdict outlives a
 * moment). Never throws: grants come from the wire.
 */
export function verifyGrant(grant: Grant, now: number, removed?: (node: NodeId) => boolean): VerifiedGrant | { refused: string } {
  const chain: Grant[] = [];
  for (let current: Grant | undefined = grant; current; current = current.parent) {
    if (chain.length >= MAX_GRANT_CHAIN) return { refused: 'grant chain too long' };
    chain.unshift(current);
  }
  let expires = Infinity;
  let notBefore = -Infinity;
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    const problem = shapeProblem(link) ?? (i > 0 ? narrowingProblem(link, chain[i - 1]!) : undefined);
    if (problem) return { refused: problem };
    const signer = verifySigner(link.issuer, link.signer, link.signerCert, now, removed);
    if ('refused' in signer) return signer;
    if (!verifySignature(link.signer, signedBytes(link), link.signature)) return { refused: 'grant signature does not verify' };
    expires = Math.min(expires, link.expires);
    notBefore = Math.max(notBefore, link.notBefore);
  }
  return { chain, owner: chain[0]!.issuer, expires, notBefore };
}

/** True when `result` is a verified grant. */
export function isVerifiedGrant(result: VerifiedGrant | { refused: string }): result is VerifiedGrant {
  return !('refused' in result);
}

/**
 * Each grant's canonical bytes, encoded once: a grant's id is their hash and a child carries its
 * parent as them, so that checking a chain encodes each link once.
 */
const encoded = new WeakMap<Grant, Uint8Array>();

/** A grant as bytes (CBOR), to send and store: its parent inside as its own bytes. */
export function encodeGrant(grant: Grant): Uint8Array {
  let bytes = encoded.get(grant);
  if (!bytes) {
    const wire = [1, ...fieldsOf(grant), grant.parent ? encodeGrant(grant.parent) : null, grant.signer, grant.signerCert ? encodeCertificate(grant.signerCert) : null, grant.signature];
    bytes = encodeValue(wire);
    encoded.set(grant, bytes);
  }
  return bytes;
}

const LIMITS = { maxPacketBytes: 64 * 1024, maxDepth: 4, maxStringBytes: 4096 };

/** Reads a grant from bytes; `badpacket` when it is not one (signatures are not checked here). */
export function decodeGrant(bytes: Uint8Array, depth = 0): Grant {
  if (depth >= MAX_GRANT_CHAIN) throw new GlowError('badpacket', 'grant chain too long');
  let value: unknown;
  try {
    value = decodeValue(bytes, LIMITS);
  } catch {
    throw new GlowError('badpacket', 'a grant is not CBOR within its limits');
  }
  // Not remembered as its bytes: an id must not depend on how a peer chose to encode the grant
  // (a revoked grant sent again in another encoding would otherwise get a new id).
  return fromWire(value, depth);
}

function optional<T>(value: unknown, check: (v: unknown) => v is T): T | undefined {
  if (value === null) return undefined;
  if (!check(value)) throw new GlowError('badpacket', 'malformed grant');
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';

function fromWire(value: unknown, depth: number): Grant {
  if (!Array.isArray(value) || value.length !== 13 || value[0] !== 1) throw new GlowError('badpacket', 'not a grant');
  const [, issuer, audience, subject, abilities, notBefore, expires, delegate, nonce, parent, signer, cert, signature] = value as unknown[];
  if (!Array.isArray(audience) || audience.length !== 2 || !Array.isArray(subject) || subject.length !== 3 || !Array.isArray(abilities) || abilities.length !== 2) {
    throw new GlowError('badpacket', 'malformed grant');
  }
  const [resource, name, path] = subject as unknown[];
  const [access, methods] = abilities as unknown[];
  const node = optional(audience[1], isString);
  const grant = {
    issuer,
    audience: { user: audience[0], ...(node !== undefined ? { node } : {}) },
    subject: {
      ...(resource !== null ? { resource: optional(resource, isString) } : {}),
      ...(name !== null ? { name: optional(name, isString) } : {}),
      ...(path !== null ? { path: optional(path, isString) } : {}),
    },
    abilities: { ...(access !== null ? { access } : {}), ...(Array.isArray(methods) && methods.length > 0 ? { methods } : {}) },
    notBefore,
    expires,
    delegate,
    nonce,
    ...(parent !== null ? { parent: decodeGrant(optional(parent, (v): v is Uint8Array => v instanceof Uint8Array)!, depth + 1) } : {}),
    signer,
    ...(cert !== null ? { signerCert: decodeCertificate(optional(cert, (v): v is Uint8Array => v instanceof Uint8Array)!) } : {}),
    signature,
  } as Grant;
  if (!Array.isArray(methods)) throw new GlowError('badpacket', 'malformed grant');
  const problem = shapeProblem(grant);
  if (problem) throw new GlowError('badpacket', `malformed grant: ${problem}`);
  return grant;
}
