import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { ManualClock } from '../../src/firefly/clock.js';
import { GlowError } from '../../src/firefly/errors.js';
import { DEFAULT_LIMITS } from '../../src/firefly/limits.js';
import { encodePacket, PacketKind } from '../../src/firefly/packet.js';
import { totalDropped } from '../../src/router/stats.js';
import { decodeRouteBody, type RouteMessage } from '../../src/router/updates.js';
import type { Link, LinkClose } from '../../src/transport/link.js';
import { memoryLinkPair } from '../../src/transport/memory.js';
import { waitFor } from '../helpers/waitFor.js';
import { errorOf, Mesh, packet, rawNeighbour, routePacket } from './helpers.js';

// No periodic updates unless a test asks: everything here must work on triggered updates alone.
const QUIET = { updateInterval: 60_000 };

let mesh: Mesh;
beforeEach(() => {
  mesh = new Mesh(QUIET);
});
afterEach(() => mesh.close());

/** A line A—B—C, converged. */
async function line(): Promise<void> {
  for (const id of ['A', 'B', 'C']) mesh.add(id);
  mesh.link('A', 'B');
  mesh.link('B', 'C');
  await waitFor(() => mesh.router('A').route('C') !== undefined && mesh.router('C').route('A') !== undefined, 1000, 'line converged');
}

