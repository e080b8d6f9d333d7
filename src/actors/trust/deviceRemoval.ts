import type { NodeId } from '../../firefly/address.js';
import { decodeValue, encodeValue } from '../../firefly/codec.js';
import { GlowError } from '../../firefly/errors.js';
import { decodeCertificate, encodeCertificate, verifySigner, type DeviceCertificate, type UserId } from '../../transport/certificate.js';
import { publicKeyOf, verifySignature, type NodeIdentity } from '../../transport/identity.js';

/**
 * A user's signed word that a node is no longer one of their devices: signed by the user key, or
 * by an admin device whose certificate comes along. Every node that hears it refuses the removed
 * device's certificate from then on and drops its links.
 */
export interface DeviceRemoval {
  readonly user: UserId;
  readonly node: NodeId;
  /** When, ms since the epoch. */
  readonly at: number;
  /** The user id, or the admin device that signed (its certificate is `signerCert`). */
  readonly signer: string;
  readonly signerCert?: DeviceCertificate;
  readonly signature: Uint8Array;
}

const CONTEXT = 'glow device removal v1';

function signedBytes(removal: Omit<DeviceRemoval, 'signature'>): Uint8Array {
  return encodeValue([CONTEXT, removal.user, removal.node, removal.at, removal.signer]);
}

/** Signs a removal with the user key, or with an admin device's key and its certificate. */
export function removeDevice(user: UserId, node: NodeId, at: number, signer: NodeIdentity, signerCert?: DeviceCertificate): DeviceRemoval {
  const unsigned = { user, node, at, signer: signer.id, ...(signerCert ? { signerCert } : {}) };
  return { ...unsigned, signature: signer.sign(signedBytes(unsigned)) };
}

/**
 * Checks a removal at `now`: signed by its user, or by an admin device of that user whose
 * certificate is valid. An admin device cannot be removed by itself.
 */
export function verifyRemoval(removal: DeviceRemoval, now: number): true | { refused: string } {
  if (!publicKeyOf(removal.user) || !publicKeyOf(removal.node) || !Number.isSafeInteger(removal.at)) return { refused: 'malformed removal' };
  if (!(removal.signature instanceof Uint8Array) || removal.signature.length !== 64) return { refused: 'malformed removal' };
  const signer = verifySigner(removal.user, removal.signer, removal.signerCert, now);
  if ('refused' in signer) return signer;
  if (signer.device && !signer.device.roles.includes('admin')) return { refused: 'signed by a device that is not an admin of this user' };
  if (signer.device?.node === removal.node) return { refused: 'a device cannot remove itself' };
  if (!verifySignature(removal.signer, signedBytes(removal), removal.signature)) return { refused: 'removal signature does not verify' };
  return true;
}

/** A removal as bytes, to spread and store. */
export function encodeRemoval(removal: DeviceRemoval): Uint8Array {
  return encodeValue([1, removal.user, removal.node, removal.at, removal.signer, removal.signerCert ? encodeCertificate(removal.signerCert) : null, removal.signature]);
}

/** Reads a removal from bytes; `badpacket` when it is not one (its signature is not checked here). */
export function decodeRemoval(bytes: Uint8Array): DeviceRemoval {
  let value: unknown;
  try {
    value = decodeValue(bytes, { maxPacketBytes: 8192, maxDepth: 3, maxStringBytes: 256 });
  } catch {
    throw new GlowError('badpacket', 'a device removal is not CBOR within its limits');
  }
  if (!Array.isArray(value) || value.length !== 7 || value[0] !== 1) throw new GlowError('badpacket', 'not a device removal');
  const [, user, node, at, signer, cert, signature] = value as unknown[];
  if (typeof user !== 'string' || typeof node !== 'string' || typeof at !== 'number' || typeof signer !== 'string' || !(signature instanceof Uint8Array)) {
    throw new GlowError('badpacket', 'malformed device removal');
  }
  if (cert !== null && !(cert instanceof Uint8Array)) throw new GlowError('badpacket', 'malformed device removal');
  return { user, node, at, signer, ...(cert ? { signerCert: decodeCertificate(cert) } : {}), signature };
}
