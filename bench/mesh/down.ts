/**
 * Node-down detection after SIGKILL: a child OS process node is linked to this process's mesh
 * (WebSocket, or werift WebRTC alone), this side monitors a resource on it, the child is
 * killed, and the clock runs from the kill to the monitor's `DOWN noconnection`. Repeated with
 * a fresh child each time; min, median, p90 and max are reported.
 *
 * Baselines, measured on the same kills:
 * - WebSocket: the raw TCP close — the child also holds a plain `ws` connection to a plain
 *   server here, and the same kill is timed to that socket's `close` event. Glow adds the
 *   router's grace (250 ms by default: a lost route may be replaced before callers are told).
 * - werift: a plain data channel to the same child, watched by the same heartbeat rule as a
 *   link's (rawHeartbeat.ts: ping every 250 ms, dead after 1000 ms of silence). A killed peer
 *   says nothing and a data channel has no close to notice (werift's own ICE consent check
 *   takes ~30 s), so silence is all there is; Glow adds closing the link, the router's grace and
 *   the monitor's DOWN.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExitReason } from '../../src/index.js';
import { loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { median, quantile, round, type BenchResult, type Benchmark } from '../harness.js';
import { once, sleep } from './fixtures.js';
import { benchNode } from './processes.js';
import { watchOverRtc } from './rawHeartbeat.js';

/** Kills per transport. */
const KILLS = 20;
/** The goal: DOWN within 1.5 s of a SIGKILL, every time. */
const GOAL_MS = 1500;

interface Kill {
  down: number;
  /** When the raw baseline saw the child gone: the plain ws socket's close, or the plain data channel's heartbeat. */
  raw: number;
}

/** A plain `ws` server: `next()` resolves with the next connection's socket. */
async function rawServer(): Promise<{ url: string; next: () => Promise<WebSocket>; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.on('error', () => {}));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next: () => new Promise((resolve) => server.once('connection', resolve)),
    close: () => {
      // The server's close waits for every connection to end: end them.
      for (const client of server.clients) client.terminate();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function measure(transport: 'ws' | 'werift'): Promise<Kill[]> {
  const bench = await benchNode();
  const raw = transport === 'ws' ? await rawServer() : undefined;
  const backend = transport === 'werift' ? await loadWebRtcBackend('werift') : undefined;
  const kills: Kill[] = [];
  try {
    for (let i = 0; i < KILLS; i++) {
      process.stderr.write(`\r  ${transport} kill ${i + 1}/${KILLS}…`);
      const child = await bench.child(transport);
      let rawGone: Promise<number>;
      let closeRaw = () => {};
      if (raw) {
        const accepted = raw.next();
        await child.request('rawws', { url: raw.url });
        const socket = await accepted;
        rawGone = new Promise((resolve) => socket.once('close', () => resolve(performance.now())));
      } else {
        const watch = await watchOverRtc(child, backend!);
        rawGone = watch.dead;
        closeRaw = watch.close;
      }
      // The monitored resource: a process started on the child.
      const probe = bench.mesh.node.lookup(await child.request<string>('spawn', { kind: 'echo', args: { name: `probe-${transport}-${i}` } }));
      const down = new Promise<{ at: number; reason: ExitReason }>((resolve) =>
        bench.mesh.node.monitor(probe.id, (signal) => resolve({ at: performance.now(), reason: signal.reason })),
      );
      // The monitor went out before this call on the same link: once it is answered, the child holds the monitor.
      await probe.describe();
      // Kills land at a random phase of the heartbeats.
      await sleep(100 + Math.random() * 300);
      const killedAt = performance.now();
      const exited = child.kill();
      const signal = await Promise.race([down, sleep(10_000).then(() => undefined)]);
      await exited;
      if (!signal) throw new Error(`bench: no DOWN within 10 s of killing ${child.id}`);
      if (signal.reason !== 'noconnection') throw new Error(`bench: DOWN ${JSON.stringify(signal.reason)}, expected noconnection`);
      const rawAt = await Promise.race([rawGone, sleep(10_000).then(() => undefined)]);
      closeRaw();
      if (rawAt === undefined) throw new Error(`bench: the raw ${transport} baseline did not see the kill within 10 s`);
      kills.push({ down: signal.at - killedAt, raw: rawAt - killedAt });
    }
  } finally {
    process.stderr.write('\n');
    await bench.close();
    await raw?.close();
  }
  return kills;
}

const STATS = [
  { suffix: 'min', of: (values: number[]) => Math.min(...values) },
  { suffix: 'median', of: median },
  { suffix: 'p90', of: (values: number[]) => quantile(values, 0.9) },
  { suffix: 'max', of: (values: number[]) => Math.max(...values) },
] as const;

function rows(transport: 'ws' | 'werift'): Benchmark[] {
  const run = once(() => measure(transport));
  const baseline = transport === 'ws' ? 'raw TCP close of a plain ws socket, same kills' : 'plain data channel, same heartbeat rule (250/1000 ms), same kills';
  const note =
    `mesh.down.${transport}: ${KILLS} SIGKILLs of a child process node linked ` +
    (transport === 'ws' ? 'over WebSocket' : 'over werift WebRTC only') +
    "; kill → this node's DOWN noconnection; bench node on default settings (heartbeat 250/1000 ms, router grace 250 ms)";
  return STATS.map(({ suffix, of }) => {
    const bench: Benchmark = {
      name: `mesh.down.${transport}.${suffix}`,
      baseline,
      note,
      ...(suffix === 'max' ? { goal: { of: 'value', atMost: GOAL_MS, label: 'every kill detected within 1.5 s' } } : {}),
      async run(): Promise<BenchResult> {
        const kills = await run();
        const value = of(kills.map((kill) => kill.down));
        const base = of(kills.map((kill) => kill.raw));
        return { name: bench.name, value: round(value), unit: 'ms', baseline: round(base), ratio: round(value / base) };
      },
    };
    return bench;
  });
}

const down: Benchmark[] = [...rows('ws'), ...rows('werift')];
export default down;
