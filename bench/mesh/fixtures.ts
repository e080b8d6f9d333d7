/**
 * What the mesh benchmarks share: in-process meshes linked in a line (WebSocket or WebRTC), the
 * raw transports they are compared with (a plain `ws` echo, a plain data-channel echo, and a
 * relay of each for two hops), and the drivers that time them.
 */
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { DEFAULT_HOP_LIMIT, defineInterface, encodePacket, encodeValue, method, PacketKind, PROTOCOL_VERSION, type ResourceRef } from '../../src/index.js';
import { Mesh } from '../../src/actors/mesh.js';
import type { Channel } from '../../src/transport/channel.js';
import { createIdentity } from '../../src/transport/identity.js';
import { useCipherBackend } from '../../src/transport/ciphers.js';
import type { Link } from '../../src/transport/link.js';
import { nodeCiphers } from '../../src/transport/nodeCiphers.js';
import type { OpenLinkOptions } from '../../src/transport/openLink.js';
import type { WebRtcBackend } from '../../src/transport/webrtcPeer.js';
import { webrtcTeardowns } from '../../src/transport/webrtcPeer.js';
import { createNodeWebSocket, listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import { now } from '../harness.js';
import { channelPair } from './webrtcPair.js';

/** The resource every remote call goes to: it answers with its argument. */
export const Echo = defineInterface('bench.Echo/1', {
  echo: method(v.object({ n: v.number() }), v.number()),
});

// Links seal with libsodium, as they do in the daemon (glow/node installs it).
useCipherBackend(nodeCiphers);

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every few ms until it holds, failing after `timeout` ms. */
export async function until(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeout} ms`);
    await sleep(2);
  }
}

/** Memoises an async setup-and-measure, so that every row drawn from one run shares it. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

/** A mesh node with default settings (a WebSocket factory, and WebRTC when a backend is given), links opened with `link`. */
export function meshNode(backend?: WebRtcBackend, link: OpenLinkOptions = {}): Mesh {
  return new Mesh({
    identity: createIdentity(),
    webSocket: createNodeWebSocket,
    link,
    ...(backend ? { webrtc: { backend, loopbackOnly: true } } : {}),
  });
}

/** A line of meshes A—B—C, routes converged, plus what closing it takes. */
export interface Line {
  nodes: Mesh[];
  close(): Promise<void>;
}

/** Three meshes in a line over WebSocket (links opened with `link`: encrypted by default): B listens, A and C dial it. */
export async function wsLine(link: OpenLinkOptions = {}): Promise<Line> {
  const nodes = [meshNode(undefined, link), meshNode(undefined, link), meshNode(undefined, link)];
  const [a, b, c] = nodes as [Mesh, Mesh, Mesh];
  const listener: WebSocketListener = await listenWebSocket({ ...b.linkOptions(), identity: b.identity, onLink: (link) => b.addLink(link) });
  await a.connect(listener.url, { expect: b.id });
  await c.connect(listener.url, { expect: b.id });
  await converged(a, c);
  return {
    nodes,
    async close() {
      await Promise.all(nodes.map((mesh) => mesh.close()));
      await listener.close();
    },
  };
}

/** Three meshes in a line over WebRTC data channels of `backend`, signalled in memory, loopback only. */
export async function rtcLine(backend: WebRtcBackend): Promise<Line> {
  const nodes = [meshNode(backend), meshNode(backend), meshNode(backend)];
  const [a, b, c] = nodes as [Mesh, Mesh, Mesh];
  await rtcLink(backend, a, b);
  await rtcLink(backend, b, c);
  await converged(a, c);
  return {
    nodes,
    async close() {
      await Promise.all(nodes.map((mesh) => mesh.close()));
      await webrtcTeardowns();
    },
  };
}

/** Opens a data channel between two meshes and links it on both sides. */
async function rtcLink(backend: WebRtcBackend, a: Mesh, b: Mesh): Promise<[Link, Link]> {
  const pair = await channelPair(backend);
  return Promise.all([a.linkChannel(pair.a, b.id), b.linkChannel(pair.b, a.id)]);
}

/** Waits until A and C route to each other, then lets the links settle (first heartbeats, RTT-based metrics). */
async function converged(a: Mesh, c: Mesh): Promise<void> {
  await until(() => a.router.route(c.id) !== undefined && c.router.route(a.id) !== undefined, 'routes A↔C');
  await sleep(300);
}

/** Spawns the echo resource on `on` and returns a ref to it as `from` sees it. */
export function echoOn(on: Mesh, from: Mesh): ResourceRef<typeof Echo> {
  const ref = on.node.spawnResource({ iface: Echo, handlers: { echo: ({ n }) => n } });
  return from.node.ref(ref.id, Echo);
}

/**
 * The size of a Glow call packet from `from` to the echo resource `to` (as `from` calls it:
 * from its node resource, with a six-digit correlation id): the raw baselines send messages of
 * this size, so that both move the same bytes per call.
 */
export function callPacketSize(from: Mesh, to: ResourceRef<typeof Echo>): number {
  return encodePacket({
    version: PROTOCOL_VERSION,
    kind: PacketKind.call,
    src: from.node.self.id,
    dst: to.id,
    hop: DEFAULT_HOP_LIMIT,
    corr: 123_456,
    method: 'echo',
    body: encodeValue({ n: 123_456 }),
  }).length;
}

// ---- raw transports ---------------------------------------------------------------------------

/** A raw message pipe to an echo (directly or through a relay): what the baselines time. */
export interface EchoPipe {
  send(message: Uint8Array): void;
  /** Each echoed message. */
  onecho: (() => void) | undefined;
  close(): Promise<void>;
}

/** A plain `ws` echo server on loopback (no compression); `relayTo` makes it a relay to another server instead. */
async function wsServer(relayTo?: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const upstreams: WebSocket[] = [];
  server.on('connection', (socket) => {
    if (!relayTo) {
      socket.on('message', (data: RawData) => socket.send(data as Buffer, { binary: true }));
      return;
    }
    // A relay: everything from the client goes upstream and back, message by message.
    const upstream = new WebSocket(relayTo, { perMessageDeflate: false });
    upstreams.push(upstream);
    const early: Buffer[] = [];
    upstream.on('open', () => {
      for (const message of early.splice(0)) upstream.send(message, { binary: true });
    });
    socket.on('message', (data: RawData) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data as Buffer, { binary: true });
      else early.push(data as Buffer);
    });
    upstream.on('message', (data: RawData) => socket.send(data as Buffer, { binary: true }));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    async close() {
      for (const upstream of upstreams) upstream.terminate();
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plain `ws` client to a plain echo, directly (`hops` 1) or through a relay (`hops` 2); every message is its own `send`. */
export async function wsEcho(hops: 1 | 2): Promise<EchoPipe> {
  const echo = await wsServer();
  const relay = hops === 2 ? await wsServer(echo.url) : undefined;
  const socket = new WebSocket((relay ?? echo).url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pipe: EchoPipe = {
    send: (message) => socket.send(message, { binary: true }),
    onecho: undefined,
    async close() {
      socket.terminate();
      await relay?.close();
      await echo.close();
    },
  };
  socket.on('message', () => pipe.onecho?.());
  return pipe;
}

/**
 * A plain data-channel echo over `backend` (Glow's paced channel as the backend opens it: no
 * framing, no batching, no handshake — each message is one data-channel message), directly or
 * through a relay that forwards message by message.
 */
export async function channelEcho(backend: WebRtcBackend, hops: 1 | 2): Promise<EchoPipe> {
  const first = await channelPair(backend);
  const channels: Channel[] = [first.a, first.b];
  let far: Channel = first.b;
  if (hops === 2) {
    const second = await channelPair(backend);
    channels.push(second.a, second.b);
    relay(first.b, second.a);
    far = second.b;
  }
  const echo = far;
  echo.onmessage = (message) => echo.send(message);
  const pipe: EchoPipe = {
    send: (message) => first.a.send(message),
    onecho: undefined,
    async close() {
      for (const channel of channels) channel.close();
      await webrtcTeardowns();
    },
  };
  first.a.onmessage = () => pipe.onecho?.();
  return pipe;
}

function relay(a: Channel, b: Channel): void {
  a.onmessage = (message) => b.send(message);
  b.onmessage = (message) => a.send(message);
}

// ---- drivers ----------------------------------------------------------------------------------

/** A round of `n` raw echoes with `window` in flight: nanoseconds until the last came back. */
export function rawRate(pipe: EchoPipe, message: Uint8Array, n: number, window: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let echoed = 0;
    const start = now();
    pipe.onecho = () => {
      if (++echoed === n) return resolve(Number(now() - start));
      if (sent < n) {
        sent++;
        pipe.send(message);
      }
    };
    for (; sent < Math.min(window, n); sent++) pipe.send(message);
  });
}

/** A round of `n` raw echoes one after the other: nanoseconds in all. */
export function rawRtt(pipe: EchoPipe, message: Uint8Array, n: number): Promise<number> {
  return new Promise((resolve) => {
    let echoed = 0;
    const start = now();
    pipe.onecho = () => {
      if (++echoed === n) resolve(Number(now() - start));
      else pipe.send(message);
    };
    pipe.send(message);
  });
}

/** A round of `n` Glow calls with `window` in flight (each caller awaits its call, then makes the next). */
export async function callRate(ref: ResourceRef<typeof Echo>, n: number, window: number): Promise<number> {
  let next = 0;
  const caller = async () => {
    while (next < n) {
      const i = next++;
      if ((await ref.call('echo', { n: i })) !== i) throw new Error('bench: wrong echo');
    }
  };
  const start = now();
  await Promise.all(Array.from({ length: Math.min(window, n) }, caller));
  return Number(now() - start);
}

/** A round of `n` Glow calls one after the other. */
export async function callRtt(ref: ResourceRef<typeof Echo>, n: number): Promise<number> {
  const start = now();
  for (let i = 0; i < n; i++) if ((await ref.call('echo', { n: i })) !== i) throw new Error('bench: wrong echo');
  return Number(now() - start);
}
