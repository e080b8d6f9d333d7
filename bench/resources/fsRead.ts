/**
 * Reading a whole file from a `fs` resource on another node, one hop away, for each link
 * transport: node B exports a temporary directory (`fsKind`, read-only) holding one large file
 * of a repeated random MiB, and node A reads it whole with `readStream` (several
 * chunkSize/credit settings) and with a loop of 1 MiB `read` calls. Beside it, in the same run
 * and in alternating rounds: the raw link pushing the same number of bytes one way (a plain
 * `ws` server sending messages of the link's size with a window of bytes in flight; a plain
 * data channel kept under a high-water mark), and the local `fs.createReadStream` of the very
 * file (from the page cache: it was just written). Rates are MB/s (10⁶ bytes per second), the
 * ratio is Glow's rate over the raw link's (or over the local read's), higher is better.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, realpath, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Mesh } from '../../src/actors/mesh.js';
import type { ResourceRef } from '../../src/index.js';
import { FileSystemInterface, fsKind, STREAM_CHUNK_BYTES } from '../../src/resources/fs/index.js';
import { hasNodeDataChannel, loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { webrtcTeardowns, type WebRtcBackend } from '../../src/transport/webrtcPeer.js';
import type { OpenLinkOptions } from '../../src/transport/openLink.js';
import { listenWebSocket } from '../../src/transport/websocketServer.js';
import { alternate, BenchSkipped, now, round, type BenchResult, type Benchmark, type Round } from '../harness.js';
import { meshNode, once, sleep, until } from '../mesh/fixtures.js';
import { channelPair } from '../mesh/webrtcPair.js';

const MiB = 1024 * 1024;

type FsRef = ResourceRef<typeof FileSystemInterface>;
type Transport = 'ws' | 'werift' | 'ndc';

/** One way of reading the file from A. */
type Variant =
  | { label: string; kind: 'stream'; chunkSize?: number; credit?: number }
  | { label: string; kind: 'read'; length: number; window: number };

/** Two meshes A—B over one link of the transport. */
interface Pair {
  a: Mesh;
  b: Mesh;
  close(): Promise<void>;
}

/** A raw one-way push of `total` bytes from B's side to A's: nanoseconds until the last byte arrived. */
interface RawPush {
  /** Message size it pushes. */
  chunk: number;
  push(total: number): Promise<number>;
  close(): Promise<void>;
}

interface Plan {
  /** File size read in every round. */
  bytes: number;
  rounds: number;
  /** Rounds run first and not counted. */
  warmup: number;
  variants: Variant[];
  pair(): Promise<Pair>;
  raw(): Promise<RawPush>;
}

/** The defaults (256 KiB chunks, credit 32) first: the headline row. */
const DEFAULT: Extract<Variant, { kind: 'stream' }> = { label: 'readStream', kind: 'stream' };

const STREAM_64K: Variant = { label: 'readStream.64KiBx32', kind: 'stream', chunkSize: 64 * 1024, credit: 32 };
const STREAM_1M: Variant = { label: 'readStream.1MiBx8', kind: 'stream', chunkSize: MiB, credit: 8 };
const STREAM_256K_8: Variant = { label: 'readStream.256KiBx8', kind: 'stream', chunkSize: 256 * 1024, credit: 8 };
const READ_1M: Variant = { label: 'read.1MiBx4', kind: 'read', length: MiB, window: 4 };

async function backend(name: 'werift' | 'node-datachannel'): Promise<WebRtcBackend> {
  if (name === 'node-datachannel' && !(await hasNodeDataChannel())) throw new BenchSkipped('node-datachannel is not installed (optional dependency)');
  return loadWebRtcBackend(name);
}

/**
 * File size per transport, and the variants each runs. Over ws and werift the file is 200 MiB,
 * as the issue asks; werift moves ~8–15 MB/s on loopback, so it reads it once (no warm-up: the
 * first megabytes warm it) with the default settings only, beside one raw push of 200 MiB —
 * about a minute. node-datachannel (~50 MB/s raw) reads 64 MiB, with more variants.
 */
const BYTES: Record<Transport, number> = { ws: 200 * MiB, werift: 200 * MiB, ndc: 64 * MiB };
const VARIANTS: Record<Transport, Variant[]> = {
  ws: [DEFAULT, STREAM_64K, STREAM_256K_8, STREAM_1M, READ_1M],
  werift: [DEFAULT],
  ndc: [DEFAULT, STREAM_64K, STREAM_1M],
};
const ROUNDS = 3;

