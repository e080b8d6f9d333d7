import { decodeValue, encodeValue } from '../../firefly/codec.js';
import { GlowError } from '../../firefly/errors.js';
import type { NodeId } from '../../firefly/address.js';
import { decodeCertificate, encodeCertificate, verifySigner, type DeviceCertificate, type UserId } from '../../transport/certificate.js';
import { publicKeyOf, verifySignature, type NodeIdentity } from '../../transport/identity.js';

/**
 * The issuer's signed word that one of its grants no longer holds. It names the grant by id and
 * is signed by the issuer's user key or one of its devices; a holder refuses every chain that
 * contains a revoked link, so revoking a grant also ends whatever was delegated from it.
 */
export interface GrantRevocation {
  /** The revoked grant's id (see `grantId`). */
  readonly grant: string;
  /** The user who issued that grant: only they can revoke it. */
  readonly issuer: UserId;
  /** When, ms since the epoch. */
  readonly at: number;
  readonly signer: string;
  readonly signerCert?: DeviceCertificate;
  readonly signature: Uint8Array;
}

const CONTEXT = 'glow grant revocation v1';
const GRANT_ID = /^g[A-Za-z0-9_-]{22}$/;

function signedBytes(revocation: Omit<GrantRevocation, 'signature'>): Uint8Array {
  return encodeValue([CONTEXT, revocation.grant, revocation.issuer, revocation.at, revocation.signer]);
}

/** Signs a revocation of grant `grant` issued by `issuer`, with the user key or a device's key and certificate. */
export function revokeGrant(grant: string, issuer: UserId, at: number, signer: NodeIdentity, signerCert?: DeviceCertificate): GrantRevocation {
  if (!GRANT_ID.test(grant)) throw new GlowError('badarg', `not a grant id: ${grant}`);
  const unsigned = { grant, issuer, at, signer: signer.id, ...(signerCert ? { signerCert } : {}) };
  return { ...unsigned, signature: signer.sign(signedBytes(unsigned)) };
}

/** Checks a revocation at `now`: signed by the issuer, or by a device of the issuer whose certificate verifies. */
export function verifyRevocation(revocation: GrantRevocation, now: number, removed?: (node: NodeId) => boolean): true | { refused: string } {
  if (!GRANT_ID.test(revocation.grant) || !publicKeyOf(revocation.issuer) || !Number.isSafeInteger(revocation.at)) return { refused: 'malformed revocation' };
  const signer = verifySigner(revocation.issuer, revocation.signer, revocation.signerCert, now, removed);
  if ('refused' in signer) return signer;
  if (!verifySignature(revocation.signer, signedBytes(revocation), revocation.signature)) return { refused: 'revocation signature does not verify' };
  return true;
}

/** A revocation as bytes, to spread and store. */
export function encodeRevocation(revocation: GrantRevocation): Uint8Array {
  const { grant, issuer, at, signer, signerCert, signature } = revocation;
  return encodeValue([1, grant, issuer, at, signer, signerCert ? encodeCertificate(signerCert) : null, signature]);
}

/** Reads a revocation from bytes; `badpacket` when it is not one (its signature is not checked here). */
export function decodeRevocation(bytes: Uint8Array): GrantRevocation {
  let value: unknown;
  try {
    value = decodeValue(bytes, { maxPacketBytes: 8192, maxDepth: 3, maxStringBytes: 256 });
  } catch {
    throw new GlowError('badpacket', 'a grant revocation is not CBOR within its limits');
  }
  if (!Array.isArray(value) || value.length !== 7 || value[0] !== 1) throw new GlowError('badpacket', 'not a grant revocation');
  const [, grant, issuer, at, signer, cert, signature] = value as unknown[];
  if (typeof grant !== 'string' || typeof issuer !== 'string' || typeof at !== 'number' || typeof signer !== 'string' || !(signature instanceof Uint8Array)) {
    throw new GlowError('badpacket', 'malformed grant revocation');
  }
  if (cert !== null && !(cert instanceof Uint8Array)) throw new GlowError('badpacket', 'malformed grant revocation');
  return { grant, issuer, at, signer, ...(cert ? { signerCert: decodeCertificate(cert) } : {}), signature };
}
