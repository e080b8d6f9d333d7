/**
 * Synced folders (issue 14), between real daemons on 127.0.0.1:
 * - `sync.latency`: a file written on one replica, until it is on a connected one (median of 30);
 *   raw: the same write noticed by fs.watch in the writing process (the OS's own notice).
 * - `sync.reconnect.100k`: three replicas of 100 000 files; two are cut off (a TCP relay in the
 *   middle) while 100 files change on the first; from the moment the links are back until both
 *   hold the changes. Raw: one stat of every file of the folder (what finding changes by scanning
 *   costs at least).
 * - `sync.metadata.nohistory`: bytes one replica sends to reconcile 100 000 records with a peer
 *   of no shared history, 100 differing; raw: the whole index as CBOR.
 * - `sync.memory.100k`: resident memory of a daemon holding a 100 000-file replica; raw: the same
 *   daemon with no replica.
 * - `sync.initial.10k`: 10 000 files, 1 GiB, onto an empty replica; raw: fs.cp of the folder.
 * Syncthing, where installed, is measured on the same data in the same run (see syncthing.ts).
 */
import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'cbor-x';
import { contentOf } from '../../src/resources/sync/blocks.js';
import { respond, startReconcile, type ReconcileMessage } from '../../src/resources/sync/reconcile.js';
import { SyncIndex } from '../../src/resources/sync/syncIndex.js';
import type { SyncStatus } from '../../src/resources/sync/interface.js';
import { BenchSkipped, median, round, type Benchmark } from '../harness.js';
import { BenchDaemon } from './daemons.js';
import { CuttableLink } from './proxy.js';
import { syncthingInstalled } from './syncthing.js';
import { syncthingInitial, syncthingLatency, syncthingReconnect } from './syncthingRuns.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean> | boolean, timeout: number, what: string, every = 5): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await sleep(every);
  }
}

async function tempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `glow-bench-sync-${name}-`));
}

/** `count` small files under `dir` in 100 folders; answers their paths. */
async function manyFiles(dir: string, count: number, content: (i: number) => string | Uint8Array): Promise<string[]> {
  const paths: string[] = [];
  for (let d = 0; d < 100; d++) await mkdir(join(dir, `d${d}`), { recursive: true });
  for (let start = 0; start < count; start += 500) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const path = `d${i % 100}/f${i}.txt`;
      paths.push(path);
      batch.push(writeFile(join(dir, path), content(i)));
    }
    await Promise.all(batch);
  }
  return paths;
}

const status = (daemon: BenchDaemon, name: string) => daemon.op<SyncStatus>({ op: 'call', ref: `sync/${name}/${daemon.info.node}`, method: 'status', args: {} });

async function join_(daemon: BenchDaemon, name: string, root: string): Promise<void> {
  await until(
    () => daemon.op({ op: 'call', ref: `glow.sync/${daemon.info.node}`, method: 'join', args: { root, name }, timeout: 600_000 }, 600_000).then(() => true, () => false),
    60_000,
    `${daemon.info.name} to join ${name}`,
    200,
  );
}

/** Median ms from a write to the file on a connected replica, and the OS's own notice of the write. */
async function glowLatency(): Promise<{ glow: number; raw: number }> {
  {
    const [aDir, bDir] = [await tempDir('lat-a'), await tempDir('lat-b')];
    const a = await BenchDaemon.start('lat-a');
    const b = await BenchDaemon.start('lat-b', ['--connect', a.info.link]);
    try {
      await writeFile(join(aDir, 'seed.txt'), 'seed');
      await a.op({ op: 'call', ref: `glow.sync/${a.info.node}`, method: 'add', args: { root: aDir, name: 'lat' } });
      await join_(b, 'lat', bDir);
      await until(() => stat(join(bDir, 'seed.txt')).then(() => true, () => false), 30_000, 'the seed on b');
      const glow: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < 30; i++) {
        const path = `change-${i}.txt`;
        const seen = new Promise<number>((resolve) => {
          const watcher = watch(aDir, (_event, name) => {
            if (name === path) {
              watcher.close();
              resolve(performance.now());
            }
          });
        });
        const started = performance.now();
        await writeFile(join(aDir, path), `change ${i}`);
        raw.push((await seen) - started);
        await until(() => stat(join(bDir, path)).then((s) => s.size > 0, () => false), 30_000, 'the change on b', 2);
        glow.push(performance.now() - started);
        await sleep(50);
      }
      return { glow: median(glow), raw: median(raw) };
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
      await Promise.all([rm(aDir, { recursive: true, force: true }), rm(bDir, { recursive: true, force: true })]);
    }
  }
}

