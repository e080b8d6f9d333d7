import type { NodeId } from '../firefly/address.js';
import { decodeValue, encodeValue } from '../firefly/codec.js';
import { GlowError } from '../firefly/errors.js';
import { toBase64url } from './base64url.js';
import { publicKeyOf, verifySignature, type NodeIdentity } from './identity.js';

/**
 * Users and their devices. A user is an Ed25519 key pair whose public key (base64url, like a
 * node id) is the user id and names the user's namespace. A device is a node with a
 * certificate: the user's key — or a device holding the `admin` role, whose own certificate
 * comes along as `parent` — signs that node id X belongs to user U, under a name, with roles,
 * until a date. Every node can check a certificate offline; links present them, so every
 * node knows the (user, device) of each peer.
 *
 * A device whose key cannot sign synchronously or leave its store (a browser tab's
 * non-extractable WebCrypto key) is certified under that *device key*, and runs as a node whose
 * key lives in memory only: the device key signs a short-lived *delegation* to that node — a
 * certificate marked `delegated`, with the device's certificate as `parent` — so the node's
 * secret is worth a day at most, and the device outlives every node it runs as.
 */

/** A user id: the base64url of the user's Ed25519 public key (43 characters). */
export type UserId = string;

/** What a device may do for its user: an admin device also pairs, removes and renews devices. */
export type DeviceRole = 'admin' | 'member';

/** A device certificate, as signed and as it travels. */
export interface DeviceCertificate {
  readonly user: UserId;
  readonly node: NodeId;
  /** The device's name: the host name, or a tab's browser and OS. */
  readonly name: string;
  readonly roles: readonly DeviceRole[];
  /** When it was signed, ms since the epoch. */
  readonly issued: number;
  /** When it stops being valid, ms since the epoch. */
  readonly expires: number;
  /** Who signed it: the user id, or the node id of an admin device whose certificate is `parent`. */
  readonly signer: string;
  readonly parent?: DeviceCertificate;
  /**
   * A delegation: `signer` is the device key `parent` certifies, which vouches for `node` with
   * the parent's user, name and roles, for at most {@link MAX_DELEGATION} ms.
   */
  readonly delegated?: true;
  readonly signature: Uint8Array;
}

/** What a valid certificate says. */
export interface Device {
  readonly user: UserId;
  readonly node: NodeId;
  readonly name: string;
  readonly roles: readonly DeviceRole[];
  readonly expires: number;
  /** The device key that delegated to `node` (a tab's), when the certificate is a delegation: what stays the same device across the nodes it runs as. */
  readonly key?: NodeId;
}

/** Domain separation: a certificate signature can never be mistaken for another signature, nor a delegation's for a certificate's. */
const CONTEXT = 'glow device certificate v1';
const DELEGATION_CONTEXT = 'glow device delegation v1';
/** Longest a delegation may last: a node key taken from a page's memory is worth a day at most. */
export const MAX_DELEGATION = 24 * 3_600_000;
/** Longest chain of admin devices signing for one another. */
const MAX_CHAIN = 4;
/** How far a peer's clock may run ahead of ours before its fresh certificate looks "not yet issued". */
const CLOCK_SKEW = 5 * 60_000;
const ROLES: readonly DeviceRole[] = ['admin', 'member'];
const MAX_NAME = 128;

function signedBytes(cert: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  return encodeValue([cert.delegated ? DELEGATION_CONTEXT : CONTEXT, cert.user, cert.node, cert.name, [...cert.roles], cert.issued, cert.expires, cert.signer, cert.parent?.signature ?? null]);
}

/** What {@link issueCertificate} needs besides the signer. */
export interface CertificateFields {
  readonly user: UserId;
  readonly node: NodeId;
  readonly name: string;
  readonly roles: readonly DeviceRole[];
  readonly issued: number;
  readonly expires: number;
}

/**
 * Signs a certificate with the user's key, or with an admin device's key (`signer`) whose own
 * certificate is `parent`. `badarg` for fields no verifier would accept.
 */
export function issueCertificate(fields: CertificateFields, signer: NodeIdentity, parent?: DeviceCertificate): DeviceCertificate {
  const unsigned = { ...fields, roles: [...new Set(fields.roles)].sort(), signer: signer.id, ...(parent ? { parent } : {}) };
  const problem = shapeProblem({ ...unsigned, signature: new Uint8Array(64) });
  if (problem) throw new GlowError('badarg', `cannot issue this certificate: ${problem}`);
  if (parent ? parent.node !== signer.id : signer.id !== fields.user) throw new GlowError('badarg', 'the signer must be the user or the device of the parent certificate');
  return { ...unsigned, signature: signer.sign(signedBytes(unsigned)) };
}