const PLANS: Record<Transport, () => Promise<Plan>> = {
  ws: async () => ({ bytes: BYTES.ws, rounds: ROUNDS, warmup: 1, variants: VARIANTS.ws, pair: wsPair, raw: () => wsPush(STREAM_CHUNK_BYTES) }),
  werift: async () => {
    const werift = await backend('werift');
    return { bytes: BYTES.werift, rounds: 1, warmup: 0, variants: VARIANTS.werift, pair: () => rtcPair(werift), raw: () => channelPush(werift) };
  },
  ndc: async () => {
    const ndc = await backend('node-datachannel');
    return { bytes: BYTES.ndc, rounds: ROUNDS, warmup: 1, variants: VARIANTS.ndc, pair: () => rtcPair(ndc), raw: () => channelPush(ndc) };
  },
};

// ---- the two nodes ------------------------------------------------------------------------------

async function linked(a: Mesh, b: Mesh): Promise<void> {
  await until(() => a.router.route(b.id) !== undefined && b.router.route(a.id) !== undefined, 'routes A↔B');
  await sleep(200);
}

/** B listens on a WebSocket, A dials it (links opened with `link`: encrypted by default). */
async function wsPair(link: OpenLinkOptions = {}): Promise<Pair> {
  const a = meshNode(undefined, link);
  const b = meshNode(undefined, link);
  const listener = await listenWebSocket({ ...b.linkOptions(), identity: b.identity, onLink: (link) => b.addLink(link) });
  await a.connect(listener.url, { expect: b.id });
  await linked(a, b);
  return {
    a,
    b,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await listener.close();
    },
  };
}

/** A data channel between A and B, signalled in memory, loopback only. */
async function rtcPair(webrtc: WebRtcBackend): Promise<Pair> {
  const a = meshNode(webrtc);
  const b = meshNode(webrtc);
  const channels = await channelPair(webrtc);
  await Promise.all([a.linkChannel(channels.a, b.id), b.linkChannel(channels.b, a.id)]);
  await linked(a, b);
  return {
    a,
    b,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await webrtcTeardowns();
    },
  };
}

// ---- raw links ----------------------------------------------------------------------------------

/** Bytes a raw ws sender keeps in flight (written, not yet flushed to the socket): Glow's default stream window. */
const WS_WINDOW = 32 * STREAM_CHUNK_BYTES;

/** A plain `ws` server that answers a client's "N" with N bytes in messages of `chunk` bytes. */
async function wsPush(chunk: number): Promise<RawPush> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const block = Buffer.alloc(chunk, 7);
  server.on('connection', (socket) => {
    socket.on('message', (data: RawData) => {
      const total = Number((data as Buffer).toString());
      let sent = 0;
      let inFlight = 0;
      const pump = () => {
        while (sent < total && inFlight < WS_WINDOW) {
          const n = Math.min(chunk, total - sent);
          sent += n;
          inFlight += n;
          socket.send(n === chunk ? block : block.subarray(0, n), { binary: true }, () => {
            inFlight -= n;
            pump();
          });
        }
      };
      pump();
    });
  });
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  let onData: ((bytes: number) => void) | undefined;
  client.on('message', (data: RawData) => onData?.((data as Buffer).length));
  return {
    chunk,
    push: (total) =>
      new Promise((resolve) => {
        let received = 0;
        const start = now();
        onData = (bytes) => {
          received += bytes;
          if (received >= total) resolve(Number(now() - start));
        };
        client.send(String(total));
      }),
    async close() {
      client.terminate();
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Bytes a raw data-channel sender lets the (paced) channel buffer before it waits for `ondrain`. */
const CHANNEL_HIGH_WATER = MiB;
/** How often a raw sender waiting for room looks at the channel again (Glow's link default). */
const CHANNEL_POLL_MS = 4;

/** A plain data channel (Glow's paced channel as the backend opens it) pushing messages of its largest size. */
async function channelPush(webrtc: WebRtcBackend): Promise<RawPush> {
  const { a, b } = await channelPair(webrtc);
  const chunk = b.maxMessageSize;
  const block = new Uint8Array(chunk).fill(7);
  return {
    chunk,
    push: (total) =>
      new Promise((resolve) => {
        let received = 0;
        let sent = 0;
        const start = now();
        a.onmessage = (message) => {
          received += message.length;
          if (received >= total) resolve(Number(now() - start));
        };
        let timer: ReturnType<typeof setTimeout> | undefined;
        const pump = () => {
          clearTimeout(timer);
          timer = undefined;
          while (sent < total && b.bufferedAmount < CHANNEL_HIGH_WATER) {
            const n = Math.min(chunk, total - sent);
            sent += n;
            b.send(n === chunk ? block : block.subarray(0, n));
          }
          // `ondrain` only fires on the channel's own schedule: look again on a timer too, as
          // Glow's framed link does (its drainPollInterval).
          if (sent < total) timer = setTimeout(pump, CHANNEL_POLL_MS);
        };
        b.ondrain = pump;
        pump();
      }),
    async close() {
      a.close();
      b.close();
      await webrtcTeardowns();
    },
  };
}

// ---- readers ------------------------------------------------------------------------------------

/** The file: `bytes` bytes of one random MiB repeated, so that any chunk can be checked cheaply. */
async function makeFile(path: string, bytes: number, block: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const n = Math.min(block.length, bytes - written);
      await handle.write(block, 0, n, written);
      written += n;
    }
  } finally {
    await handle.close();
  }
}

