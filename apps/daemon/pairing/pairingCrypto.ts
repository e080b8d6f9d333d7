/**
 * The cryptography of pairing, all of it from well-kept code: OPAQUE (RFC 9807, the
 * `@serenity-kit/opaque` build of opaque-ke) turns the invitation's short secret into a session
 * key shared by the inviter and the joiner — an eavesdropper or a man in the middle without the
 * code learns nothing and cannot test guesses offline — and WebCrypto's HKDF and AES-GCM seal
 * what travels under that key (the joiner's node id and name one way, its certificate the
 * other). Runs in Node 20 and in browsers alike.
 */
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
export type Direction = 'join request' | 'join answer';

const encoder = new TextEncoder();

// The key type is left to inference: Node names it webcrypto.CryptoKey, browsers CryptoKey.
async function aeadKey(sessionKey: string, session: string) {
  const secret = fromBase64url(sessionKey);
  if (!secret) throw new GlowError('badarg', 'the session key is not base64url');
  const base = await crypto.subtle.importKey('raw', new Uint8Array(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(session), info: encoder.encode('glow pairing v1') },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Seals `value` (JSON) under the session key: base64url of a fresh 12-byte IV and the ciphertext. */
export async function seal(sessionKey: string, session: string, direction: Direction, value: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await aeadKey(sessionKey, session);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(direction) }, key, encoder.encode(JSON.stringify(value)));
  const out = new Uint8Array(iv.length + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), iv.length);
  return toBase64url(out);
}

/** Opens what {@link seal} made; `denied` when it was not sealed under this key and direction. */
export async function open(sessionKey: string, session: string, direction: Direction, text: string): Promise<unknown> {
  const decoded = fromBase64url(text);
  // A copy on a plain ArrayBuffer: WebCrypto's types take no views of shared buffers.
  const bytes = decoded && new Uint8Array(decoded);
  if (!bytes || bytes.length < 12 + 16) throw new GlowError('badarg', 'a sealed message is base64url of an IV and a ciphertext');
  const key = await aeadKey(sessionKey, session);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: encoder.encode(direction) }, key, bytes.subarray(12));
  } catch {
    throw new GlowError('denied', 'the sealed message does not open under this session', { reason: 'bad seal' });
  }
  try {
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new GlowError('badarg', 'the sealed message is not JSON');
  }
}