/** A delegation of {@link delegationToSign}, before its signature. */
export type UnsignedDelegation = Omit<DeviceCertificate, 'signature'> & { readonly delegated: true; readonly parent: DeviceCertificate };

/**
 * What a device key signs to delegate to `node` from `issued` on: the device's user, name and
 * roles, for {@link MAX_DELEGATION} ms or until `device` expires, whichever comes first. The
 * caller signs `bytes` with the device key (WebCrypto Ed25519) and hands the signature to
 * {@link delegationWith}. `badarg` when `device` is itself a delegation or has expired.
 */
export function delegationToSign(device: DeviceCertificate, node: NodeId, issued: number): { unsigned: UnsignedDelegation; bytes: Uint8Array } {
  if (device.delegated) throw new GlowError('badarg', 'a delegation cannot delegate');
  const expires = Math.min(issued + MAX_DELEGATION, device.expires);
  if (expires <= issued) throw new GlowError('badarg', 'the device certificate has expired');
  const unsigned: UnsignedDelegation = { user: device.user, node, name: device.name, roles: device.roles, issued, expires, signer: device.node, parent: device, delegated: true };
  return { unsigned, bytes: signedBytes(unsigned) };
}

/** The delegation `unsigned` with the device key's `signature` of its bytes (checked by verifiers, not here). */
export function delegationWith(unsigned: UnsignedDelegation, signature: Uint8Array): DeviceCertificate {
  return { ...unsigned, signature };
}

/** Why a certificate is refused, or undefined when it is shaped as one. */
function shapeProblem(cert: DeviceCertificate): string | undefined {
  if (!publicKeyOf(cert.user)) return 'the user is not a key';
  if (!publicKeyOf(cert.node)) return 'the node is not a key';
  if (typeof cert.name !== 'string' || cert.name.length === 0 || cert.name.length > MAX_NAME) return 'malformed name';
  if (!Array.isArray(cert.roles) || cert.roles.length === 0 || cert.roles.length > ROLES.length || !cert.roles.every((role) => ROLES.includes(role))) return 'malformed roles';
  if (!Number.isSafeInteger(cert.issued) || !Number.isSafeInteger(cert.expires) || cert.expires <= cert.issued) return 'malformed dates';
  if (typeof cert.signer !== 'string' || !publicKeyOf(cert.signer)) return 'the signer is not a key';
  if (!(cert.signature instanceof Uint8Array) || cert.signature.length !== 64) return 'malformed signature';
  if (cert.delegated !== undefined && cert.delegated !== true) return 'malformed delegation mark';
  return undefined;
}

/** Why a delegation (the certificate at the head of a chain) is refused, or undefined when it holds. */
function delegationProblem(cert: DeviceCertificate): string | undefined {
  const parent = cert.parent;
  if (!parent || parent.node !== cert.signer || cert.signer === cert.user) return 'a delegation is signed by the device key its parent certifies';
  if (parent.delegated) return 'a delegation cannot delegate';
  if (cert.name !== parent.name || cert.roles.join() !== parent.roles.join()) return "a delegation carries its device's name and roles";
  if (cert.expires - cert.issued > MAX_DELEGATION) return 'a delegation lasts a day at most';
  return undefined;
}

/**
 * Checks a certificate and every parent offline at time `now`: shape, dates, signatures, and
 * that each signer is the user or an admin device of the same user. `revoked` refuses devices
 * their user removed. Answers the device, or why the certificate is refused (never throws:
 * certificates arrive from the wire).
 */
export function verifyCertificate(cert: DeviceCertificate, now: number, revoked?: (node: NodeId) => boolean): Device | { refused: string } {
  // A certificate whose exact bytes verified before skips its signatures: every grant a device
  // signs carries the same certificate, and every announce repeats it. Dates and removals are
  // checked again each time.
  const key = cacheKey(cert);
  const signed = key !== undefined && verifiedSignatures.has(key);
  const result = walk(cert, now, revoked, !signed);
  if (key !== undefined && !signed && isDevice(result)) {
    if (verifiedSignatures.size >= VERIFIED_CACHE) verifiedSignatures.clear();
    verifiedSignatures.add(key);
  }
  return result;
}

/** Certificates (by their bytes) whose signatures verified: emptied whole when full. */
const verifiedSignatures = new Set<string>();
const VERIFIED_CACHE = 2048;

function cacheKey(cert: DeviceCertificate): string | undefined {
  try {
    // The whole certificate, not its signature alone: the same signature on changed fields is another certificate.
    return toBase64url(encodeCertificate(cert));
  } catch {
    return undefined;
  }
}