function check(block: Uint8Array, offset: number, data: Uint8Array): void {
  const at = offset % block.length;
  if (data.length === 0 || data[0] !== block[at] || data[data.length - 1] !== block[(at + data.length - 1) % block.length]) {
    throw new Error(`bench: wrong bytes at offset ${offset}`);
  }
}

/** Reads the file with `readStream`: nanoseconds for the whole file. */
async function streamRound(fs: FsRef, path: string, size: number, block: Uint8Array, variant: Extract<Variant, { kind: 'stream' }>): Promise<number> {
  const start = now();
  let received = 0;
  const args = variant.chunkSize === undefined ? { path } : { path, chunkSize: variant.chunkSize };
  for await (const { offset, data } of fs.iterate('readStream', args, variant.credit === undefined ? {} : { credit: variant.credit })) {
    if (offset !== received) throw new Error(`bench: chunk at ${offset}, expected ${received}`);
    check(block, offset, data);
    received += data.length;
  }
  const ns = Number(now() - start);
  if (received !== size) throw new Error(`bench: read ${received} bytes of ${size}`);
  return ns;
}

/** Reads the file with `window` `read` calls of `length` bytes in flight. */
async function readRound(fs: FsRef, path: string, size: number, block: Uint8Array, variant: Extract<Variant, { kind: 'read' }>): Promise<number> {
  const start = now();
  let next = 0;
  let received = 0;
  const reader = async () => {
    while (next < size) {
      const offset = next;
      next += variant.length;
      const data = await fs.call('read', { path, offset, length: variant.length });
      check(block, offset, data);
      received += data.length;
    }
  };
  await Promise.all(Array.from({ length: variant.window }, reader));
  const ns = Number(now() - start);
  if (received !== size) throw new Error(`bench: read ${received} bytes of ${size}`);
  return ns;
}

/** The local baseline: `fs.createReadStream` of the same file, in chunks of the stream's default size. */
function localRound(file: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = now();
    let received = 0;
    createReadStream(file, { highWaterMark: STREAM_CHUNK_BYTES })
      .on('data', (data) => (received += data.length))
      .on('error', reject)
      .on('end', () => (received === size ? resolve(Number(now() - start)) : reject(new Error(`bench: local read ${received} of ${size}`))));
  });
}

// ---- measuring ----------------------------------------------------------------------------------

interface Figures {
  /** MB/s of each variant, in plan order. */
  glow: number[];
  raw: number;
  local: number;
  rawChunk: number;
  bytes: number;
}

const rate = (bytes: number, ns: number) => bytes / 1e6 / (ns / 1e9);

/** The file's directory, and `fs` resources on B of each pair exporting it, as A sees them. */
async function exported(bytes: number, pairs: Pair[], cleanups: (() => Promise<void>)[]) {
  for (const pair of pairs) cleanups.push(() => pair.close());
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'glow-bench-fs-')));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const block = randomBytes(MiB);
  const path = 'big.bin';
  const file = join(dir, path);
  await makeFile(file, bytes, block);
  const refs: FsRef[] = [];
  for (const pair of pairs) {
    pair.b.node.registerKind(fsKind);
    const spawned = await pair.b.node.spawn('fs', { root: dir, readOnly: true });
    refs.push(pair.a.node.ref(spawned.id, FileSystemInterface));
  }
  return { block, path, file, refs };
}

