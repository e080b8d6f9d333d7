import type { NodeId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import { verifySignature } from '../transport/identity.js';

/**
 * Seqno proofs: a destination's Ed25519 signature on (context, its id, a seqno). Node ids are
 * public keys, so anyone can check that a route's seqno was raised by the destination itself and
 * not by a neighbour that wants its traffic. Relays pass the proof on unchanged: it says nothing
 * about the metric, which no signature can vouch for, only that this seqno is the destination's.
 */

/** Bytes of an Ed25519 signature, the only length a proof may have. */
export const PROOF_BYTES = 64;

/**
 * Signed before the id and the seqno, so that a seqno proof can never be taken for, or made from,
 * any other statement a node key signs (link handshakes, certificates, grants).
 */
const CONTEXT = 'glow.route.seqno.v1';

/** What a router needs of its node's key pair to prove its own seqnos: `NodeIdentity` fits. */
export interface RouteSigner {
  /** The node id, which is the public key. */
  readonly id: NodeId;
  /** Ed25519 signature of `message` with the node's key. */
  sign(message: Uint8Array): Uint8Array;
}

/** The bytes a proof signs: the context, the destination and the seqno (two bytes, big-endian), NUL-separated. */
export function seqnoStatement(destination: NodeId, seqno: number): Uint8Array {
  const text = `${CONTEXT}\0${destination}\0`;
  const out = new Uint8Array(text.length + 2);
  // Ids are ASCII (id segments), so one byte per character.
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  out[text.length] = seqno >>> 8;
  out[text.length + 1] = seqno & 0xff;
  return out;
}

/**
 * Signs this node's seqnos, once per seqno: the router asks for the proof of its current seqno
 * every time it sends its own route, and the seqno rarely moves.
 */
export class SeqnoSigner {
  private seqno = -1;
  private signature: Uint8Array | undefined;

  /** Throws `badarg` when the signer's id is not the router's: nobody would believe its proofs. */
  constructor(
    private readonly signer: RouteSigner,
    self: NodeId,
  ) {
    if (signer.id !== self) throw new GlowError('badarg', `the router's identity is ${signer.id}, not the router's id ${self}`);
  }

  /** The proof of `seqno`, signed now or remembered from the last call. */
  proof(seqno: number): Uint8Array {
    if (seqno !== this.seqno || !this.signature) {
      this.signature = this.signer.sign(seqnoStatement(this.signer.id, seqno));
      this.seqno = seqno;
    }
    return this.signature;
  }
}

/**
 * Checks seqno proofs, remembering the good ones: the same (destination, seqno) proof arrives
 * from every neighbour that routes to the destination, and each metric change repeats it, while
 * one verification costs ~0.1 ms with node:crypto and ~2 ms with @noble/curves. Bounded: the
 * oldest remembered proof is forgotten first, and forgetting one only costs a verification again.
 */
export class SeqnoProofs {
  /** Good proofs by `seqno:destination`. */
  private readonly good = new Map<string, Uint8Array>();

  constructor(
    /** Most proofs remembered. */
    private readonly capacity: number,
    /** Where each verification made (a proof not already known good) is counted. */
    private readonly counters: { proofsChecked: number },
  ) {}

  /** True when `signature` is `destination`'s proof of `seqno`. */
  check(destination: NodeId, seqno: number, signature: Uint8Array): boolean {
    const key = `${seqno}:${destination}`;
    const known = this.good.get(key);
    if (known && sameBytes(known, signature)) return true;
    this.counters.proofsChecked++;
    if (!verifySignature(destination, seqnoStatement(destination, seqno), signature)) return false;
    this.good.delete(key);
    if (this.good.size >= this.capacity) this.good.delete(this.good.keys().next().value!);
    this.good.set(key, signature);
    return true;
  }
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
