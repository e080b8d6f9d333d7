import { GlowError } from '../../src/firefly/errors.js';
import { Router } from '../../src/router/router.js';
import { seqnoAdd, seqnoNewer } from '../../src/router/seqno.js';
import { seqnoStatement } from '../../src/router/seqnoProof.js';
import type { RouteUpdate } from '../../src/router/updates.js';
import { createIdentity } from '../../src/transport/identity.js';
import { waitFor } from '../helpers/waitFor.js';
import { Endpoint, Mesh, packet, rawNeighbour, routePacket } from './helpers.js';
import { SignedMesh } from './signed.js';

// No periodic updates: what is believed here comes from triggered updates and requests alone.
const QUIET = { updateInterval: 60_000 };

let mesh: SignedMesh;
afterEach(() => mesh.close());

/** A signed line A—B—C, converged, with a hand-driven neighbour X of A on a fast link. */
async function lineWithIntruder() {
  mesh = new SignedMesh(QUIET);
  for (const name of ['A', 'B', 'C']) mesh.add(name);
  mesh.link('A', 'B', { rtt: 1 });
  mesh.link('B', 'C', { rtt: 1 });
  const a = mesh.router('A');
  await waitFor(() => a.route(mesh.id('C'))?.nextHop === mesh.id('B'), 2000, 'A routes to C through B');
  const x = rawNeighbour(a, mesh.id('X'), { rtt: 1 });
  /** X tells A about C, at a seqno ahead of C's own, with a metric that would win. */
  const claim = (changes: Partial<RouteUpdate>) =>
    x.send(routePacket(mesh.id('X'), mesh.id('A'), [{ type: 'update', destination: mesh.id('C'), seqno: seqnoAdd(mesh.router('C').seqno, 5), metric: 1, hops: 1, ...changes }]));
  return { a, x, claim };
}

/** Sends a call from A to C and resolves once C has it. */
async function reachesC(corr: number): Promise<void> {
  mesh.router('A').send(packet(mesh.id('A'), mesh.id('C'), { corr }));
  await mesh.mesh.endpoint(mesh.id('C')).next((p) => p.corr === corr);
}

