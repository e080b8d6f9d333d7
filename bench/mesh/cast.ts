/**
 * Remote casts over one WebSocket hop: node B runs 1 000 handler resources, node A casts to them
 * in turn, and the clock stops when B's resources have handled every cast. A keeps at most
 * {@link WINDOW} casts unhandled (it reads B's count: both live in this process), so that what is
 * measured is the rate the hop sustains, not how fast A can fill a buffer.
 *
 * Baseline, same process setup and alternating rounds: a plain `ws` client sending messages as
 * large as a Glow cast packet to a plain `ws` server, one `send` per message, under the same
 * window on the server's count. Ratio: Glow's rate over raw's (higher is better).
 */
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { WebSocket, WebSocketServer } from 'ws';
import type { Mesh } from '../../src/actors/mesh.js';
import { cast, defineInterface, DEFAULT_HOP_LIMIT, encodePacket, encodeValue, PacketKind, PROTOCOL_VERSION, type ResourceRef } from '../../src/index.js';
import { listenWebSocket } from '../../src/transport/websocketServer.js';
import { alternate, now, round, tick, type Benchmark } from '../harness.js';
import { meshNode, sleep, until } from './fixtures.js';

/** Resources on B. */
const RESOURCES = 1000;
/** Casts per round. */
const CASTS = 200_000;
/** Casts sent and not yet handled, at most. */
const WINDOW = 4096;
/** Casts written per turn of the event loop before yielding to I/O. */
const BURST = 1024;
const ROUNDS = 7;
/** The goal. */
const GOAL = 250_000;

const Counter = defineInterface('bench.CastCounter/1', {
  inc: cast(v.object({ by: v.number() })),
});

/** Sends `total` messages through `send` with at most WINDOW ahead of `done()`; nanoseconds until done() reaches it. */
async function drive(total: number, send: (i: number) => void, done: () => number): Promise<number> {
  const base = done();
  const start = now();
  let sent = 0;
  while (sent < total) {
    const room = Math.min(BURST, total - sent, WINDOW - (sent - (done() - base)));
    for (let i = 0; i < room; i++) send(sent++);
    await tick();
  }
  while (done() - base < total) await tick();
  return Number(now() - start);
}

/** A and B over one WebSocket link, B with RESOURCES counters; `round()` casts CASTS times. */
async function glowPair(): Promise<{ round(): Promise<number>; packetSize: number; close(): Promise<void> }> {
  const [a, b] = [meshNode(), meshNode()] as [Mesh, Mesh];
  const listener = await listenWebSocket({ identity: b.identity, onLink: (link) => b.addLink(link) });
  await a.connect(listener.url, { expect: b.id });
  await until(() => a.router.route(b.id) !== undefined, 'a route A→B');
  await sleep(100);
  let handled = 0;
  const spec = { iface: Counter, handlers: { inc: ({ by }: { by: number }) => void (handled += by) } };
  const refs: ResourceRef<typeof Counter>[] = Array.from({ length: RESOURCES }, () => a.node.ref(b.node.spawnResource(spec).id, Counter));
  const packetSize = encodePacket({
    version: PROTOCOL_VERSION,
    kind: PacketKind.cast,
    src: a.node.self.id,
    dst: refs[0]!.id,
    hop: DEFAULT_HOP_LIMIT,
    corr: 0,
    method: 'inc',
    body: encodeValue({ by: 1 }),
  }).length;
  return {
    packetSize,
    round: async () => {
      const time = await drive(CASTS, (i) => refs[i % RESOURCES]!.cast('inc', { by: 1 }), () => handled);
      if (a.node.stats.castsFailed || b.node.stats.castsFailed) throw new Error('mesh.ws.cast: casts failed');
      return time;
    },
    async close() {
      await Promise.all([a.close(), b.close()]);
      await listener.close();
    },
  };
}

/** A plain ws server and client on loopback; `round()` sends CASTS messages of `size` bytes. */
async function rawPair(size: number): Promise<{ round(): Promise<number>; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  let received = 0;
  server.on('connection', (socket) => socket.on('message', () => received++));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  const message = new Uint8Array(size).fill(7);
  return {
    round: () => drive(CASTS, () => client.send(message, { binary: true }), () => received),
    async close() {
      client.terminate();
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const bench: Benchmark = {
  name: 'mesh.ws.cast.1hop',
  baseline: 'plain ws messages/s, same size, 1 send each',
  better: 'higher',
  goal: { of: 'value', atLeast: GOAL, label: '250 000 casts/s to 1 000 resources' },
  note:
    `mesh.ws.cast.1hop: nodes A—B in this process over one WebSocket link on loopback, ${RESOURCES} handler resources on B, ` +
    `A casts to each in turn, at most ${WINDOW} unhandled; raw = a plain ws client sending cast-packet-sized messages under the same window`,
  async run() {
    const glow = await glowPair();
    const raw = await rawPair(glow.packetSize);
    try {
      const [glowNs, rawNs] = (await alternate([glow.round, raw.round], { rounds: ROUNDS })) as [number, number];
      const glowRate = CASTS / (glowNs / 1e9);
      const rawRate = CASTS / (rawNs / 1e9);
      return { name: bench.name, value: round(glowRate), unit: 'casts/s', baseline: round(rawRate), ratio: round(glowRate / rawRate) };
    } finally {
      await raw.close();
      await glow.close();
    }
  },
};

export default bench;
