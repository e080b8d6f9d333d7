/**
 * Channel fan-out over the mesh: a channel on node H, three remote nodes linked to H over
 * WebSocket, and 1, 10 or 100 live `block` subscribers on each remote node (so 3, 30, 300 in
 * all). A publisher on H publishes small messages with a window of publishes in flight; a round
 * ends when every subscriber has every message, in order (a lost, duplicated or reordered
 * message fails the run). Each remote node's relay takes one copy per message off its link and
 * fans it out locally, so the link carries the same traffic whatever the subscriber count.
 *
 * The raw baseline, in the same run and in alternating rounds, has the same shape: a plain `ws`
 * server on loopback sends messages as large as Glow's item packet to three plain clients, one
 * `send` per message per client, and each client hands every message to as many local
 * consumers as Glow has subscribers on a node — async iterators read with `for await`, as the
 * subscribers are — until each consumer has them all. Ratios are rates over raw rates (higher is
 * better): messages/s (every consumer has it) and deliveries/s alike.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Mesh } from '../../src/actors/mesh.js';
import { DEFAULT_HOP_LIMIT, encodePacket, encodeValue, PacketKind, PROTOCOL_VERSION, type ResourceId } from '../../src/index.js';
import { channelKind, publishChannel, subscribeChannel, type ChannelItem } from '../../src/resources/channel/index.js';
import { listenWebSocket } from '../../src/transport/websocketServer.js';
import { alternate, median, now, round, tick, type BenchResult, type Benchmark } from '../harness.js';
import { meshNode, once, sleep, until } from '../mesh/fixtures.js';

/** Remote nodes, each with its own link to H. */
const REMOTES = 3;
/** Subscribers per remote node, one row each. */
const LEVELS = [1, 10, 100] as const;
/** Messages per round at each level, Glow and raw alike (fewer when each is delivered many times). */
const MESSAGES: Record<(typeof LEVELS)[number], number> = { 1: 10_000, 10: 4_000, 100: 1_000 };
/** Publishes in flight. */
const WINDOW = 64;
/** Raw messages written per client per event-loop turn. */
const RAW_BURST = 64;
const ROUNDS = 3;
/** The message published: a small object with ~100 bytes of text. */
const message = (n: number) => ({ n, text: 'x'.repeat(100) });

/** The mesh: H holds the channel, the others subscribe. */
interface Star {
  hub: Mesh;
  remotes: Mesh[];
  channel: ResourceId;
  close(): Promise<void>;
}