describe('a route to D is believed only with D’s signature on its seqno', () => {
  it("refuses a neighbour's metric-0 route to someone else, and traffic still goes to the real node", async () => {
    const { a, x, claim } = await lineWithIntruder();
    // Signed even, by C: metric 0 is C's alone to claim, whatever the proof.
    const seqno = seqnoAdd(mesh.router('C').seqno, 5);
    claim({ seqno, metric: 0, hops: 0, proof: mesh.proof('C', seqno) });
    await waitFor(() => a.stats.refused.metric0 === 1, 1000, 'the claim refused');
    expect(a.route(mesh.id('C'))?.nextHop).toBe(mesh.id('B'));
    await reachesC(1);
    expect(x.packets).toEqual([]);
  });

  it('refuses a metric-0 claim for someone else even without identities', async () => {
    const plain = new Mesh(QUIET);
    try {
      for (const id of ['A', 'B', 'C']) plain.add(id);
      plain.link('A', 'B', { rtt: 1 });
      plain.link('B', 'C', { rtt: 1 });
      await waitFor(() => plain.router('A').route('C') !== undefined, 1000, 'converged');
      const x = rawNeighbour(plain.router('A'), 'X', { rtt: 1 });
      x.send(routePacket('X', 'A', [{ type: 'update', destination: 'C', seqno: seqnoAdd(plain.router('C').seqno, 100), metric: 0, hops: 0 }]));
      await waitFor(() => plain.router('A').stats.refused.metric0 === 1, 1000, 'the claim refused');
      expect(plain.router('A').route('C')?.nextHop).toBe('B');
    } finally {
      plain.close();
    }
  });

  it.each([
    ['no signature', () => ({}), 'unsigned'],
    ['a signature that is not C’s', () => ({ proof: createIdentity().sign(seqnoStatement(mesh.id('C'), seqnoAdd(mesh.router('C').seqno, 5))) }), 'badproof'],
    ['C’s signature of its current seqno', () => ({ proof: mesh.proof('C', mesh.router('C').seqno) }), 'badproof'],
    ['B’s signature of that seqno, for B', () => ({ proof: mesh.proof('B', seqnoAdd(mesh.router('C').seqno, 5)) }), 'badproof'],
  ] as const)('refuses a seqno bump with %s, and traffic still goes to the real node', async (_, proof, reason) => {
    const { a, x, claim } = await lineWithIntruder();
    claim(proof());
    await waitFor(() => a.stats.refused[reason] === 1, 1000, `refused as ${reason}`);
    expect(a.stats.refusedRoutes).toBe(1);
    expect(a.route(mesh.id('C'))?.nextHop).toBe(mesh.id('B'));
    await reachesC(2);
    expect(x.packets).toEqual([]);
  });

  it("believes a neighbour that passes on C's own signature of a newer seqno", async () => {
    // The counterpart of the refusals above: the signature is what made the difference.
    const { a, claim } = await lineWithIntruder();
    const seqno = seqnoAdd(mesh.router('C').seqno, 5);
    claim({ seqno, proof: mesh.proof('C', seqno) });
    await waitFor(() => a.route(mesh.id('C'))?.nextHop === mesh.id('X'), 1000, 'the route through X');
    expect(a.stats.refusedRoutes).toBe(0);
  });

  it('checks each proof once, however many neighbours and metric changes repeat it', async () => {
    const { a, claim } = await lineWithIntruder();
    const seqno = seqnoAdd(mesh.router('C').seqno, 5);
    claim({ seqno, proof: mesh.proof('C', seqno) });
    await waitFor(() => a.route(mesh.id('C'))?.nextHop === mesh.id('X'), 1000, 'the route through X');
    const checked = a.stats.proofsChecked;
    for (const metric of [3, 2, 1]) claim({ seqno, metric, proof: mesh.proof('C', seqno) });
    await waitFor(() => a.route(mesh.id('C'))?.metric === 21, 1000, 'the last metric');
    expect(a.stats.proofsChecked).toBe(checked);
  });

  it('refuses a newer seqno of its own that it did not sign, and moves past one it did (a restart)', async () => {
    const { a, x } = await lineWithIntruder();
    const ahead = seqnoAdd(a.seqno, 1000);
    const own = (proof?: Uint8Array) => x.send(routePacket(mesh.id('X'), mesh.id('A'), [{ type: 'update', destination: a.id, seqno: ahead, metric: 10, hops: 1, ...(proof ? { proof } : {}) }]));
    own();
    await waitFor(() => a.stats.refused.unsigned === 1, 1000, 'the unsigned seqno refused');
    expect(seqnoNewer(ahead, a.seqno)).toBe(true);
    own(mesh.proof('A', ahead));
    await waitFor(() => seqnoNewer(a.seqno, ahead), 1000, 'A moved past its old seqno');
  });

  it('still answers seqno requests: the destination raises and signs its seqno', async () => {
    // A reaches C through B (fast); A—D—C is slow, so after the cut D's route is not feasible
    // for A until C signs a newer seqno.
    mesh = new SignedMesh(QUIET);
    for (const name of ['A', 'B', 'C', 'D']) mesh.add(name);
    mesh.link('A', 'B', { rtt: 1 });
    mesh.link('B', 'C', { rtt: 1 });
    mesh.link('A', 'D', { rtt: 10 });
    mesh.link('D', 'C', { rtt: 10 });
    const [a, c, d] = [mesh.router('A'), mesh.router('C'), mesh.router('D')];
    await waitFor(() => a.route(c.id)?.nextHop === mesh.id('B') && d.route(c.id)?.nextHop === c.id, 2000, 'converged');
    const before = c.seqno;
    mesh.cut('B', 'C');
    await waitFor(() => a.route(c.id)?.nextHop === d.id, 2000, 'the slow route');
    expect(seqnoNewer(c.seqno, before)).toBe(true);
    expect(a.route(c.id)?.seqno).toBe(c.seqno);
    await reachesC(3);
    expect(a.stats.refusedRoutes).toBe(0);
  });

  it('refuses an identity that is not the router’s', () => {
    const endpoint = new Endpoint(createIdentity().id);
    expect(() => new Router(endpoint, { identity: createIdentity() })).toThrow(GlowError);
  });
});