describe('Router forwarding', () => {
  it('forwards a packet by its header alone, leaving a body that is not CBOR untouched', async () => {
    await line();
    const notCbor = new Uint8Array([0xff, 0xfe, 0x1c, 0x00, 0x9f]);
    mesh.router('A').send(packet('A', 'C', { body: notCbor, corr: 7 }));
    const arrived = await mesh.endpoint('C').next((p) => p.corr === 7);
    expect([...arrived.body]).toEqual([...notCbor]);
    expect(() => decodeValue(arrived.body)).toThrow(GlowError);
    const relay = mesh.router('B').stats;
    expect(relay.forwarded).toBe(1);
    expect(totalDropped(relay)).toBe(0);
    expect(relay.delivered).toBe(0);
  });

  it('takes one hop off the hop limit on every link', async () => {
    await line();
    mesh.router('A').send(packet('A', 'C', { hop: 10, corr: 8 }));
    expect((await mesh.endpoint('C').next((p) => p.corr === 8)).hop).toBe(8);
  });

  it('answers the sender with noconnection when the hop limit runs out', async () => {
    await line();
    mesh.router('A').send(packet('A', 'C', { hop: 1, corr: 9 }));
    const answer = await mesh.endpoint('A').next((p) => p.corr === 9);
    expect(answer.src.node).toBe('C');
    expect(errorOf(answer)).toMatchObject({ code: 'noconnection', details: { router: 'B', reason: 'hoplimit' } });
    expect(mesh.router('B').stats.dropped.hoplimit).toBe(1);
    expect(mesh.endpoint('C').received).toHaveLength(0);
  });

  it('answers a call to an unknown node with noconnection at once', async () => {
    mesh.add('A');
    mesh.router('A').send(packet('A', 'Z', { corr: 11 }));
    const answer = await mesh.endpoint('A').next((p) => p.corr === 11);
    expect(errorOf(answer)).toMatchObject({ code: 'noconnection', details: { router: 'A', reason: 'noroute' } });
    expect(mesh.router('A').stats.dropped.noroute).toBe(1);
  });

  it('sends a relay\'s noconnection back over the link the call came from', async () => {
    const b = mesh.add('B');
    const x = rawNeighbour(b, 'X');
    x.send(encodePacket(packet('X', 'Z', { corr: 12 })));
    await waitFor(() => x.packets.length > 0, 1000, 'an answer');
    expect(x.packets[0]).toMatchObject({ kind: PacketKind.error, corr: 12, src: { node: 'Z' }, dst: { node: 'X' } });
    expect(errorOf(x.packets[0]!).details).toEqual({ router: 'B', reason: 'noroute' });
  });

  it('answers a monitor of an unreachable node with DOWN noconnection', async () => {
    mesh.add('A');
    mesh.router('A').send(packet('A', 'Z', { kind: PacketKind.signal, method: 'monitor', corr: 13, body: encodeValue(null) }));
    const down = await mesh.endpoint('A').next((p) => p.corr === 13);
    expect(down).toMatchObject({ kind: PacketKind.signal, method: 'down', src: { node: 'Z' } });
    expect(decodeValue(down.body)).toBe('noconnection');
  });

  it('drops undeliverable replies, errors and casts without answering them', async () => {
    const b = mesh.add('B');
    const x = rawNeighbour(b, 'X');
    for (const kind of [PacketKind.reply, PacketKind.error, PacketKind.cast]) x.send(encodePacket(packet('X', 'Z', { kind })));
    await waitFor(() => b.stats.dropped.noroute === 3, 1000, 'three drops');
    await new Promise((resolve) => setImmediate(resolve));
    expect(x.packets).toHaveLength(0);
    expect(b.stats.generated).toBe(0);
  });

  it('drops and counts a packet from a link that claims to come from this node and be for it', async () => {
    const b = mesh.add('B');
    const x = rawNeighbour(b, 'X');
    x.send(encodePacket(packet('B', 'B', { corr: 14 })));
    await waitFor(() => b.stats.dropped.forged === 1, 1000, 'a forged drop');
    expect(mesh.endpoint('B').received).toHaveLength(0);
    expect(x.packets).toHaveLength(0);
  });

  it('forwards and counts a packet of its own that comes back through it', async () => {
    const b = mesh.add('B');
    const x = rawNeighbour(b, 'X');
    await waitFor(() => b.route('X') === undefined && b.neighbours().length === 1, 1000, 'X linked');
    x.send(encodePacket(packet('B', 'X', { corr: 20 })));
    await waitFor(() => x.packets.length === 1, 1000, 'the packet back at X');
    expect(b.stats).toMatchObject({ returned: 1, forwarded: 1 });
  });

  it('drops a route packet whose sender is not the neighbour at the other end of the link', async () => {
    const b = mesh.add('B');
    const x = rawNeighbour(b, 'X');
    x.send(routePacket('Y', 'B', [{ type: 'update', destination: 'Y', seqno: 1, metric: 0, hops: 0 }]));
    await waitFor(() => b.stats.dropped.forged === 1, 1000, 'a forged drop');
    expect(b.route('Y')).toBeUndefined();
  });

  it('drops a route packet with a malformed body and keeps serving the link', async () => {
    const b = mesh.add('B');
    const x = rawNeighbour(b, 'X');
    x.send(encodePacket({ ...packet('X', 'B'), kind: PacketKind.route, body: encodeValue([[1, 'Q', -1, 0, 0]]) }));
    x.send(routePacket('X', 'B', [{ type: 'update', destination: 'X', seqno: 1, metric: 0, hops: 0 }]));
    await waitFor(() => b.route('X') !== undefined, 1000, 'a route to X');
    expect(b.stats.dropped.badroute).toBe(1);
  });

  it('delivers packets the local node sends to itself', async () => {
    mesh.add('A');
    mesh.router('A').send(packet('A', 'A', { corr: 15 }));
    await mesh.endpoint('A').next((p) => p.corr === 15);
    expect(mesh.router('A').stats.delivered).toBe(1);
  });

  it('carries no transit traffic with transit off, yet reaches every node itself', async () => {
    mesh.add('A');
    mesh.add('T', { transit: false });
    mesh.add('C');
    mesh.link('A', 'T');
    mesh.link('T', 'C');
    await waitFor(() => mesh.router('T').route('A') !== undefined && mesh.router('T').route('C') !== undefined, 1000, 'T reaches both');
    expect(mesh.router('A').route('C')).toBeUndefined();
    mesh.router('A').send(packet('A', 'C', { corr: 16 }));
    expect(errorOf(await mesh.endpoint('A').next((p) => p.corr === 16)).code).toBe('noconnection');
    // A neighbour that ignores the advertisement still cannot relay through T.
    const x = rawNeighbour(mesh.router('T'), 'X');
    x.send(encodePacket(packet('X', 'C', { corr: 17 })));
    await waitFor(() => x.packets.length > 0, 1000, 'an answer');
    expect(errorOf(x.packets[0]!).details).toEqual({ router: 'T', reason: 'notransit' });
    mesh.router('T').send(packet('T', 'C', { corr: 18 }));
    await mesh.endpoint('C').next((p) => p.corr === 18);
  });

  it('relays only what its relay policy allows, answers the rest with denied, and still advertises routes', async () => {
    mesh.add('A');
    mesh.add('T', { relay: (src, dst) => src.node !== 'A' || dst.local !== 'secret' });
    mesh.add('C');
    mesh.link('A', 'T');
    mesh.link('T', 'C');
    await waitFor(() => mesh.router('A').route('C') !== undefined, 1000, 'A reaches C through T');
    mesh.router('A').send({ ...packet('A', 'C', { corr: 19 }), dst: { node: 'C', local: 'secret' } });
    const answer = errorOf(await mesh.endpoint('A').next((p) => p.corr === 19));
    expect([answer.code, answer.details]).toEqual(['denied', { router: 'T', reason: 'relaydenied' }]);
    expect(mesh.router('T').stats.dropped.relaydenied).toBe(1);
    mesh.router('A').send(packet('A', 'C', { corr: 20 }));
    await mesh.endpoint('C').next((p) => p.corr === 20);
    // The other way round is allowed, and so are the answers.
    mesh.router('C').send({ ...packet('C', 'A', { corr: 21 }), dst: { node: 'A', local: 'secret' } });
    await mesh.endpoint('A').next((p) => p.corr === 21);
  });
});