async function star(): Promise<Star> {
  const hub = meshNode();
  const remotes = Array.from({ length: REMOTES }, () => meshNode());
  const listener = await listenWebSocket({ identity: hub.identity, onLink: (link) => hub.addLink(link) });
  const close = async () => {
    await Promise.all([hub, ...remotes].map((mesh) => mesh.close()));
    await listener.close();
  };
  try {
    for (const remote of remotes) await remote.connect(listener.url, { expect: hub.id });
    await until(() => remotes.every((remote) => remote.router.route(hub.id) !== undefined && hub.router.route(remote.id) !== undefined), 'routes to H');
    await sleep(200);
    hub.node.registerKind(channelKind);
    // A generous publish timeout: a publish that waits for a lagging subscriber must not turn `busy`.
    const channel = (await hub.node.spawn('channel', { publishTimeout: 60_000 })).id;
    return { hub, remotes, channel, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One subscriber: what it received, checked as it goes. */
interface Tally {
  count: number;
  /** Offset it expects next; -1 before its first item. */
  next: number;
}

/** Subscribers of one level, all counting into a shared total. */
class Subscribers {
  readonly tallies: Tally[] = [];
  private readonly iterators: AsyncIterableIterator<ChannelItem>[] = [];
  private readonly loops: Promise<void>[] = [];
  private failure?: Error;
  private pending = 0;
  private done?: () => void;

  constructor(star: Star, perNode: number) {
    for (const remote of star.remotes) {
      for (let i = 0; i < perNode; i++) {
        const tally: Tally = { count: 0, next: -1 };
        const iterator = subscribeChannel(remote.node, star.channel);
        this.tallies.push(tally);
        this.iterators.push(iterator);
        this.loops.push(this.consume(iterator, tally));
      }
    }
  }

  private async consume(iterator: AsyncIterableIterator<ChannelItem>, tally: Tally): Promise<void> {
    try {
      for await (const item of iterator) {
        if (item.dropped || item.gap || (tally.next >= 0 && item.offset !== tally.next)) {
          throw new Error(`bench: subscriber expected offset ${tally.next}, got ${item.offset}${item.dropped ? ` (${item.dropped} dropped)` : ''}${item.gap ? ' (gap)' : ''}`);
        }
        tally.next = item.offset + 1;
        tally.count++;
        if (--this.pending === 0) this.done?.();
      }
    } catch (error) {
      this.failure ??= error as Error;
      this.done?.();
    }
  }

  /** Resolves once `deliveries` more items arrived (in all); rejects if a subscriber failed. */
  expect(deliveries: number): Promise<void> {
    this.pending += deliveries;
    return new Promise((resolve, reject) => {
      this.done = () => (this.failure ? reject(this.failure) : this.pending <= 0 && resolve());
      this.done();
    });
  }

  /** Every subscriber got every message from `from` up to (not including) `to`, and nothing else. */
  verify(from: number, to: number): void {
    if (this.failure) throw this.failure;
    const wrong = this.tallies.filter((tally) => tally.count !== to - from || tally.next !== to);
    if (wrong.length) throw new Error(`bench: ${wrong.length} of ${this.tallies.length} subscribers missed messages (first: ${wrong[0]!.count} of ${to - from})`);
  }

  async close(): Promise<void> {
    await Promise.all(this.iterators.map((iterator) => iterator.return?.()));
    await Promise.race([Promise.all(this.loops), sleep(5000)]);
  }
}

/** Publishes `n` messages from `hub` with `WINDOW` in flight; answers the nanoseconds until all were answered. */
async function publish(star: Star, n: number): Promise<number> {
  const start = now();
  let next = 0;
  const publisher = async () => {
    while (next < n) await publishChannel(star.hub.node, star.channel, message(next++));
  };
  await Promise.all(Array.from({ length: WINDOW }, publisher));
  return Number(now() - start);
}

/**
 * Publishes one message at a time until every subscriber has received one: their subscriptions
 * (and their nodes' relays) are live. Answers the offset the measured messages start at.
 */
async function warm(star: Star, subscribers: Subscribers): Promise<number> {
  const deadline = performance.now() + 10_000;
  let last = 0;
  while (!subscribers.tallies.every((tally) => tally.count > 0)) {
    if (performance.now() > deadline) throw new Error('bench: subscribers did not start within 10 s');
    last = await publishChannel(star.hub.node, star.channel, message(-1));
    await sleep(20);
  }
  // Everything published so far delivered everywhere: counts start from here.
  await until(() => subscribers.tallies.every((tally) => tally.next === last + 1), 'warm-up deliveries');
  for (const tally of subscribers.tallies) tally.count = 0;
  return last + 1;
}

// ---- the raw baseline -----------------------------------------------------------------------

/**
 * An async iterator fed by `push`, read with `for await`: a raw subscriber. A message waits in
 * a queue when the reader is not waiting for one.
 */
class Consumer implements AsyncIterableIterator<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;

  push(message: Uint8Array): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value: message, done: false });
    } else this.queue.push(message);
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const message = this.queue.shift();
    if (message) return Promise.resolve({ value: message, done: false });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }
}

/**
 * A plain ws server with `REMOTES` plain clients, each handing what it receives to `perClient`
 * consumers; a round sends `n` messages to each client and ends when every consumer has them.
 */
