import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ciphers } from './ciphers.js';
import { transcript, type Party } from './handshake.js';

/** The two ChaCha20-Poly1305 keys of an encrypted link, as one side uses them. */
export interface LinkKeys {
  /** Seals what we send. */
  send: Uint8Array;
  /** Opens what the peer sends. */
  receive: Uint8Array;
}

/** Domain separation of the key derivation: these keys are for links, nothing else. */
const KEY_INFO = new TextEncoder().encode('glow link keys v1');
const KEY_BYTES = 32;

/**
 * The keys of an encrypted link, from our ephemeral secret and the peer's ephemeral public key:
 * HKDF-SHA256 of their X25519 secret, salted with the hash of the handshake transcript (both
 * ids, nonces and ephemeral keys and the channel binding), so the keys belong to this very
 * handshake. The transcript is taken in one order both sides agree on (the smaller id first);
 * the first 32 bytes key the direction from that side, the next 32 the other, so no key and
 * nonce pair ever seals twice. Undefined when the peer's key is a low-order point (the secret
 * would be all zeros, known to anyone).
 */
export function deriveLinkKeys(ownSecret: Uint8Array, binding: string, own: Party, peer: Party): LinkKeys | undefined {
  if (!peer.eph) return undefined;
  const shared = ciphers().dh(ownSecret, peer.eph);
  if (!shared) return undefined;
  const weAreFirst = own.id < peer.id;
  const salt = sha256(weAreFirst ? transcript(binding, own, peer) : transcript(binding, peer, own));
  const okm = hkdf(sha256, shared, salt, KEY_INFO, 2 * KEY_BYTES);
  shared.fill(0);
  const fromFirst = okm.slice(0, KEY_BYTES);
  const fromSecond = okm.slice(KEY_BYTES);
  okm.fill(0);
  return weAreFirst ? { send: fromFirst, receive: fromSecond } : { send: fromSecond, receive: fromFirst };
}
