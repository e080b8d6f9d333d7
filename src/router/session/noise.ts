import { ciphers, randomDhSecret, TAG_BYTES } from '../../transport/ciphers.js';

/**
 * The Noise IK handshake (Noise_IK_25519_ChaChaPoly_SHA256, noiseprotocol.org rev. 34) between
 * two node keys:
 *
 *     <- s
 *     ...
 *     -> e, es, s, ss
 *     <- e, ee, se
 *
 * IK fits because a node id is its public key: the initiator always knows the responder's static
 * key before the first message, so a session costs one round trip and the initiator's identity
 * travels encrypted. Only the protocol's state machine is written here; X25519, ChaCha20-Poly1305,
 * SHA-256 and HMAC come from {@link ciphers}.
 */

const PROTOCOL_NAME = new TextEncoder().encode('Noise_IK_25519_ChaChaPoly_SHA256');
const EMPTY = new Uint8Array(0);
const DH_BYTES = 32;

/** Byte length of the first handshake message carrying a payload of `payload` bytes. */
export function initiationBytes(payload: number): number {
  return DH_BYTES + DH_BYTES + TAG_BYTES + payload + TAG_BYTES;
}

/** Byte length of the second handshake message carrying a payload of `payload` bytes. */
export function responseBytes(payload: number): number {
  return DH_BYTES + payload + TAG_BYTES;
}

/** The two transport keys a finished handshake gives each side. */
export interface TransportKeys {
  readonly send: Uint8Array;
  readonly receive: Uint8Array;
}

/** The 12-byte ChaCha20-Poly1305 nonce of counter `n`: four zero bytes, then n little-endian. */
export function nonceOf(n: number): Uint8Array {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, n >>> 0, true);
  view.setUint32(8, Math.floor(n / 0x1_0000_0000), true);
  return nonce;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Noise's HKDF with two outputs (HMAC-SHA256). */
function hkdf2(chainingKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const { hmacSha256 } = ciphers();
  const temp = hmacSha256(chainingKey, input);
  const first = hmacSha256(temp, Uint8Array.of(1));
  const second = hmacSha256(temp, concat(first, Uint8Array.of(2)));
  return [first, second];
}

/** Noise's SymmetricState with its CipherState folded in (handshake messages only). */
class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  private k: Uint8Array | undefined;
  private n = 0;

  constructor(prologue: Uint8Array) {
    // The protocol name is exactly 32 bytes (HASHLEN), so it is h as it stands.
    this.h = PROTOCOL_NAME.slice();
    this.ck = this.h;
    this.mixHash(prologue);
  }

  mixHash(data: Uint8Array): void {
    this.h = ciphers().sha256(concat(this.h, data));
  }

  /** Mixes a DH result; false when the DH had no result (a low-order point). */
  mixKey(input: Uint8Array | undefined): boolean {
    if (!input) return false;
    [this.ck, this.k] = hkdf2(this.ck, input);
    this.n = 0;
    return true;
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const out = this.k ? ciphers().seal(this.k, nonceOf(this.n++), this.h, plaintext) : plaintext;
    this.mixHash(out);
    return out;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array | undefined {
    const out = this.k ? ciphers().open(this.k, nonceOf(this.n++), this.h, ciphertext) : ciphertext;
    if (out) this.mixHash(ciphertext);
    return out;
  }

  /** The transport keys: the initiator sends with the first. */
  split(initiator: boolean): TransportKeys {
    const [first, second] = hkdf2(this.ck, EMPTY);
    return initiator ? { send: first, receive: second } : { send: second, receive: first };
  }
}

/** A node's static X25519 key pair (see `dhSecretOfIdentity`). */
export interface StaticKeys {
  readonly secret: Uint8Array;
  readonly public: Uint8Array;
}

/** The initiator's side, between sending the first message and reading the answer. */
export class Initiation {
  private readonly state: SymmetricState;
  private sent: Uint8Array = EMPTY;

  /**
   * Writes the first message to the responder whose static public key is `remoteStatic`, with
   * `payload` encrypted (it travels with forward secrecy only against the initiator's key).
   * Undefined when `remoteStatic` is not a usable key.
   */
  static start(
    prologue: Uint8Array,
    local: StaticKeys,
    remoteStatic: Uint8Array,
    payload: Uint8Array,
    ephemeral: Uint8Array = randomDhSecret(),
  ): Initiation | undefined {
    const initiation = new Initiation(prologue, local, remoteStatic, ephemeral);
    return initiation.write(payload) ? initiation : undefined;
  }