async function rawFanout(size: number, perClient: number): Promise<{ round(n: number): Promise<number>; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const sockets: WebSocket[] = [];
  const connected = new Promise<void>((resolve) => server.on('connection', (socket) => sockets.push(socket) === REMOTES && resolve()));
  const counts = new Array<number>(REMOTES * perClient).fill(0);
  let onMessage: (() => void) | undefined;
  const clients = await Promise.all(
    Array.from({ length: REMOTES }, async (_, i) => {
      const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        client.once('open', resolve);
        client.once('error', reject);
      });
      const consumers = Array.from({ length: perClient }, (_, k) => {
        const consumer = new Consumer();
        void (async () => {
          for await (const _message of consumer) {
            counts[i * perClient + k]!++;
            onMessage?.();
          }
        })();
        return consumer;
      });
      client.on('message', (data: RawData) => {
        for (const consumer of consumers) consumer.push(data as Buffer);
      });
      return client;
    }),
  );
  await connected;
  const payload = new Uint8Array(size).fill(7);
  return {
    async round(n) {
      counts.fill(0);
      const start = now();
      const received = new Promise<void>((resolve) => {
        let left = n * REMOTES * perClient;
        onMessage = () => --left === 0 && resolve();
      });
      for (let sent = 0; sent < n; ) {
        const burst = Math.min(RAW_BURST, n - sent);
        for (const socket of sockets) for (let i = 0; i < burst; i++) socket.send(payload, { binary: true });
        sent += burst;
        await tick();
      }
      await received;
      const ns = Number(now() - start);
      if (counts.some((count) => count !== n)) throw new Error(`bench: raw consumers got ${counts.filter((count) => count !== n).slice(0, 5).join(', ')}… of ${n}`);
      return ns;
    },
    async close() {
      for (const client of clients) client.terminate();
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Size of the item packet that carries one message to a relay (what the raw baseline sends). */
function itemPacketSize(channel: ResourceId): number {
  return encodePacket({
    version: PROTOCOL_VERSION,
    kind: PacketKind.item,
    src: channel,
    dst: channel,
    hop: DEFAULT_HOP_LIMIT,
    corr: 123_456,
    method: '',
    body: encodeValue({ offset: 123_456, message: message(123_456) }),
  }).length;
}

// ---- measuring ------------------------------------------------------------------------------

interface Level {
  /** Median ns per Glow round (`messages` published and delivered everywhere) and per raw round. */
  glowNs: number;
  rawNs: number;
  /** Median ns until the last publish of a round was answered. */
  publishNs: number;
  messages: number;
  perNode: number;
}

async function measure(): Promise<{ levels: Level[]; size: number }> {
  const mesh = await star();
  const size = itemPacketSize(mesh.channel);
  try {
    const levels: Level[] = [];
    for (const perNode of LEVELS) {
      const subscribers = new Subscribers(mesh, perNode);
      const raw = await rawFanout(size, perNode);
      try {
        const first = await warm(mesh, subscribers);
        const messages = MESSAGES[perNode];
        let published = 0;
        const publishTimes: number[] = [];
        const glowRound = async () => {
          const start = now();
          const delivered = subscribers.expect(messages * subscribers.tallies.length);
          publishTimes.push(await publish(mesh, messages));
          await delivered;
          published += messages;
          return Number(now() - start);
        };
        const [glowNs, rawNs] = (await alternate([glowRound, () => raw.round(messages)], { warmup: 1, rounds: ROUNDS })) as [number, number];
        subscribers.verify(first, first + published);
        levels.push({ glowNs, rawNs, publishNs: median(publishTimes.slice(1)), messages, perNode }); // [0]: the warm-up round
      } finally {
        await subscribers.close();
        await raw.close();
      }
    }
    return { levels, size };
  } finally {
    await mesh.close();
  }
}

const run = once(measure);

function rows(): Benchmark[] {
  const note =
    `channel.fanout: channel on node H, ${REMOTES} remote nodes linked to H over ws (this process, loopback), N live 'block' ` +
    `subscribers per remote node; publisher on H with ${WINDOW} publishes in flight, ~100-byte messages; ` +
    'rate = messages published and delivered to every subscriber per second; raw = plain ws server sending item-packet-sized ' +
    `messages to ${REMOTES} clients, 1 send per message per client, each client handing each message to N async-iterator consumers`;
  return LEVELS.flatMap((perNode, index): Benchmark[] => {
    const level = async () => (await run()).levels[index]!;
    const base = `channel.fanout.${REMOTES}x${perNode}`;
    return [
      {
        name: base,
        baseline: `plain ws to ${REMOTES} clients × ${perNode} consumers each: messages/s`,
        better: 'higher',
        note,
        run: async (): Promise<BenchResult> => {
          const l = await level();
          const glow = l.messages / (l.glowNs / 1e9);
          const raw = l.messages / (l.rawNs / 1e9);
          return { name: base, value: round(glow), unit: 'msgs/s', baseline: round(raw), ratio: round(glow / raw) };
        },
      },
      {
        name: `${base}.deliveries`,
        baseline: `plain ws to ${REMOTES} clients × ${perNode} consumers each: deliveries/s`,
        better: 'higher',
        note,
        run: async (): Promise<BenchResult> => {
          const l = await level();
          const glow = (l.messages * REMOTES * perNode) / (l.glowNs / 1e9);
          const raw = (l.messages * REMOTES * perNode) / (l.rawNs / 1e9);
          return { name: `${base}.deliveries`, value: round(glow), unit: 'deliveries/s', baseline: round(raw), ratio: round(glow / raw) };
        },
      },
      {
        name: `${base}.publish`,
        baseline: `plain ws to ${REMOTES} clients × ${perNode} consumers each: messages/s`,
        better: 'higher',
        note,
        run: async (): Promise<BenchResult> => {
          const l = await level();
          const glow = l.messages / (l.publishNs / 1e9);
          const raw = l.messages / (l.rawNs / 1e9);
          return { name: `${base}.publish`, value: round(glow), unit: 'publishes/s', baseline: round(raw), ratio: round(glow / raw) };
        },
      },
    ];
  });
}

export default rows();
