/**
 * What end-to-end sealing costs (issue 13): the seal-and-open throughput of one session on one
 * core against libsodium's bare AEAD, and the first call to a node never contacted before (a
 * session handshake first) against the same first call with sealing off, over a WebSocket line
 * A—B—C in this process.
 */
import { Mesh } from '../../src/actors/mesh.js';
import { createIdentity } from '../../src/transport/identity.js';
import { ciphers } from '../../src/transport/ciphers.js';
import { listenWebSocket, createNodeWebSocket } from '../../src/node.js';
import { nonceOf } from '../../src/router/session/noise.js';
import { associatedData, readInner, writeInner } from '../../src/router/session/wire.js';
import { PacketKind, PROTOCOL_VERSION, SEALED, type Packet } from '../../src/firefly/packet.js';
import { median, round, type Benchmark } from '../harness.js';
import { DelayRelay } from '../mesh/delayRelay.js';
import { Echo, until } from '../mesh/fixtures.js';

/** Seconds per `n` seal-and-open round trips of `size`-byte bodies, sealed as the session seals a packet. */
function sessionSealOpen(size: number, n: number): number {
  const key = new Uint8Array(32).fill(7);
  const header: Packet = {
    version: PROTOCOL_VERSION,
    kind: (PacketKind.call | SEALED) as Packet['kind'],
    src: { node: 'A'.repeat(43), local: 'a'.repeat(21) },
    dst: { node: 'C'.repeat(43), local: 'c'.repeat(21) },
    hop: 32,
    corr: 1,
    method: '',
    body: new Uint8Array(0),
  };
  const body = new Uint8Array(size).fill(1);
  const c = ciphers();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const nonce = nonceOf(i);
    const sealed = c.seal(key, nonce, associatedData(header), writeInner('read', body));
    const opened = c.open(key, nonce, associatedData(header), sealed);
    if (!opened || readInner(opened)?.body.length !== size) throw new Error('seal/open failed');
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The same bytes through the bare AEAD: no header, no framing. */
function rawSealOpen(size: number, n: number): number {
  const key = new Uint8Array(32).fill(7);
  const aad = new Uint8Array(100);
  const body = new Uint8Array(size + 6).fill(1);
  const c = ciphers();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const nonce = nonceOf(i);
    if (!c.open(key, nonce, aad, c.seal(key, nonce, aad, body))) throw new Error('seal/open failed');
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const sealThroughput: Benchmark = {
  name: 'session.seal.64k',
  baseline: 'libsodium ChaCha20-Poly1305 seal + open of the same bytes',
  better: 'higher',
  goal: { of: 'value', atLeast: 500, label: 'MB/s on one core' },
  note: 'session.seal.64k: MB/s of body sealed and opened (both ends on one core), 64 KiB packets.',
  async run() {
    const size = 64 * 1024;
    const n = 2000;
    const glow: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < 7; r++) {
      glow.push((size * n) / sessionSealOpen(size, n) / 1e6);
      raw.push((size * n) / rawSealOpen(size, n) / 1e6);
    }
    const [value, baseline] = [median(glow), median(raw)];
    return { name: this.name, value: round(value, 0), unit: 'MB/s', baseline: round(baseline, 0), ratio: round(value / baseline) };
  },
};

/**
 * A—B—C over WebSocket (B listens), echo on C; `seal` on or off in all three. With `delayMs`,
 * A and C reach B through relays that hold every byte that long each way.
 */
async function line(seal: boolean, delayMs = 0) {
  const nodes = [0, 1, 2].map(() => new Mesh({ identity: createIdentity(), webSocket: createNodeWebSocket, router: { seal } }));
  const [a, b, c] = nodes as [Mesh, Mesh, Mesh];
  const listener = await listenWebSocket({ identity: b.identity, onLink: (link) => b.addLink(link) });
  const relays = delayMs > 0 ? await Promise.all([DelayRelay.to(listener.url, delayMs), DelayRelay.to(listener.url, delayMs)]) : [];
  await a.connect(relays[0]?.url ?? listener.url, { expect: b.id });
  await c.connect(relays[1]?.url ?? listener.url, { expect: b.id });
  await until(() => a.router.route(c.id) !== undefined && c.router.route(a.id) !== undefined, 'routes A↔C');
  const echo = c.node.spawnResource({ iface: Echo, handlers: { echo: ({ n }) => n } });
  return {
    ref: a.node.ref(echo.id, Echo),
    async close() {
      await Promise.all(nodes.map((mesh) => mesh.close()));
      await Promise.all(relays.map((relay) => relay.close()));
      await listener.close();
    },
  };
}

/** Microseconds of the first call and of a call after it (median of `warm` calls). */
async function firstCall(seal: boolean, warm: number, delayMs = 0): Promise<{ first: number; warm: number }> {
  const { ref, close } = await line(seal, delayMs);
  try {
    let started = process.hrtime.bigint();
    await ref.call('echo', { n: 1 });
    const first = Number(process.hrtime.bigint() - started) / 1000;
    const times: number[] = [];
    for (let i = 0; i < warm; i++) {
      started = process.hrtime.bigint();
      await ref.call('echo', { n: i });
      times.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return { first, warm: median(times) };
  } finally {
    await close();
  }
}

/** Medians over `rounds` of the first sealed call, the first clear one, and a warm sealed one (µs). */
async function firstCalls(rounds: number, warm: number, delayMs = 0): Promise<{ sealed: number; plain: number; warm: number }> {
  const sealed: number[] = [];
  const plain: number[] = [];
  const warmSealed: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const on = await firstCall(true, warm, delayMs);
    const off = await firstCall(false, warm, delayMs);
    sealed.push(on.first);
    warmSealed.push(on.warm);
    plain.push(off.first);
  }
  return { sealed: median(sealed), plain: median(plain), warm: median(warmSealed) };
}

const firstContact: Benchmark = {
  name: 'session.first.2hop',
  baseline: 'the same first call with sealing off',
  note: 'session.first.2hop: first call A→C through B (WebSocket, one process) on fresh nodes; the sealed one opens a Noise IK session first (one round trip). The extra time over the unsealed first call is printed in round trips of a warm sealed call.',
  async run() {
    const { sealed: value, plain: baseline, warm } = await firstCalls(9, 50);
    console.error(`session.first.2hop: extra ${round(value - baseline, 0)} µs = ${round((value - baseline) / warm, 2)} warm round trips (warm sealed call ${round(warm, 0)} µs)`);
    return { name: this.name, value: round(value, 0), unit: 'µs', baseline: round(baseline, 0), ratio: round(value / baseline) };
  },
};

/** Each way of each hop of the `.lan` row: a round trip A↔C takes four of them. */
const LAN_DELAY_MS = 5;

const firstContactLan: Benchmark = {
  name: 'session.first.2hop.lan',
  baseline: 'the same first call with sealing off (µs); ratio: extra time / a warm sealed round trip',
  goal: { of: 'ratio', atMost: 1, label: '≤ 1 extra round trip' },
  note: `session.first.2hop.lan: as session.first.2hop, each link through a relay holding bytes ${LAN_DELAY_MS} ms each way (a home network's latency), so that round trips weigh as they do between devices rather than X25519 on one core`,
  async run() {
    const { sealed: value, plain: baseline, warm } = await firstCalls(5, 10, LAN_DELAY_MS);
    return { name: this.name, value: round(value / 1000, 1), unit: 'ms', baseline: round(baseline / 1000, 1), ratio: round((value - baseline) / warm) };
  },
};

export default [sealThroughput, firstContact, firstContactLan];