  private constructor(
    prologue: Uint8Array,
    private readonly local: StaticKeys,
    private readonly remoteStatic: Uint8Array,
    /** Random unless a test vector fixes it. */
    private readonly ephemeral: Uint8Array,
  ) {
    this.state = new SymmetricState(prologue);
    this.state.mixHash(remoteStatic);
  }

  /** The first handshake message. */
  get message(): Uint8Array {
    return this.sent;
  }

  private write(payload: Uint8Array): boolean {
    const c = ciphers();
    const ephemeralPublic = c.dhPublic(this.ephemeral);
    this.state.mixHash(ephemeralPublic);
    if (!this.state.mixKey(c.dh(this.ephemeral, this.remoteStatic))) return false;
    const encryptedStatic = this.state.encryptAndHash(this.local.public);
    if (!this.state.mixKey(c.dh(this.local.secret, this.remoteStatic))) return false;
    const encryptedPayload = this.state.encryptAndHash(payload);
    const message = new Uint8Array(ephemeralPublic.length + encryptedStatic.length + encryptedPayload.length);
    message.set(ephemeralPublic, 0);
    message.set(encryptedStatic, ephemeralPublic.length);
    message.set(encryptedPayload, ephemeralPublic.length + encryptedStatic.length);
    this.sent = message;
    return true;
  }

  /** Reads the responder's answer: the transport keys and its payload, or undefined if it is not authentic. */
  finish(answer: Uint8Array): { keys: TransportKeys; payload: Uint8Array } | undefined {
    if (answer.length < responseBytes(0)) return undefined;
    const c = ciphers();
    const remoteEphemeral = answer.subarray(0, DH_BYTES);
    this.state.mixHash(remoteEphemeral);
    if (!this.state.mixKey(c.dh(this.ephemeral, remoteEphemeral))) return undefined;
    if (!this.state.mixKey(c.dh(this.local.secret, remoteEphemeral))) return undefined;
    const payload = this.state.decryptAndHash(answer.subarray(DH_BYTES));
    if (!payload) return undefined;
    return { keys: this.state.split(true), payload };
  }
}

/** What a responder learns from a valid first message. */
export interface Accepted {
  /** The initiator's static public key, authenticated by the message. */
  readonly remoteStatic: Uint8Array;
  readonly payload: Uint8Array;
  /** Writes the answer (with `payload`) and returns it with the transport keys. */
  respond(payload: Uint8Array): { message: Uint8Array; keys: TransportKeys } | undefined;
}

/** Reads a first message as the responder; undefined when it is not a valid message to `local`. */
export function acceptInitiation(
  prologue: Uint8Array,
  local: StaticKeys,
  message: Uint8Array,
  ephemeral: () => Uint8Array = randomDhSecret,
): Accepted | undefined {
  if (message.length < initiationBytes(0)) return undefined;
  const c = ciphers();
  const state = new SymmetricState(prologue);
  state.mixHash(local.public);
  const remoteEphemeral = message.subarray(0, DH_BYTES);
  state.mixHash(remoteEphemeral);
  if (!state.mixKey(c.dh(local.secret, remoteEphemeral))) return undefined;
  const remoteStatic = state.decryptAndHash(message.subarray(DH_BYTES, DH_BYTES + DH_BYTES + TAG_BYTES));
  if (!remoteStatic) return undefined;
  if (!state.mixKey(c.dh(local.secret, remoteStatic))) return undefined;
  const payload = state.decryptAndHash(message.subarray(DH_BYTES + DH_BYTES + TAG_BYTES));
  if (!payload) return undefined;
  return {
    remoteStatic,
    payload,
    respond(answerPayload) {
      const secret = ephemeral();
      const ephemeralPublic = c.dhPublic(secret);
      state.mixHash(ephemeralPublic);
      if (!state.mixKey(c.dh(secret, remoteEphemeral))) return undefined;
      if (!state.mixKey(c.dh(secret, remoteStatic))) return undefined;
      const encrypted = state.encryptAndHash(answerPayload);
      return { message: concat(ephemeralPublic, encrypted), keys: state.split(false) };
    },
  };
}
