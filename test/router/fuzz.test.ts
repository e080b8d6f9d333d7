import { encodeValue } from '../../src/firefly/codec.js';
import { encodePacket, PacketKind } from '../../src/firefly/packet.js';
import { ROUTER_LOCAL } from '../../src/router/router.js';
import { totalDropped } from '../../src/router/stats.js';
import { waitFor } from '../helpers/waitFor.js';
import { Mesh, packet, rawNeighbour, seeded } from './helpers.js';

/**
 * Hostile input on a link: 100 000 malformed, truncated, bit-flipped and forged packets from a
 * neighbour P into router R (which also links to Q). R must not throw, must keep the link
 * serving, must account for every packet, and must still route real traffic afterwards.
 */
const COUNT = 100_000;

let mesh: Mesh;
afterEach(() => mesh.close());

it(`survives ${COUNT} malformed and forged packets from a link and still routes afterwards`, async () => {
  mesh = new Mesh({ updateInterval: 60_000, grace: 20 });
  const r = mesh.add('R');
  mesh.add('Q');
  mesh.link('R', 'Q');
  const p = rawNeighbour(r, 'P');
  await waitFor(() => r.route('Q') !== undefined, 1000, 'a route to Q');
  const random = seeded(0xf022);
  const int = (below: number) => Math.floor(random() * below);
  const bytes = (length: number) => Uint8Array.from({ length }, () => int(256));
  const templates = [
    encodePacket(packet('P', 'Q', { corr: 1 })),
    encodePacket(packet('P', 'R', { corr: 2, kind: PacketKind.cast })),
    encodePacket(packet('P', 'Q', { kind: PacketKind.signal, method: 'monitor', body: encodeValue(null) })),
    encodePacket(packet('P', 'Q', { kind: PacketKind.stream, method: 'items' })),
  ];
  const makers: (() => Uint8Array)[] = [
    // Random bytes, including empty and single-byte messages.
    () => bytes(int(80)),
    // Truncated valid packets.
    () => {
      const template = templates[int(templates.length)]!;
      return template.slice(0, int(template.length));
    },
    // One flipped bit in a valid packet: often still a packet, with a changed field.
    () => {
      // A copy: the template is a Node Buffer, whose slice() would be a view of it.
      const copy = Uint8Array.from(templates[int(templates.length)]!);
      const bit = int(copy.length * 8);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      return copy;
    },
    // Forged sources: this router itself, to itself or onwards.
    () => encodePacket(packet('R', random() < 0.5 ? 'R' : 'Q', { corr: int(1000) })),
    // Route packets: from a router that is not at the end of the link, or with a garbage body.
    () => encodePacket({ ...packet(random() < 0.5 ? 'Q' : 'P', 'R'), kind: PacketKind.route, src: { node: 'P', local: ROUTER_LOCAL }, body: bytes(int(40)) }),
    () => encodePacket({ ...packet('Q', 'R'), kind: PacketKind.route, src: { node: 'Q', local: ROUTER_LOCAL } }),
    // Well-formed but undeliverable: unknown destinations, spent hop limits.
    () => encodePacket(packet('P', `z${int(50)}`, { corr: int(1000), kind: random() < 0.5 ? PacketKind.call : PacketKind.cast })),
    () => encodePacket(packet('P', 'Q', { hop: 0, corr: int(1000) })),
  ];
  const before = r.stats.received;
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) p.send(makers[int(makers.length)]!());
  await waitFor(() => r.stats.received - before >= COUNT, 15_000, 'every packet handled');
  const took = performance.now() - started;
  await waitFor(() => r.stats.held === 0, 1000, 'nothing held');
  // Let answers and updates the garbage provoked settle before counting.
  let last = -1;
  await waitFor(() => {
    const now = r.stats.received + r.stats.forwarded;
    const quiet = now === last;
    last = now;
    return quiet;
  }, 1000, 'quiet');

  const stats = r.stats;
  expect(stats.received + stats.originated + stats.generated).toBe(stats.delivered + stats.forwarded + stats.control + totalDropped(stats) + stats.held);
  for (const reason of ['badpacket', 'forged', 'badroute', 'noroute', 'hoplimit'] as const) expect(stats.dropped[reason]).toBeGreaterThan(0);
  expect(stats.dropped.local).toBe(0);
  expect(stats.delivered + stats.forwarded).toBeGreaterThan(0);
  console.log(`fuzz: ${COUNT} packets in ${took.toFixed(0)} ms; ${JSON.stringify(stats)}`);

  // The link still serves, both ways, and the table still routes.
  p.send(encodePacket(packet('P', 'Q', { corr: 424242 })));
  await mesh.endpoint('Q').next((arrived) => arrived.corr === 424242, 1000);
  r.send(packet('R', 'P', { corr: 434343, kind: PacketKind.cast }));
  await waitFor(() => p.packets.some((arrived) => arrived.corr === 434343), 1000, 'a packet back to P');
  expect(r.route('Q')?.nextHop).toBe('Q');
}, 20_000);
