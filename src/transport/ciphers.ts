import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * The primitives sealed traffic is built from: ChaCha20-Poly1305 (IETF, 12-byte nonce, 16-byte
 * tag) and X25519. Nothing cryptographic is written here; this only picks who computes them.
 * The default is @noble (JavaScript, audited, every platform, including a phone's `http://`
 * page without WebCrypto); `glow/node` installs libsodium (`sodium-native`), ~15× faster on the
 * small messages a mesh mostly carries (measured 1 µs against 15 µs per 100-byte seal, and
 * node:crypto's 6 µs: its per-message cipher object costs more than the cipher).
 */
export interface CipherBackend {
  /** Encrypts and authenticates: ciphertext ‖ tag. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * As {@link CipherBackend.seal}, in place: `message` holds the plaintext followed by 16 bytes
   * of room, and ends up holding ciphertext ‖ tag. A link builds each message in the array it
   * sends, so sealing it costs no array and no copy.
   */
  sealInPlace(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, message: Uint8Array): void;
  /**
   * As {@link CipherBackend.open}, but the plaintext may be decrypted where the ciphertext lies
   * (the first bytes of `sealed`, which is then overwritten) rather than into a new array; only
   * once the tag verified. For a message the caller owns and reads no more (a link's received message).
   */
  openInPlace(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /** The plaintext, or undefined when the tag does not verify (never throws). */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /** X25519(secret, public); undefined for a public key that yields the all-zero secret (never throws). */
  dh(secret: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined;
  /** The X25519 public key of a secret key. */
  dhPublic(secret: Uint8Array): Uint8Array;
  /** The X25519 public key an Ed25519 public key maps to; undefined when it is not a curve point. */
  dhPublicOfIdentity(ed25519Public: Uint8Array): Uint8Array | undefined;
  /** SHA-256. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA-256. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Tag bytes added by {@link CipherBackend.seal}. */
export const TAG_BYTES = 16;

function isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const byte of bytes) acc |= byte;
  return acc === 0;
}

/** The JavaScript backend: @noble/ciphers and @noble/curves. */
export const nobleCiphers: CipherBackend = {
  seal: (key, nonce, aad, plaintext) => chacha20poly1305(key, nonce, aad).encrypt(plaintext),
  sealInPlace: (key, nonce, aad, message) => message.set(chacha20poly1305(key, nonce, aad).encrypt(message.subarray(0, message.length - TAG_BYTES))),
  open(key, nonce, aad, sealed) {
    if (sealed.length < TAG_BYTES) return undefined;
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
  openInPlace: (key, nonce, aad, sealed) => nobleCiphers.open(key, nonce, aad, sealed),
  dh(secret, publicKey) {
    if (publicKey.length !== 32) return undefined;
    try {
      const shared = x25519.getSharedSecret(secret, publicKey);
      return isZero(shared) ? undefined : shared;
    } catch {
      return undefined;
    }
  },
  dhPublic: (secret) => x25519.getPublicKey(secret),
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  dhPublicOfIdentity(ed25519Public) {
    try {
      return ed25519.utils.toMontgomery(ed25519Public);
    } catch {
      return undefined;
    }
  },
};

let backend: CipherBackend = nobleCiphers;

/** Makes `next` the backend every session and link uses from now on. */
export function useCipherBackend(next: CipherBackend): void {
  backend = next;
}

/** The backend in use. */
export function ciphers(): CipherBackend {
  return backend;
}

/** A fresh X25519 secret key. */
export function randomDhSecret(): Uint8Array {
  return x25519.utils.randomSecretKey();
}

/**
 * The X25519 key pair of an Ed25519 identity (the birational map, as libsodium's
 * `crypto_sign_ed25519_*_to_curve25519`): a node's id names its Ed25519 key, so anyone who knows
 * the id knows the static key a session with the node is keyed by, and no second key is kept.
 */
export function dhSecretOfIdentity(ed25519Secret: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(ed25519Secret);
}

/** The X25519 public key named by an Ed25519 public key; undefined when it is not a curve point. */
export function dhPublicOfIdentity(ed25519Public: Uint8Array): Uint8Array | undefined {
  return backend.dhPublicOfIdentity(ed25519Public);
}
