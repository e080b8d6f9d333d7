import { TAG_BYTES, ciphers } from './ciphers.js';
import { SealRefusal } from './closeReasons.js';
import { readU32 } from './frames.js';

/**
 * Sealing of an encrypted link's transport messages, once its handshake is over. Every message
 * (one or more frames, batched) is sealed whole with ChaCha20-Poly1305:
 *
 * ```
 * counter: u64 (big-endian) | ciphertext | tag (16 bytes)
 * ```
 *
 * The counter counts the messages of one direction from 0 and is the nonce (4 zero bytes, then
 * the counter): each direction has its own key (see `linkKeys.ts`), so a key never sees a nonce
 * twice. The channel is ordered and reliable, so the receiver takes exactly the next counter;
 * anything else is a replay, a reordering or a drop on the path, and closes the link. The counter
 * travels in clear so that the reason can say which; it is authenticated through the nonce. A JS
 * number counts exactly to 2^53, some 285 years at a million messages a second: a link never
 * needs a new key for want of nonces.
 */

/** Bytes a sealed message adds to its plaintext: the counter and the tag. */
export const SEAL_OVERHEAD = 8 + TAG_BYTES;

/** Where a sealed message's ciphertext starts, after its counter. */
export const SEALED_AT = 8;

const NONCE_BYTES = 12;
const NO_AAD = new Uint8Array(0);
const TWO_32 = 2 ** 32;

/** A nonce buffer and a view that writes the counter into its last 8 bytes (the first 4 stay zero). */
class Nonce {
  readonly bytes = new Uint8Array(NONCE_BYTES);
  private readonly view = new DataView(this.bytes.buffer);

  set(counter: number): Uint8Array {
    this.view.setUint32(4, Math.floor(counter / TWO_32));
    this.view.setUint32(8, counter >>> 0);
    return this.bytes;
  }
}

/** Seals the messages one side sends. */
export class Sealer {
  private counter = 0;
  private readonly nonce = new Nonce();

  constructor(private readonly key: Uint8Array) {}

  /**
   * Seals the next message where it lies: `room` holds 8 bytes for the counter, the message
   * from {@link SEALED_AT} on, and 16 bytes for the tag at the end, and is returned sealed. The
   * frame sender builds each message this way, so sealing costs no array and no copy.
   */
  sealInPlace(room: Uint8Array): Uint8Array {
    const nonce = this.nonce.set(this.counter++);
    room.set(nonce.subarray(4), 0);
    ciphers().sealInPlace(this.key, nonce, NO_AAD, room.subarray(SEALED_AT));
    return room;
  }
}

/** Opens the messages the peer sends, in order. */
export class Opener {
  private expected = 0;
  private readonly nonce = new Nonce();

  constructor(private readonly key: Uint8Array) {}

  /**
   * The plaintext of the next sealed message, or why it is refused (a {@link SealRefusal});
   * never throws. A message that opens is decrypted where it lies (the plaintext is a view of
   * it): it must be the caller's to overwrite, as a received transport message is.
   */
  open(message: Uint8Array): Uint8Array | SealRefusal {
    if (message.length < SEAL_OVERHEAD) return SealRefusal.truncated;
    const counter = readU32(message, 0) * TWO_32 + readU32(message, 4);
    if (counter < this.expected) return SealRefusal.replayed;
    if (counter > this.expected) return SealRefusal.missing;
    const plain = ciphers().openInPlace(this.key, this.nonce.set(counter), NO_AAD, message.subarray(SEALED_AT));
    if (!plain) return SealRefusal.forged;
    this.expected++;
    return plain;
  }
}
