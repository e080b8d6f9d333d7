import { generateKeyPairSync, sign } from 'node:crypto';
import type { NodeId } from '../../src/firefly/address.js';
import type { RouterOptions } from '../../src/router/options.js';
import type { Router } from '../../src/router/router.js';
import { seqnoStatement } from '../../src/router/seqnoProof.js';
import type { RouteUpdate } from '../../src/router/updates.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import type { MemoryLinkOptions } from '../../src/transport/memory.js';
import { Mesh } from './helpers.js';

/**
 * A {@link Mesh} of routers that sign their seqnos, named for reading (`A`, `B`…) while their ids
 * are real keys: `id('A')` is A's node id.
 */
export class SignedMesh {
  readonly mesh: Mesh;
  private readonly keys = new Map<string, NodeIdentity>();

  constructor(defaults: RouterOptions = {}) {
    this.mesh = new Mesh(defaults);
  }

  /** The identity named `name`, made on first use. */
  identity(name: string): NodeIdentity {
    let identity = this.keys.get(name);
    if (!identity) {
      identity = createIdentity();
      this.keys.set(name, identity);
    }
    return identity;
  }

  id(name: string): NodeId {
    return this.identity(name).id;
  }

  add(name: string, options: RouterOptions = {}): Router {
    return this.mesh.add(this.id(name), { identity: this.identity(name), ...options });
  }

  router(name: string): Router {
    return this.mesh.router(this.id(name));
  }

  link(a: string, b: string, options: MemoryLinkOptions = {}): void {
    this.mesh.link(this.id(a), this.id(b), options);
  }

  cut(a: string, b: string): void {
    this.mesh.cut(this.id(a), this.id(b));
  }

  /** `name`'s own proof of `seqno` for itself. */
  proof(name: string, seqno: number): Uint8Array {
    return this.identity(name).sign(seqnoStatement(this.id(name), seqno));
  }

  close(): void {
    this.mesh.close();
  }
}

/** A made-up node that signs its own seqnos: all a flooding neighbour needs per destination. */
export interface FakeNode {
  readonly id: NodeId;
  /** Its route update at `seqno`, signed. */
  update(seqno: number, metric: number, hops: number): RouteUpdate;
}

/**
 * `n` fresh key pairs made with node:crypto directly (~0.2 ms each with a signature, against
 * ~1 ms for `createIdentity` on @noble/curves): keys are cheap, which is the point of a flood.
 */
export function fakeNodes(n: number): FakeNode[] {
  return Array.from({ length: n }, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    // The JWK `x` of an Ed25519 key is the base64url of its 32 raw bytes: a node id.
    const id = publicKey.export({ format: 'jwk' }).x!;
    return {
      id,
      update: (seqno, metric, hops) => ({ type: 'update', destination: id, seqno, metric, hops, proof: new Uint8Array(sign(null, seqnoStatement(id, seqno), privateKey)) }),
    };
  });
}
