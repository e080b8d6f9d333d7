import { ed25519 } from '@noble/curves/ed25519.js';
import type { NodeId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import { fromBase64url, toBase64url } from './base64url.js';

/**
 * A node's key pair. The id *is* the public key (base64url), so a peer that proves it holds the
 * secret key has proven its id, with no registry or certificate to trust.
 */
export interface NodeIdentity {
  /** Base64url (no padding) of the 32-byte Ed25519 public key: 43 URL-safe characters. */
  readonly id: NodeId;
  readonly publicKey: Uint8Array;
  /** The 32-byte Ed25519 secret key (seed). Persist it to keep the id; never send it. */
  readonly secretKey: Uint8Array;
  /** Ed25519 signature (64 bytes) of `message` with this identity's key. */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * Where Ed25519 signing and verification happen. The default is @noble/curves (JavaScript, every
 * platform); Node installs its native `node:crypto` backend (`glow/node`), ~15× faster on
 * verification, which matters once every request checks certificates and grant chains.
 */
export interface SignatureBackend {
  /** Signs with a 32-byte secret key (seed). */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification; false (never a throw) for anything malformed. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** The JavaScript backend: @noble/curves, audited and constant-time. */
export const nobleSignatures: SignatureBackend = {
  sign: (secretKey, message) => ed25519.sign(message, secretKey),
  verify: (publicKey, message, signature) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      // A public key that is not a curve point makes noble throw; it verifies nothing.
      return false;
    }
  },
};

let backend: SignatureBackend = nobleSignatures;

/** Makes `next` the backend every identity and verification uses from now on. */
export function useSignatureBackend(next: SignatureBackend): void {
  backend = next;
}

/**
 * An identity from a stored 32-byte secret key, or a fresh random one. Keys come from
 * @noble/curves (audited, constant-time); nothing cryptographic is written here.
 * Throws `badarg` for a secret key that is not 32 bytes.
 */
export function createIdentity(secretKey?: Uint8Array): NodeIdentity {
  if (secretKey !== undefined && (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)) {
    throw new GlowError('badarg', 'an Ed25519 secret key is 32 bytes');
  }
  const secret = secretKey ? Uint8Array.from(secretKey) : ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secret);
  return Object.freeze({
    id: toBase64url(publicKey),
    publicKey,
    secretKey: secret,
    sign: (message: Uint8Array) => backend.sign(secret, message),
  });
}

/** The public key a node id names; undefined when `id` is not the canonical form of 32 bytes. */
export function publicKeyOf(id: NodeId): Uint8Array | undefined {
  if (typeof id !== 'string' || id.length !== 43) return undefined;
  const key = fromBase64url(id);
  return key?.length === 32 ? key : undefined;
}

/**
 * True when `signature` is `id`'s signature of `message`. Never throws: ids, messages and
 * signatures arrive from the wire, and anything malformed is simply not a valid signature.
 * Verification is strict RFC 8032 (`zip215: false`), so no second encoding of a key or
 * signature is accepted.
 */
export function verifySignature(id: NodeId, message: Uint8Array, signature: Uint8Array): boolean {
  const key = publicKeyOf(id);
  if (!key || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64) {
    return false;
  }
  return backend.verify(key, message, signature);
}
