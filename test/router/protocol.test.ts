import { ManualClock } from '../../src/firefly/clock.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { seqnoAdd, seqnoNewer } from '../../src/router/seqno.js';
import { decodeRouteBody, MAX_ROUTE_MESSAGES, type RouteUpdate } from '../../src/router/updates.js';
import type { Link } from '../../src/transport/link.js';
import { memoryLinkPair } from '../../src/transport/memory.js';
import type { ReachabilityEvent } from '../../src/router/reachability.js';
import { waitFor } from '../helpers/waitFor.js';
import { errorOf, Mesh, packet, rawNeighbour, routePacket } from './helpers.js';

// No periodic updates unless a test asks: convergence here rests on triggered updates and requests.
const QUIET = { updateInterval: 60_000 };

let mesh: Mesh;
afterEach(() => mesh.close());

function build(ids: string[], options = {}): void {
  mesh = new Mesh({ ...QUIET, ...options });
  for (const id of ids) mesh.add(id);
}

describe('route selection', () => {
  it('prefers a low-RTT direct link over a two-hop relay, and falls back to the relay when it is cut', async () => {
    build(['A', 'B', 'C']);
    mesh.link('A', 'B', { rtt: 1 });
    mesh.link('B', 'C', { rtt: 1 });
    mesh.link('A', 'C', { rtt: 2 });
    await waitFor(() => mesh.router('A').route('C')?.nextHop === 'C', 1000, 'the direct route');
    expect(mesh.router('A').route('C')).toMatchObject({ metric: 30, hops: 1 });
    mesh.cut('A', 'C');
    await waitFor(() => mesh.router('A').route('C')?.nextHop === 'B', 1000, 'the relay');
    expect(mesh.router('A').route('C')).toMatchObject({ metric: 40, hops: 2 });
    mesh.router('A').send(packet('A', 'C', { corr: 1 }));
    await mesh.endpoint('C').next((p) => p.corr === 1);
    expect(mesh.endpoint('A').unreachable).toEqual([]);
  });

  it('prefers a fast relay over a slow direct link, and falls back to the direct link when the relay is cut', async () => {
    build(['A', 'B', 'C']);
    mesh.link('A', 'B', { rtt: 1 });
    mesh.link('B', 'C', { rtt: 1 });
    mesh.link('A', 'C', { rtt: 50 });
    await waitFor(() => mesh.router('A').route('C')?.nextHop === 'B', 1000, 'the relay');
    mesh.cut('A', 'B');
    await waitFor(() => mesh.router('A').route('C')?.nextHop === 'C', 1000, 'the direct route');
    expect(mesh.router('A').route('C')).toMatchObject({ metric: 510, hops: 1 });
  });

  it('prefers fewer hops when the RTTs add up to the same', async () => {
    build(['A', 'B', 'C', 'D']);
    mesh.link('A', 'B', { rtt: 1 });
    mesh.link('B', 'C', { rtt: 1 });
    mesh.link('C', 'D', { rtt: 1 });
    mesh.link('A', 'D', { rtt: 3 });
    await waitFor(() => mesh.router('A').route('D') !== undefined, 1000, 'a route');
    expect(mesh.router('A').route('D')).toMatchObject({ nextHop: 'D', metric: 40, hops: 1 });
  });
});

describe('retraction and recovery', () => {
  it('retracts routes through a closed link at once, with no periodic update', async () => {
    build(['A', 'B', 'C']);
    mesh.link('A', 'B');
    mesh.link('B', 'C');
    await waitFor(() => mesh.router('A').route('C') !== undefined, 1000, 'a route');
    mesh.cut('B', 'C');
    expect(mesh.router('B').route('C')).toBeUndefined();
    await waitFor(() => mesh.router('A').route('C') === undefined, 50, 'the retraction at A');
  });

  it('asks the destination for a newer seqno when the only alternative is not feasible, holding packets meanwhile', async () => {
    // A reaches C through B (fast); A—D—C is slow, so D's route is not feasible for A after the
    // cut (D's metric exceeds A's feasibility distance): only a newer seqno from C makes it so.
    build(['A', 'B', 'C', 'D']);
    mesh.link('A', 'B', { rtt: 1 });
    mesh.link('B', 'C', { rtt: 1 });
    mesh.link('A', 'D', { rtt: 10 });
    mesh.link('D', 'C', { rtt: 10 });
    await waitFor(() => mesh.router('A').route('C')?.nextHop === 'B' && mesh.router('D').route('C')?.nextHop === 'C', 1000, 'converged');
    const before = mesh.router('C').seqno;
    mesh.cut('B', 'C');
    // Sent before anyone has heard of the cut: it reaches B, which holds it during its grace.
    mesh.router('A').send(packet('A', 'C', { corr: 2 }));
    await waitFor(() => mesh.router('A').route('C')?.nextHop === 'D', 1000, 'the slow route');
    expect(seqnoNewer(mesh.router('C').seqno, before)).toBe(true);
    expect((await mesh.endpoint('C').next((p) => p.corr === 2)).hop).toBe(28);
    expect(mesh.router('B').route('C')).toMatchObject({ nextHop: 'A', hops: 3 });
    for (const id of ['A', 'B', 'D']) expect(mesh.endpoint(id).unreachable).toEqual([]);
  });

  it('declares a node unreachable once, after the grace, and answers what was held for it', async () => {
    const clock = new ManualClock();
    build(['A', 'B', 'C'], { grace: 100, clock });
    mesh.link('A', 'B');
    mesh.link('B', 'C');
    await clock.advance(0);
    expect(mesh.router('A').route('C')).toBeDefined();
    const events: ReachabilityEvent[] = [];
    mesh.router('A').onReachability((event) => events.push(event));
    mesh.cut('B', 'C');
    mesh.router('A').send(packet('A', 'C', { corr: 3 }));
    await clock.advance(99);
    expect(mesh.router('A').route('C')).toBeUndefined();
    expect(mesh.endpoint('A').unreachable).toEqual([]);
    expect(mesh.router('A').isReachable('C')).toBe(true);
    await clock.advance(1);
    expect(events).toEqual([{ node: 'C', reachable: false }]);
    // B held the call during its grace, then answered it.
    expect(errorOf(await mesh.endpoint('A').next((p) => p.corr === 3)).details).toEqual({ router: 'B', reason: 'noroute' });
    expect(mesh.endpoint('B').unreachable).toEqual(['C']);
    expect(mesh.endpoint('A').unreachable).toEqual(['C']);
    expect(mesh.router('A').isReachable('C')).toBe(false);
  });

  it('reports reachability up when a route appears', async () => {
    build(['A', 'B']);
    const events: ReachabilityEvent[] = [];
    mesh.router('A').onReachability((event) => events.push(event));
    mesh.link('A', 'B');
    await waitFor(() => events.length > 0, 1000, 'an event');
    expect(events).toEqual([{ node: 'B', reachable: true }]);
  });

  it('lets a restarted node whose seqno starts behind the mesh\'s memory catch up', async () => {
    build(['A', 'B', 'C'], { grace: 20 });
    mesh.link('A', 'B');
    mesh.link('B', 'C');
    await waitFor(() => mesh.router('A').route('C') !== undefined, 1000, 'a route');
    const old = mesh.router('C').seqno;
    mesh.router('C').close();
    await waitFor(() => mesh.endpoint('A').unreachable.includes('C'), 1000, 'C lost');
    mesh.add('C', { seqno: seqnoAdd(old, 65536 - 100) });
    mesh.link('B', 'C');
    await waitFor(() => mesh.router('A').route('C') !== undefined, 1000, 'a route to the new C');
    expect(seqnoNewer(mesh.router('C').seqno, old)).toBe(true);
  });
});

