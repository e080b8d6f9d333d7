import { decodeValue, encodeValue } from '../firefly/codec.js';
import type { NodeId } from '../firefly/address.js';
import { publicKeyOf } from './identity.js';

/**
 * The link handshake's messages. Both sides run the same steps at once (there is no initiator):
 *
 * 1. send `hello { v, id, nonce, maxMessage, maxPacket, cert?, eph? }` with a fresh 32-byte nonce
 *    and, when we encrypt the link, a fresh X25519 ephemeral public key `eph`;
 * 2. on the peer's hello, send `auth`: our signature of {@link transcript} with us as signer;
 * 3. on the peer's auth, verify it against the id it claimed (the id is its public key), apply
 *    `expect` and the allow policy, and send `ready`;
 * 4. the link is up once we sent `ready` and received the peer's.
 *
 * The transcript binds both nonces (fresh: no replay), both ids, a fixed context string (no
 * reuse of a signature made for another purpose) and `channel.binding` (no relay in the middle:
 * a relay that splices two channels gives each side a different binding, so neither signature
 * verifies). The signer comes first, and a peer with our own id or our own nonce is refused, so
 * a reflected signature never verifies.
 *
 * Both ephemeral keys are in the transcript too: each side's signature vouches for the key it
 * offered and the one it received, so a relay that substitutes its own ephemeral key (to read
 * the link) makes both signatures fail. The link keys come from their Diffie-Hellman secret
 * (see `linkKeys.ts`); a relay that forwards the hellos untouched carries only ciphertext.
 */

/** Handshake protocol version carried in hello. */
export const HANDSHAKE_VERSION = 2;

/** Domain separation for the transcript signature. */
export const HANDSHAKE_CONTEXT = 'glow link handshake v2';

/** Length of a handshake nonce in bytes. */
export const NONCE_BYTES = 32;

/** Length of an X25519 ephemeral public key in bytes. */
export const EPHEMERAL_BYTES = 32;

/** Smallest message and packet limits a peer may announce: below this, framing cannot work. */
export const MIN_ANNOUNCED_LIMIT = 1024;

/** What a hello frame carries. */
export interface Hello {
  /** The id the peer claims; proven only by its auth. */
  id: NodeId;
  nonce: Uint8Array;
  /** Largest transport message the peer accepts. */
  maxMessage: number;
  /** Largest packet the peer accepts. */
  maxPacket: number;
  /** The peer's device certificate (see `certificate.ts`), when it is a device of a user. */
  cert?: Uint8Array;
  /** The peer's X25519 ephemeral public key: present when it encrypts the link. */
  eph?: Uint8Array;
}

/** Encodes our hello. */
export function encodeHello(hello: Hello): Uint8Array {
  return encodeValue({ v: HANDSHAKE_VERSION, ...hello });
}

// A hello is small (a certificate chain is at most a few KiB); these limits stop a hostile one
// before it costs anything.
const HELLO_LIMITS = { maxPacketBytes: 8192, maxDepth: 2, maxStringBytes: 128 };
const MAX_CERT_BYTES = 6144;

/** Decodes a peer's hello; returns why it is unacceptable as a string, never throws. */
export function decodeHello(payload: Uint8Array): Hello | string {
  let value: unknown;
  try {
    value = decodeValue(payload, HELLO_LIMITS);
  } catch {
    return 'malformed hello';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'malformed hello';
  const { v, id, nonce, maxMessage, maxPacket, cert, eph } = value as Record<string, unknown>;
  if (v !== HANDSHAKE_VERSION) return 'unsupported handshake version';
  if (typeof id !== 'string' || !publicKeyOf(id)) return 'hello id is not a node key';
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES) return 'malformed hello nonce';
  if (!isLimit(maxMessage) || !isLimit(maxPacket)) return 'malformed hello limits';
  if (cert !== undefined && (!(cert instanceof Uint8Array) || cert.length > MAX_CERT_BYTES)) return 'malformed hello certificate';
  if (eph !== undefined && (!(eph instanceof Uint8Array) || eph.length !== EPHEMERAL_BYTES)) return 'malformed hello ephemeral key';
  return { id, nonce, maxMessage, maxPacket, ...(cert === undefined ? {} : { cert }), ...(eph === undefined ? {} : { eph }) };
}

function isLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_ANNOUNCED_LIMIT && value <= 0xffffffff;
}

/** One side of the handshake as the transcript names it. */
export interface Party {
  id: NodeId;
  nonce: Uint8Array;
  /** Its ephemeral key; absent on a link it does not encrypt. */
  eph?: Uint8Array;
}

const utf8 = new TextEncoder();

const NO_KEY = new Uint8Array(0);

/**
 * The bytes `signer` signs: context, binding, signer id, nonce and ephemeral key, peer id, nonce
 * and ephemeral key (empty when absent), each length-prefixed (u32, big-endian) so no two field
 * splits give the same bytes.
 */
export function transcript(binding: string, signer: Party, peer: Party): Uint8Array {
  const fields = [
    utf8.encode(HANDSHAKE_CONTEXT),
    utf8.encode(binding),
    utf8.encode(signer.id),
    signer.nonce,
    signer.eph ?? NO_KEY,
    utf8.encode(peer.id),
    peer.nonce,
    peer.eph ?? NO_KEY,
  ];
  const out = new Uint8Array(fields.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const field of fields) {
    view.setUint32(at, field.length);
    out.set(field, at + 4);
    at += 4 + field.length;
  }
  return out;
}

/** True when two byte strings are equal (used on public nonces only; not constant-time). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