let latencies: ReturnType<typeof glowLatency> | undefined;

const latency: Benchmark = {
  name: 'sync.latency',
  baseline: 'fs.watch noticing the same write in the writing process (ms)',
  goal: { of: 'value', atMost: 200, label: 'median ms from a write to the file on a connected replica' },
  async run() {
    const { glow, raw } = await (latencies ??= glowLatency());
    return { name: this.name, value: round(glow), unit: 'ms', baseline: round(raw, 2), ratio: round(glow / raw) };
  },
};

/** A row against Syncthing on the same scenario; skipped where Syncthing is not installed. */
function versus(name: string, unit: string, baseline: string, goal: number | undefined, figures: () => Promise<[glow: number, syncthing: number]>): Benchmark {
  return {
    name,
    baseline,
    ...(goal === undefined ? {} : { goal }),
    note: 'sync.*.vsSyncthing: Syncthing 1.19 (Debian), loopback only (no discovery, relays, NAT, STUN, reports, upgrades), its watcher on, same data, same run; skipped where it is not installed',
    async run() {
      if (!syncthingInstalled()) throw new BenchSkipped('syncthing is not installed (apt-get install syncthing)');
      const [glow, syncthing] = await figures();
      return { name, value: round(glow), unit, baseline: round(syncthing), ratio: round(glow / syncthing) };
    },
  };
}

const helpers = { tempDir, manyFiles, until };

const latencyVs = versus('sync.latency.vsSyncthing', 'ms', 'Syncthing at its defaults (watcher delay 10 s), median of 5 (ms)', undefined, async () => [
  (await (latencies ??= glowLatency())).glow,
  await syncthingLatency(helpers, 10, 5),
]);
const latencyVsMin = versus('sync.latency.vsSyncthing.min', 'ms', 'Syncthing with its watcher delay at its minimum (1 s), median of 10 (ms)', undefined, async () => [
  (await (latencies ??= glowLatency())).glow,
  await syncthingLatency(helpers, 1, 10),
]);

const FILES_100K = 100_000;