describe('seqno requests', () => {
  it('are asked again, less and less often, while nothing answers them', async () => {
    const clock = new ManualClock();
    build(['B'], { clock });
    const x = rawNeighbour(mesh.router('B'), 'X');
    const update = (metric: number) => ({ type: 'update' as const, destination: 'Q', seqno: 1, metric, hops: 1 });
    x.send(routePacket('X', 'B', [update(10)]));
    await clock.advance(0);
    expect(mesh.router('B').route('Q')).toBeDefined();
    // Same seqno, longer: not feasible. B starves and asks X, which never answers.
    x.send(routePacket('X', 'B', [update(50)]));
    const asked: number[] = [];
    const seen = () => x.routeBodies.flatMap((body) => decodeRouteBody(body, DEFAULT_LIMITS, MAX_ROUTE_MESSAGES)).filter((m) => m.type === 'seqno').length;
    for (let t = 0; t <= 5000; t += 50) {
      await clock.advance(t === 0 ? 0 : 50);
      while (asked.length < seen()) asked.push(t);
    }
    expect(mesh.router('B').route('Q')).toBeUndefined();
    expect(asked).toEqual([0, 200, 400, 800, 1600, 3200]);
  });
});

describe('periodic updates', () => {
  const decode = (body: Uint8Array) => decodeRouteBody(body, DEFAULT_LIMITS, MAX_ROUTE_MESSAGES);

  it('send every neighbour its own route each interval, not the table it already has', async () => {
    const clock = new ManualClock();
    // X never speaks: a hold time longer than the test keeps it from being asked for its table.
    build(['A', 'B'], { updateInterval: 1000, holdTime: 60_000, clock });
    mesh.link('A', 'B');
    const x = rawNeighbour(mesh.router('A'), 'X');
    await clock.advance(0);
    // X got the whole table when its link opened.
    expect(new Set(x.routeBodies.flatMap((body) => decode(body).map((m) => m.destination)))).toEqual(new Set(['A', 'B', null]));
    const before = x.routeBodies.length;
    // Ticks come every 800–1000 ms.
    await clock.advance(4000);
    const periodic = x.routeBodies.slice(before).map(decode);
    expect(periodic.length).toBeGreaterThanOrEqual(4);
    expect(periodic.length).toBeLessThanOrEqual(5);
    for (const messages of periodic) expect(messages).toEqual([{ type: 'update', destination: 'A', seqno: mesh.router('A').seqno, metric: 0, hops: 0 }]);
  });

  it('carry the metric drift that was too small for a triggered update', async () => {
    const clock = new ManualClock();
    let rtt = 10;
    build(['A', 'B'], { updateInterval: 1000, clock });
    const b = mesh.router('B');
    const x = rawNeighbour(b, 'X');
    // A's link to B reports whatever `rtt` says now (cost 10 + 10 × rtt).
    const [atA, atB] = memoryLinkPair('A', 'B');
    const drifting = Object.create(atB, { rtt: { get: () => rtt } }) as Link;
    mesh.router('A').addLink(atA);
    b.addLink(drifting);
    await clock.advance(0);
    const told = () => x.routeBodies.map(decode).flat().filter((m) => m.type === 'update' && m.destination === 'A');
    expect(told().at(-1)).toMatchObject({ metric: 110 });
    rtt = 11;
    const before = told().length;
    await clock.advance(1000);
    // One tick measures the link again (+10 is not an eighth of 110: no triggered update)…
    expect(b.route('A')?.metric).toBe(120);
    // …and the same or the next one carries it.
    await clock.advance(1000);
    expect(told().slice(before).map((m) => (m as RouteUpdate).metric)).toEqual([120]);
  });
});
