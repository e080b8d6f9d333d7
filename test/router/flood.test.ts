import type { NodeId } from '../../src/firefly/address.js';
import { MAX_ROUTE_MESSAGES, type RouteMessage } from '../../src/router/updates.js';
import { nobleSignatures, useSignatureBackend } from '../../src/transport/identity.js';
import { nodeSignatures } from '../../src/transport/nodeSignatures.js';
import { waitFor } from '../helpers/waitFor.js';
import { packet, rawNeighbour, routePacket } from './helpers.js';
import { fakeNodes, SignedMesh, type FakeNode } from './signed.js';

// A daemon verifies on node:crypto (glow/node); @noble/curves would only make this slower.
beforeAll(() => useSignatureBackend(nodeSignatures));
afterAll(() => useSignatureBackend(nobleSignatures));

const QUIET = { updateInterval: 60_000 };

let mesh: SignedMesh;
afterEach(() => mesh.close());

/** Route packets carrying `updates`, at most {@link MAX_ROUTE_MESSAGES} each, from `from` to `to`. */
function packets(from: NodeId, to: NodeId, updates: RouteMessage[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let start = 0; start < updates.length; start += MAX_ROUTE_MESSAGES) out.push(routePacket(from, to, updates.slice(start, start + MAX_ROUTE_MESSAGES)));
  return out;
}

/**
 * `n` fresh destinations, the first `signed` of them validly signed by made-up keys. The rest
 * carry a well-formed proof that is never looked at: beyond its cap a neighbour's updates are
 * refused before any proof is checked, which `proofsChecked` shows.
 */
function flood(n: number, signed: FakeNode[]): RouteMessage[] {
  const filler = new Uint8Array(64);
  return Array.from({ length: n }, (_, i) => {
    const node = signed[i];
    if (node) return node.update(1, 10, 1);
    // A 43-character id like a key's, distinct for each i.
    return { type: 'update', destination: `f${i.toString(36).padStart(42, '0')}`, seqno: 1, metric: 10, hops: 1, proof: filler };
  });
}

/** Links B—C—D (B already exists) and waits until B and D reach each other, a call each way. */
async function laterNodesReachable(): Promise<void> {
  const start = performance.now();
  mesh.add('C');
  mesh.add('D');
  mesh.link('B', 'C', { rtt: 1 });
  mesh.link('C', 'D', { rtt: 1 });
  const [b, d] = [mesh.router('B'), mesh.router('D')];
  await waitFor(() => b.route(d.id) !== undefined && d.route(b.id) !== undefined, 10000, 'B and D reach each other');
  b.send(packet(b.id, d.id, { corr: 1 }));
  await mesh.mesh.endpoint(d.id).next((p) => p.corr === 1);
  d.send(packet(d.id, b.id, { corr: 2 }));
  await mesh.mesh.endpoint(b.id).next((p) => p.corr === 2);
  console.log(`later nodes reachable after ${(performance.now() - start).toFixed(0)} ms`);
}

describe('a neighbour that floods made-up destinations', () => {
  it('gets its cap of 100 000 in, no proof checked beyond it, and nodes that join later stay reachable', async () => {
    mesh = new SignedMesh(QUIET);
    const b = mesh.add('B');
    const cap = 2048; // half of the default 4096 destinations
    const x = rawNeighbour(b, mesh.id('X'), { rtt: 1 });
    const bytes = packets(mesh.id('X'), b.id, flood(100_000, fakeNodes(cap + 100)));
    const start = performance.now();
    for (const one of bytes) x.send(one);
    await waitFor(() => b.stats.control === bytes.length, 10_000, () => `the flood consumed (${b.stats.control} of ${bytes.length} packets)`);
    console.log(`flood: ${bytes.length} packets of 100 000 signed updates consumed in ${(performance.now() - start).toFixed(0)} ms; ${b.stats.proofsChecked} proofs checked`);
    expect(b.routes()).toHaveLength(cap);
    expect(b.stats.refused.cap).toBe(100_000 - cap);
    expect(b.stats.proofsChecked).toBe(cap);
    await laterNodesReachable();
  });

  it('evicts the flooders’ destinations, not real ones, once floods fill the whole table', async () => {
    mesh = new SignedMesh({ ...QUIET, maxDestinations: 64 });
    const b = mesh.add('B');
    for (const name of ['X', 'Y']) {
      const flooder = rawNeighbour(b, mesh.id(name), { rtt: 1 });
      for (const one of packets(mesh.id(name), b.id, flood(1000, fakeNodes(40)))) flooder.send(one);
    }
    await waitFor(() => b.stats.control === 2, 2000, 'both floods consumed');
    expect(b.routes()).toHaveLength(64);
    await laterNodesReachable();
    expect(b.stats.evicted).toBeGreaterThanOrEqual(2);
    expect(b.routes()).toHaveLength(64);
  });
});