/**
 * A link whose path can vanish under it: once `vanish()`ed, it neither sends nor hears anything
 * and stays open, until a probe (as a heartbeat's) finds the peer silent and closes it.
 */
function pathThatCanVanish(inner: Link): { link: Link; vanish(): void } {
  let gone = false;
  const closers: ((close: LinkClose) => void)[] = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const listener of closers) listener({ reason, by: 'local' });
  };
  const link: Link = {
    kind: inner.kind,
    remote: inner.remote,
    get rtt() {
      return inner.rtt;
    },
    bufferedAmount: 0,
    get closed() {
      return closed;
    },
    send: (bytes) => (gone || closed ? undefined : inner.send(bytes)),
    close: (reason) => close(reason ?? 'closed'),
    probe: (within) => void setTimeout(() => gone && close('heartbeat timeout'), within),
    onPacket: (listener) => inner.onPacket((bytes) => (gone || closed ? undefined : listener(bytes))),
    onDrain: (listener) => inner.onDrain(listener),
    onClose: (listener) => void closers.push(listener),
  };
  return { link, vanish: () => (gone = true) };
}

describe('Router links', () => {
  it('uses the cheapest of several links to one neighbour and keeps the neighbour when one closes', async () => {
    mesh.add('A');
    mesh.add('B');
    mesh.link('A', 'B', { rtt: 10 }, 'slow');
    mesh.link('A', 'B', { rtt: 1 }, 'fast');
    await waitFor(() => mesh.router('A').route('B') !== undefined, 1000, 'a route');
    expect(mesh.router('A').route('B')).toMatchObject({ nextHop: 'B', metric: 20, hops: 1 });
    expect(mesh.router('A').neighbours()).toEqual([{ node: 'B', kind: 'memory', rtt: 1, cost: 20, links: 2, bytesIn: 0, bytesOut: 0 }]);
    const events: boolean[] = [];
    mesh.router('A').onReachability((event) => events.push(event.reachable));
    mesh.cut('A', 'B', 'fast');
    await waitFor(() => mesh.router('A').route('B')?.metric === 110, 1000, 'the slow link in use');
    mesh.router('A').send(packet('A', 'B', { corr: 19 }));
    await mesh.endpoint('B').next((p) => p.corr === 19);
    expect(events).toEqual([]);
    expect(mesh.endpoint('A').unreachable).toEqual([]);
  });

  it('carries everything over a link a neighbour dialled again, while its older link proves itself or closes', async () => {
    // V still holds its link to the phone P when P, on a new network, dials again: that older
    // link's path is gone, but V would learn it only at its heartbeat's timeout.
    mesh.add('P');
    mesh.add('V');
    mesh.add('N');
    mesh.link('V', 'N', { rtt: 1 });
    const [atP, atV, cable] = memoryLinkPair('P', 'V', { rtt: 1 });
    const old = pathThatCanVanish(atV);
    mesh.router('P').addLink(atP);
    mesh.router('V').addLink(old.link);
    await waitFor(() => mesh.router('P').route('N') !== undefined, 1000, 'routes over the first link');
    old.vanish();
    atP.close('network changed');
    await waitFor(() => mesh.router('P').route('N') === undefined, 1000, 'P dropping its routes');
    const redialled = performance.now();
    mesh.link('P', 'V', { rtt: 5 }, 'redialled');
    // V's answer to P's request for its table goes over the new link, not into the dead one.
    // Bounds far below the 4 s periodic update that V's table would wait for otherwise, and
    // above what a loaded machine adds to ~10 ms.
    await waitFor(() => mesh.router('P').route('N') !== undefined, 1500, 'a route to N over the new link');
    mesh.router('P').send(packet('P', 'N', { kind: PacketKind.call, corr: 31 }));
    await mesh.endpoint('N').next((p) => p.corr === 31, 1500);
    mesh.router('N').send(packet('N', 'P', { kind: PacketKind.call, corr: 32 }));
    await mesh.endpoint('P').next((p) => p.corr === 32, 1500);
    // The older link was asked to prove itself, and closed (a memory link has no heartbeat of its own).
    await waitFor(() => old.link.closed, 3000, 'the dead link closing');
    expect(performance.now() - redialled).toBeLessThan(3000);
    expect(mesh.router('V').neighbours()).toMatchObject([{ node: 'N' }, { node: 'P', links: 1 }]);
    cable.cut();
  });

  it('closes a link to the node itself', async () => {
    const a = mesh.add('A');
    const x = rawNeighbour(a, 'A');
    await waitFor(() => x.link.closed, 1000, 'the far end closed');
    expect(a.neighbours()).toEqual([]);
  });

  it('closes its links when it closes, so that neighbours retract its routes', async () => {
    await line();
    mesh.router('B').close();
    await waitFor(() => mesh.router('A').route('C') === undefined && mesh.router('A').route('B') === undefined, 1000, 'routes retracted');
    expect(mesh.router('A').neighbours()).toEqual([]);
  });

  it("refuses a neighbour's destinations beyond its cap and counts them, while a full table still takes another's", async () => {
    const b = mesh.add('B', { maxDestinations: 5, maxRoutesPerNeighbour: 4 });
    const x = rawNeighbour(b, 'X');
    const updates = (prefix: string, n: number): RouteMessage[] => Array.from({ length: n }, (_, i) => ({ type: 'update', destination: `${prefix}${i}`, seqno: 1, metric: 10, hops: 1 }));
    x.send(routePacket('X', 'B', updates('n', 20)));
    await waitFor(() => b.stats.control === 1, 1000, 'the update consumed');
    expect(b.routes()).toHaveLength(4);
    expect(b.stats.refused.cap).toBe(16);
    expect(b.stats.refusedRoutes).toBe(16);
    const y = rawNeighbour(b, 'Y');
    y.send(routePacket('Y', 'B', updates('y', 3)));
    await waitFor(() => b.stats.control === 2, 1000, 'the update consumed');
    // Two of X's went to make room: X offers the most.
    expect(b.routes().filter((route) => route.nextHop === 'Y')).toHaveLength(3);
    expect(b.routes().filter((route) => route.nextHop === 'X')).toHaveLength(2);
    expect(b.stats.evicted).toBe(2);
  });

  it('drops the routes of a neighbour silent for the hold time, and asks it for its table again', async () => {
    const clock = new ManualClock();
    const b = mesh.add('B', { updateInterval: 1000, holdTime: 3500, clock });
    const x = rawNeighbour(b, 'X');
    x.send(routePacket('X', 'B', [{ type: 'update', destination: 'Q', seqno: 1, metric: 10, hops: 1 }]));
    await clock.advance(0);
    expect(b.route('Q')).toMatchObject({ nextHop: 'X' });
    const asked = () => x.routeBodies.filter((body) => decodeRouteBody(body, DEFAULT_LIMITS, 1024).some((m) => m.type === 'request' && m.destination === null)).length;
    const before = asked();
    // Ticks come every 800–1000 ms: the one after 3.5 s of silence drops X's routes.
    await clock.advance(3400);
    expect(b.route('Q')).toBeDefined();
    await clock.advance(1100);
    expect(b.route('Q')).toBeUndefined();
    expect(asked()).toBe(before + 1);
  });

  it('keeps the routes of a neighbour that speaks at least once per hold time, whatever it says', async () => {
    const clock = new ManualClock();
    const b = mesh.add('B', { updateInterval: 1000, holdTime: 3500, clock });
    const x = rawNeighbour(b, 'X');
    x.send(routePacket('X', 'B', [{ type: 'update', destination: 'Q', seqno: 1, metric: 10, hops: 1 }]));
    for (let second = 0; second < 10; second++) {
      await clock.advance(1000);
      // Its own route only, as its periodic update would be.
      x.send(routePacket('X', 'B', [{ type: 'update', destination: 'X', seqno: 1, metric: 0, hops: 0 }]));
    }
    await clock.advance(0);
    expect(b.route('Q')).toMatchObject({ nextHop: 'X' });
  });
});