function walk(cert: DeviceCertificate, now: number, revoked: ((node: NodeId) => boolean) | undefined, checkSignatures: boolean): Device | { refused: string } {
  let current: DeviceCertificate | undefined = cert;
  for (let depth = 0; current; depth++) {
    if (depth >= MAX_CHAIN) return { refused: 'certificate chain too long' };
    const problem = shapeProblem(current);
    if (problem) return { refused: `malformed certificate: ${problem}` };
    if (current.user !== cert.user) return { refused: 'a parent certificate belongs to another user' };
    if (current.issued > now + CLOCK_SKEW) return { refused: 'certificate not yet valid' };
    if (current.expires <= now) return { refused: 'certificate expired' };
    if (revoked?.(current.node)) return { refused: 'device removed by its user' };
    if (current.delegated) {
      // A node that runs under a delegation certifies nothing: it is a device's stand-in for a day.
      if (depth > 0) return { refused: 'signed by a delegated node' };
      const problem = delegationProblem(current);
      if (problem) return { refused: problem };
    } else if (depth > 0 && !(depth === 1 && cert.delegated) && !current.roles.includes('admin')) {
      return { refused: 'signed by a device that is not an admin' };
    }
    if (checkSignatures && !verifySignature(current.signer, signedBytes(current), current.signature)) return { refused: 'certificate signature does not verify' };
    const parent: DeviceCertificate | undefined = current.parent;
    if (current.signer === current.user) {
      if (parent) return { refused: 'a certificate signed by its user has no parent' };
      break;
    }
    if (!parent || parent.node !== current.signer) return { refused: 'certificate signed by a device without its certificate' };
    current = parent;
  }
  const device = { user: cert.user, node: cert.node, name: cert.name, roles: cert.roles, expires: cert.expires };
  return cert.delegated ? { ...device, key: cert.signer } : device;
}

/**
 * Who signed a statement made for `user` (a grant, a revocation, a removal): the user's key
 * itself (answers `{}`), or one of the user's devices whose certificate `signerCert` verifies at
 * `now` and was not removed (answers that device). The statement's own signature is the
 * caller's to check.
 */
export function verifySigner(
  user: UserId,
  signer: string,
  signerCert: DeviceCertificate | undefined,
  now: number,
  revoked?: (node: NodeId) => boolean,
): { device?: Device } | { refused: string } {
  if (signer === user) return {};
  if (!signerCert || signerCert.node !== signer) return { refused: 'signed by a device without its certificate' };
  const device = verifyCertificate(signerCert, now, revoked);
  if (!isDevice(device)) return { refused: `the signer's certificate: ${device.refused}` };
  if (device.user !== user) return { refused: 'signed by a device of another user' };
  return { device };
}

/** True when `result` is a device (the certificate verified). */
export function isDevice(result: Device | { refused: string }): result is Device {
  return !('refused' in result);
}

/** A certificate as bytes (CBOR), to present in a handshake or store. */
export function encodeCertificate(cert: DeviceCertificate): Uint8Array {
  return encodeValue(toWire(cert));
}

// Version 2 is a delegation: the mark travels as the version, so no old reader takes one for a certificate.
function toWire(cert: DeviceCertificate): unknown[] {
  return [cert.delegated ? 2 : 1, cert.user, cert.node, cert.name, [...cert.roles], cert.issued, cert.expires, cert.signer, cert.parent ? toWire(cert.parent) : null, cert.signature];
}

// A certificate chain is small; these limits stop a hostile one before it costs anything.
const LIMITS = { maxPacketBytes: 4096, maxDepth: 2 + 2 * MAX_CHAIN, maxStringBytes: 256 };

/** Reads a certificate from bytes; `badpacket` when it is not one (its signature is not checked here). */
export function decodeCertificate(bytes: Uint8Array): DeviceCertificate {
  let value: unknown;
  try {
    value = decodeValue(bytes, LIMITS);
  } catch {
    throw new GlowError('badpacket', 'a certificate is not CBOR within its limits');
  }
  return fromWire(value, 0);
}

function fromWire(value: unknown, depth: number): DeviceCertificate {
  if (!Array.isArray(value) || value.length !== 10 || (value[0] !== 1 && value[0] !== 2) || depth >= MAX_CHAIN) throw new GlowError('badpacket', 'not a device certificate');
  const [version, user, node, name, roles, issued, expires, signer, parent, signature] = value as unknown[];
  const cert = {
    user,
    node,
    name,
    roles,
    issued,
    expires,
    signer,
    ...(parent === null ? {} : { parent: fromWire(parent, depth + 1) }),
    ...(version === 2 ? { delegated: true } : {}),
    signature,
  } as DeviceCertificate;
  const problem = shapeProblem(cert);
  if (problem) throw new GlowError('badpacket', `malformed certificate: ${problem}`);
  return cert;
}
