/**
 * The cryptography of pairing, all of it from well-kept code: OPAQUE (RFC 9807, the
 * `@serenity-kit/opaque` build of opaque-ke) turns the invitation's short secret into a session
 * key shared by the inviter and the joiner — an eavesdropper or a man in the middle without the
 * code learns nothing and cannot test guesses offline — and HKDF-SHA256 with
 * XChaCha20-Poly1305 from the audited @noble libraries seal what travels under that key (the
 * joiner's node id and name one way, its certificate the other).
 *
 * Why not WebCrypto: a phone opening `http://laptop:7717/join#…` is not a secure context, and
 * browsers give such pages no `crypto.subtle` (only `getRandomValues`). @noble is already what
 * signs and hashes for the core in browsers, so it adds no new kind of dependency.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as opaque from '@serenity-kit/opaque';
import { GlowError } from '../../../src/firefly/errors.js';
import { fromBase64url, toBase64url } from '../../../src/transport/base64url.js';

/**
 * OPAQUE's password hardening, on both sides alike. The light profile is enough: the password
 * can only be tested online against the inviter (three tries), and the record that a stronger
 * stretch would protect lives in the inviter's memory for minutes. The full RFC profile costs
 * 64 MiB of memory, too much for a phone's tab.
 */
export const KEY_STRETCHING = 'memory-constrained';

/** The OPAQUE library, once its WebAssembly is loaded. */
export async function loadOpaque(): Promise<typeof opaque> {
  await opaque.ready;
  return opaque;
}

/** Which way a sealed message goes: each direction has its own associated data. */
export type Direction = 'join request' | 'join answer' | 'friend request' | 'friend answer';

const encoder = new TextEncoder();
const NONCE = 24;

/** The AEAD key of one login: HKDF of OPAQUE's session key, salted with the login's session id. */
function aeadKey(sessionKey: string, session: string): Uint8Array {
  const secret = fromBase64url(sessionKey);
  if (!secret) throw new GlowError('badarg', 'the session key is not base64url');
  return hkdf(sha256, secret, encoder.encode(session), encoder.encode('glow pairing v1'), 32);
}

/** Seals `value` (JSON) under the session key: base64url of a fresh 24-byte nonce and the ciphertext. */
export function seal(sessionKey: string, session: string, direction: Direction, value: unknown): string {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE));
  const sealed = xchacha20poly1305(aeadKey(sessionKey, session), nonce, encoder.encode(direction)).encrypt(encoder.encode(JSON.stringify(value)));
  const out = new Uint8Array(NONCE + sealed.length);
  out.set(nonce);
  out.set(sealed, NONCE);
  return toBase64url(out);
}

/** Opens what {@link seal} made; `denied` when it was not sealed under this key and direction. */
export function open(sessionKey: string, session: string, direction: Direction, text: string): unknown {
  const bytes = fromBase64url(text);
  if (!bytes || bytes.length < NONCE + 16) throw new GlowError('badarg', 'a sealed message is base64url of a nonce and a ciphertext');
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(aeadKey(sessionKey, session), bytes.subarray(0, NONCE), encoder.encode(direction)).decrypt(bytes.subarray(NONCE));
  } catch {
    throw new GlowError('denied', 'the sealed message does not open under this session', { reason: 'bad seal' });
  }
  try {
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new GlowError('badarg', 'the sealed message is not JSON');
  }
}