async function measure(plan: Plan): Promise<Figures> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const { block, path, file, refs } = await exported(plan.bytes, [await plan.pair()], cleanups);
    const fs = refs[0]!;
    const raw = await plan.raw();
    cleanups.unshift(() => raw.close());
    const contenders: Round[] = [
      () => raw.push(plan.bytes),
      () => localRound(file, plan.bytes),
      ...plan.variants.map((variant) =>
        variant.kind === 'stream' ? () => streamRound(fs, path, plan.bytes, block, variant) : () => readRound(fs, path, plan.bytes, block, variant),
      ),
    ];
    const times = await alternate(contenders, { warmup: plan.warmup, rounds: plan.rounds });
    const [rawNs, localNs, ...glowNs] = times as [number, number, ...number[]];
    return { glow: glowNs.map((ns) => rate(plan.bytes, ns)), raw: rate(plan.bytes, rawNs), local: rate(plan.bytes, localNs), rawChunk: raw.chunk, bytes: plan.bytes };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

const RAW: Record<Transport, string> = {
  ws: 'plain ws push, 256 KiB messages (MB/s)',
  werift: 'plain werift data channel push, 64 KiB messages (MB/s)',
  ndc: 'plain node-datachannel push, 256 KiB messages (MB/s)',
};

function rows(transport: Transport): Benchmark[] {
  const run = once(async () => measure(await PLANS[transport]()));
  const mib = BYTES[transport] / MiB;
  const unit = mib === 200 ? 'MB/s' : `MB/s (${mib} MiB file)`;
  const note =
    `fs.${transport}: node B exports a ${mib} MiB file (fsKind, read-only), node A reads it whole over one ${transport} hop ` +
    `(in this process, loopback); readStream defaults = ${STREAM_CHUNK_BYTES / 1024} KiB chunks, credit 32; ` +
    'raw = the same bytes pushed one way; local = fs.createReadStream of the file (page cache)';
  const row = (variant: Variant, index: number): Benchmark => {
    const name = `fs.${transport}.${variant.label}`;
    return {
      name,
      baseline: RAW[transport],
      better: 'higher',
      note,
      run: async (): Promise<BenchResult> => {
        const f = await run();
        return { name, value: round(f.glow[index]!), unit, baseline: round(f.raw), ratio: round(f.glow[index]! / f.raw) };
      },
    };
  };
  const local: Benchmark = {
    name: `fs.${transport}.readStream.vsLocal`,
    baseline: 'local fs.createReadStream of the same file (MB/s)',
    better: 'higher',
    note,
    run: async () => {
      const f = await run();
      return { name: local.name, value: round(f.glow[0]!), unit, baseline: round(f.local), ratio: round(f.glow[0]! / f.local) };
    },
  };
  const variants = VARIANTS[transport];
  return [row(variants[0]!, 0), local, ...variants.slice(1).map((variant, i) => row(variant, i + 1))];
}

export const wsFsRead = rows('ws');
export const weriftFsRead = rows('werift');
export const ndcFsRead = rows('ndc');

// ---- what link encryption costs -----------------------------------------------------------------

/** File read in each round of the sealed-vs-clear comparison: long enough to be bulk, short enough to alternate. */
const SEALING_BYTES = 100 * MiB;

/** MB/s of the default `readStream` over a sealed WebSocket link (index 0) and a clear one (index 1), in alternating rounds. */
async function measureSealing(): Promise<[number, number]> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const pairs = [await wsPair(), await wsPair({ encryption: false })];
    const { block, path, refs } = await exported(SEALING_BYTES, pairs, cleanups);
    const times = await alternate(
      refs.map((fs) => () => streamRound(fs, path, SEALING_BYTES, block, DEFAULT)),
      { warmup: 1, rounds: ROUNDS },
    );
    return [rate(SEALING_BYTES, times[0]!), rate(SEALING_BYTES, times[1]!)];
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

/** `fs.ws.sealed.readStream`: bulk reads over a sealed link against the same over a clear one. */
function sealingRow(): Benchmark {
  const name = 'fs.ws.sealed.readStream';
  return {
    name,
    baseline: 'the same read over a WebSocket link in clear (MB/s)',
    better: 'higher',
    goal: { of: 'ratio', atLeast: 0.85 },
    note: `fs.ws.sealed: node A reads a ${SEALING_BYTES / MiB} MiB file from node B with readStream defaults, over a sealed WebSocket link (default) vs one with encryption off, same build, alternating rounds`,
    run: async () => {
      const [sealed, clear] = await measureSealing();
      return { name, value: round(sealed), unit: 'MB/s', baseline: round(clear), ratio: round(sealed / clear) };
    },
  };
}

export const wsFsSealing = [sealingRow()];
