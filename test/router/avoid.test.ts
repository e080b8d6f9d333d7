import { GlowError } from '../../src/firefly/errors.js';
import { PacketKind } from '../../src/firefly/packet.js';
import { seqnoNewer } from '../../src/router/seqno.js';
import { waitFor } from '../helpers/waitFor.js';
import { packet } from './helpers.js';
import { SignedMesh } from './signed.js';

// No periodic updates (the default interval is 4 s anyway): the switch must come from selection,
// requests and triggered updates.
const QUIET = { updateInterval: 60_000 };

let mesh: SignedMesh;
afterEach(() => mesh.close());

/**
 * A—B—C and A—D—C, signed, with B a black hole once `drop` is set: it still routes, but refuses
 * to carry anything. `slow` makes the second path so long that A cannot take it without a newer
 * seqno from C.
 */
async function twoPaths(slow: boolean) {
  mesh = new SignedMesh(QUIET);
  const state = { drop: false };
  mesh.add('A');
  mesh.add('B', { relay: () => !state.drop });
  mesh.add('C');
  mesh.add('D');
  mesh.link('A', 'B', { rtt: 1 });
  mesh.link('B', 'C', { rtt: 1 });
  mesh.link('A', 'D', { rtt: slow ? 10 : 2 });
  mesh.link('D', 'C', { rtt: slow ? 10 : 2 });
  const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((name) => mesh.router(name));
  await waitFor(() => a!.route(c!.id)?.nextHop === b!.id && d!.route(c!.id)?.nextHop === c!.id, 2000, 'A routes to C through B');
  state.drop = true;
  a!.send(packet(a!.id, c!.id, { corr: 1 }));
  const refused = await mesh.mesh.endpoint(a!.id).next((p) => p.corr === 1);
  expect(refused.kind).toBe(PacketKind.error);
  return { a: a!, b: b!, c: c!, d: d! };
}

/** Avoids B for C at A and resolves with the ms until a call from A reached C through D. */
async function switchTime(): Promise<number> {
  const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((name) => mesh.router(name));
  const start = performance.now();
  a!.avoidNextHop(c!.id, b!.id, 10_000);
  await waitFor(() => a!.route(c!.id)?.nextHop === d!.id, 2000, 'the route through D');
  a!.send(packet(a!.id, c!.id, { corr: 2 }));
  await mesh.mesh.endpoint(c!.id).next((p) => p.corr === 2, 2000);
  return performance.now() - start;
}

describe('routing around a next hop that drops packets', () => {
  it('takes the second path at once when it is feasible', async () => {
    const { a, c } = await twoPaths(false);
    const seqno = c.seqno;
    const ms = await switchTime();
    console.log(`avoid, feasible second path: a call through it after ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(c.seqno).toBe(seqno);
    expect(a.stats.refusedRoutes).toBe(0);
  });

  it('asks C for a newer seqno when the second path is not feasible, and takes it within 2 s', async () => {
    const { c, d } = await twoPaths(true);
    const seqno = c.seqno;
    const ms = await switchTime();
    console.log(`avoid, second path made feasible by a seqno request: a call through it after ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(seqnoNewer(c.seqno, seqno)).toBe(true);
    expect(mesh.router('A').route(c.id)).toMatchObject({ nextHop: d.id, seqno: c.seqno });
  });

  it('goes back to the best route when the avoidance ends', async () => {
    const { a, b, c, d } = await twoPaths(false);
    a.avoidNextHop(c.id, b.id, 50);
    expect(a.route(c.id)?.nextHop).toBe(d.id);
    await waitFor(() => a.route(c.id)?.nextHop === b.id, 1000, 'the route through B again');
  });

  it('keeps the avoided route when there is no other', async () => {
    mesh = new SignedMesh(QUIET);
    for (const name of ['A', 'B', 'C']) mesh.add(name);
    mesh.link('A', 'B');
    mesh.link('B', 'C');
    const [a, b, c] = ['A', 'B', 'C'].map((name) => mesh.router(name));
    await waitFor(() => a!.route(c!.id) !== undefined, 2000, 'A routes to C');
    a!.avoidNextHop(c!.id, b!.id, 10_000);
    expect(a!.route(c!.id)?.nextHop).toBe(b!.id);
    a!.send(packet(a!.id, c!.id, { corr: 3 }));
    await mesh.mesh.endpoint(c!.id).next((p) => p.corr === 3);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p ms', async (forMs) => {
    mesh = new SignedMesh(QUIET);
    const a = mesh.add('A');
    expect(() => a.avoidNextHop(mesh.id('C'), mesh.id('B'), forMs)).toThrow(GlowError);
  });
});