/** Three replicas of the same 100 000 files, and the figures the 100 000-file rows report. */
async function hundredThousand(): Promise<{ reconnectMs: number; statMs: number; rss: number; idleRss: number }> {
  const dirs = [await tempDir('100k-a'), await tempDir('100k-b'), await tempDir('100k-c')];
  const paths = await manyFiles(dirs[0]!, FILES_100K, (i) => `file ${i}\n`);
  await Promise.all(dirs.slice(1).map((dir) => cp(dirs[0]!, dir, { recursive: true, preserveTimestamps: true })));
  const a = await BenchDaemon.start('100k-a');
  const idleRss = await a.rss();
  const [toB, toC] = [await CuttableLink.to(a.info.link), await CuttableLink.to(a.info.link)];
  const b = await BenchDaemon.start('100k-b', ['--connect', toB.url]);
  const c = await BenchDaemon.start('100k-c', ['--connect', toC.url]);
  try {
    await a.op({ op: 'call', ref: `glow.sync/${a.info.node}`, method: 'add', args: { root: dirs[0], name: 'big' }, timeout: 600_000 }, 600_000);
    await join_(b, 'big', dirs[1]!);
    await join_(c, 'big', dirs[2]!);
    const inSync = async (daemon: BenchDaemon) => {
      const { peers } = await status(daemon, 'big');
      return peers.length === 2 && peers.every((peer) => peer.inSync);
    };
    await until(async () => (await inSync(a)) && (await inSync(b)) && (await inSync(c)), 600_000, 'three replicas of 100 000 files in sync', 500);
    // Quiet: no replica's log moves for 3 s (records of the same content settling on one).
    let last = '';
    let steadySince = Date.now();
    await until(
      async () => {
        const now = JSON.stringify(await Promise.all([a, b, c].map(async (daemon) => (await status(daemon, 'big')).sequence)));
        if (now !== last) [last, steadySince] = [now, Date.now()];
        return Date.now() - steadySince > 3000;
      },
      600_000,
      'the replicas to settle',
      250,
    );
    const rss = await a.rss();

    // Apart: b and c cut off while 100 files change on a.
    await Promise.all([toB.cut(), toC.cut()]);
    await until(async () => (await a.op<unknown[]>({ op: 'peers' })).length === 0, 30_000, 'the cut to show');
    const changed = paths.filter((_, i) => i % 1000 === 7);
    for (const path of changed) await writeFile(join(dirs[0]!, path), `changed while apart: ${path}\n`);
    await a.op({ op: 'call', ref: `sync/big/${a.info.node}`, method: 'rescan', args: {}, timeout: 600_000 }, 600_000);
    await Promise.all([toB.restore(), toC.restore()]);
    await until(async () => (await a.op<unknown[]>({ op: 'peers' })).length === 2, 60_000, 'the links to come back', 2);
    const back = performance.now();
    const has = async (dir: string) => {
      for (const path of changed) if ((await stat(join(dir, path)).catch(() => undefined))?.size !== `changed while apart: ${path}\n`.length) return false;
      return true;
    };
    await until(async () => (await has(dirs[1]!)) && (await has(dirs[2]!)), 120_000, 'b and c to hold the changes', 5).catch(async (error: unknown) => {
      // Say where each replica stands: what the figure could not.
      for (const daemon of [a, b, c]) {
        const s = await status(daemon, 'big').catch((e: unknown) => String(e));
        console.error(daemon.info.name, JSON.stringify(s, (key, value: unknown) => (key === 'conflicts' ? undefined : value)));
      }
      throw error;
    });
    const reconnectMs = performance.now() - back;

    const walkStarted = performance.now();
    for (const d of await readdir(dirs[0]!)) if (!d.startsWith('.glow-')) for (const f of await readdir(join(dirs[0]!, d))) await stat(join(dirs[0]!, d, f));
    const statMs = performance.now() - walkStarted;
    return { reconnectMs, statMs, rss, idleRss };
  } finally {
    await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
    await Promise.all([toB.cut(), toC.cut()]);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

let hundred: Promise<Awaited<ReturnType<typeof hundredThousand>>> | undefined;
const once100k = () => (hundred ??= hundredThousand());

const reconnectVs = versus('sync.reconnect.100k.vsSyncthing', 'ms', 'Syncthing, the same three-replica scenario (ms)', 0.5, async () => [(await once100k()).reconnectMs, await syncthingReconnect(helpers)]);

const reconnect: Benchmark = {
  name: 'sync.reconnect.100k',
  baseline: 'a stat of every file of the folder (ms)',
  goal: { of: 'value', atMost: 1000, label: 'ms from the links coming back to both replicas holding the 100 changes' },
  async run() {
    const { reconnectMs, statMs } = await once100k();
    return { name: this.name, value: round(reconnectMs), unit: 'ms', baseline: round(statMs), ratio: round(reconnectMs / statMs) };
  },
};

const memory: Benchmark = {
  name: 'sync.memory.100k',
  baseline: 'the same daemon before it held the replica (RSS)',
  goal: { of: 'value', atMost: 200, label: 'MB RSS of a daemon with a 100 000-file replica' },
  async run() {
    const { rss, idleRss } = await once100k();
    return { name: this.name, value: round(rss / 1e6), unit: 'MB', baseline: round(idleRss / 1e6), ratio: round(rss / idleRss) };
  },
};

const metadata: Benchmark = {
  name: 'sync.metadata.nohistory',
  baseline: 'the whole index as CBOR (bytes)',
  goal: { of: 'value', atMost: 65536, label: 'bytes one side sends, 100 differences among 100 000 records' },
  async run() {
    const [a, b] = [new SyncIndex(), new SyncIndex()];
    const encoder = new TextEncoder();
    for (let i = 0; i < FILES_100K; i++) {
      const record = { path: `d${i % 100}/f${i}.txt`, version: [['aaaaaaaaaa', i + 1]] as const, deleted: false, ...contentOf(encoder.encode(`file ${i}\n`)), mtime: 1.7e12 + i, modifiedBy: 'aaaaaaaaaa' };
      a.put(record);
      b.put(record);
    }
    for (let i = 0; i < 100; i++) {
      const path = `d${(i * 1000 + 7) % 100}/f${i * 1000 + 7}.txt`;
      const old = a.get(path)!;
      a.put({ ...old, ...contentOf(encoder.encode(`changed ${i}`)), version: [['aaaaaaaaaa', FILES_100K + 1 + i]] });
    }
    let message: ReconcileMessage = startReconcile(b);
    const sent = [encode(message).length, 0];
    for (let side = 1; message.length > 0; side ^= 1) {
      message = respond(side === 1 ? a : b, message).reply;
      if (message.length > 0) sent[side]! += encode(message).length;
    }
    const whole = encode([...a.records()]).length;
    const value = Math.max(...sent);
    return { name: this.name, value, unit: 'bytes', baseline: whole, ratio: round(value / whole, 4) };
  },
};

/** 10 000 files of random bytes, 1 GiB in all. */
async function fillGiB(dir: string): Promise<void> {
  const size = Math.floor((1024 * 1024 * 1024) / 10_000);
  await manyFiles(dir, 10_000, () => randomBytes(size));
}

let initials: Promise<{ glow: number; raw: number }> | undefined;

const initial: Benchmark = {
  name: 'sync.initial.10k',
  baseline: 'fs.cp of the same folder on this disk (s)',
  async run() {
    const { glow, raw } = await (initials ??= glowInitial());
    return { name: this.name, value: round(glow, 1), unit: 's', baseline: round(raw, 1), ratio: round(glow / raw) };
  },
};

const initialVs = versus('sync.initial.10k.vsSyncthing', 's', 'Syncthing taking the same 10 000 files / 1 GiB (s)', 0.8, async () => [(await (initials ??= glowInitial())).glow, await syncthingInitial(helpers, fillGiB)]);

/** Seconds for an empty replica to take 10 000 files / 1 GiB, and fs.cp of the folder. */
async function glowInitial(): Promise<{ glow: number; raw: number }> {
  {
    const [aDir, bDir, copyDir] = [await tempDir('init-a'), await tempDir('init-b'), await tempDir('init-copy')];
    await fillGiB(aDir);
    const a = await BenchDaemon.start('init-a');
    const b = await BenchDaemon.start('init-b', ['--connect', a.info.link]);
    try {
      await a.op({ op: 'call', ref: `glow.sync/${a.info.node}`, method: 'add', args: { root: aDir, name: 'init' }, timeout: 600_000 }, 600_000);
      // As Syncthing's run does: the clock starts once the first replica has scanned its files.
      await until(async () => (await status(a, 'init')).files === 10_000, 600_000, 'a to scan 10 000 files', 100);
      const started = performance.now();
      await join_(b, 'init', bDir);
      await until(async () => (await status(b, 'init')).files === 10_000 && (await status(b, 'init')).receiving === null, 1_800_000, 'b to hold 10 000 files', 200);
      const glow = (performance.now() - started) / 1000;
      const copyStarted = performance.now();
      await cp(aDir, copyDir, { recursive: true, filter: (source) => !source.includes('.glow-') });
      const raw = (performance.now() - copyStarted) / 1000;
      return { glow, raw };
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
      await Promise.all([aDir, bDir, copyDir].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  }
}

export default [metadata, latency, latencyVs, latencyVsMin, reconnect, reconnectVs, memory, initial, initialVs];
