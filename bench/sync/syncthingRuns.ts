/** The sync benchmarks' scenarios run with Syncthing, on data made the same way as Glow's. */
import { cp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median } from '../harness.js';
import { CuttableLink } from './proxy.js';
import { Syncthing } from './syncthing.js';

type Helpers = {
  tempDir(name: string): Promise<string>;
  manyFiles(dir: string, count: number, content: (i: number) => string | Uint8Array): Promise<string[]>;
  until(check: () => Promise<boolean> | boolean, timeout: number, what: string, every?: number): Promise<void>;
};

/** Median ms from a write on one instance to the file on the other, with the watcher delay `delayS`. */
export async function syncthingLatency(h: Helpers, delayS: number, samples: number): Promise<number> {
  const [aDir, bDir] = [await h.tempDir('st-lat-a'), await h.tempDir('st-lat-b')];
  const [a, b] = [await Syncthing.start('lat-a'), await Syncthing.start('lat-b')];
  try {
    await writeFile(join(aDir, 'seed.txt'), 'seed');
    await a.addDevice(b);
    await b.addDevice(a);
    await a.addFolder('lat', aDir, [b], delayS);
    await b.addFolder('lat', bDir, [a], delayS);
    await h.until(() => stat(join(bDir, 'seed.txt')).then(() => true, () => false), 120_000, 'syncthing: the seed on b', 50);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const path = `change-${i}.txt`;
      const started = performance.now();
      await writeFile(join(aDir, path), `change ${i}`);
      await h.until(() => stat(join(bDir, path)).then((s) => s.size > 0, () => false), 120_000, 'syncthing: the change on b', 5);
      times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
    await Promise.all([rm(aDir, { recursive: true, force: true }), rm(bDir, { recursive: true, force: true })]);
  }
}

/** Seconds for an empty instance to take `dir` (already scanned by the first). */
export async function syncthingInitial(h: Helpers, fill: (dir: string) => Promise<void>): Promise<number> {
  const [aDir, bDir] = [await h.tempDir('st-init-a'), await h.tempDir('st-init-b')];
  await fill(aDir);
  const [a, b] = [await Syncthing.start('init-a'), await Syncthing.start('init-b')];
  try {
    await a.addDevice(b);
    await a.addFolder('init', aDir, [b]);
    await h.until(async () => (await a.complete('init')) && (await a.status('init')).localFiles >= 10_000, 1_800_000, 'syncthing: a scans', 200);
    const started = performance.now();
    await b.addDevice(a);
    await b.addFolder('init', bDir, [a]);
    await h.until(() => b.complete('init', 10_000), 1_800_000, 'syncthing: b takes the folder', 100);
    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
    await Promise.all([rm(aDir, { recursive: true, force: true }), rm(bDir, { recursive: true, force: true })]);
  }
}

/** Ms from the links coming back until two instances cut off hold 100 changes made on the first, among 100 000 files. */
export async function syncthingReconnect(h: Helpers): Promise<number> {
  const dirs = [await h.tempDir('st-100k-a'), await h.tempDir('st-100k-b'), await h.tempDir('st-100k-c')];
  const paths = await h.manyFiles(dirs[0]!, 100_000, (i) => `file ${i}\n`);
  await Promise.all(dirs.slice(1).map((dir) => cp(dirs[0]!, dir, { recursive: true, preserveTimestamps: true })));
  const [a, b, c] = [await Syncthing.start('100k-a'), await Syncthing.start('100k-b'), await Syncthing.start('100k-c')];
  const [toB, toC] = [await CuttableLink.to(`ws://127.0.0.1:${a.listenPort}`), await CuttableLink.to(`ws://127.0.0.1:${a.listenPort}`)];
  try {
    // A star: b and c dial a through their relays; a never dials.
    await a.addDevice(b, 'dynamic');
    await a.addDevice(c, 'dynamic');
    await b.addDevice(a, `tcp://127.0.0.1:${toB.port}`);
    await c.addDevice(a, `tcp://127.0.0.1:${toC.port}`);
    await a.addFolder('big', dirs[0]!, [b, c]);
    await b.addFolder('big', dirs[1]!, [a]);
    await c.addFolder('big', dirs[2]!, [a]);
    const ready = async (instance: Syncthing) => instance.complete('big', 100_000);
    await h.until(async () => (await ready(a)) && (await ready(b)) && (await ready(c)), 1_800_000, 'syncthing: three instances of 100 000 files in sync', 500);
    const connected = async () => {
      const { connections } = await a.rest<{ connections: Record<string, { connected: boolean }> }>('GET', '/rest/system/connections');
      return [b.id, c.id].filter((id) => connections[id]?.connected).length;
    };
    await h.until(async () => (await connected()) === 2, 60_000, 'syncthing: b and c connected', 100);

    await Promise.all([toB.cut(), toC.cut()]);
    await h.until(async () => (await connected()) === 0, 60_000, 'syncthing: the cut to show', 50);
    const changed = paths.filter((_, i) => i % 1000 === 7);
    for (const path of changed) await writeFile(join(dirs[0]!, path), `changed while apart: ${path}\n`);
    await a.rest('POST', '/rest/db/scan?folder=big');
    await Promise.all([toB.restore(), toC.restore()]);
    await h.until(async () => (await connected()) === 2, 120_000, 'syncthing: the links to come back', 2);
    const back = performance.now();
    const has = async (dir: string) => {
      for (const path of changed) if ((await stat(join(dir, path)).catch(() => undefined))?.size !== `changed while apart: ${path}\n`.length) return false;
      return true;
    };
    await h.until(async () => (await has(dirs[1]!)) && (await has(dirs[2]!)), 600_000, 'syncthing: b and c hold the changes', 5);
    return performance.now() - back;
  } finally {
    await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
    await Promise.all([toB.cut(), toC.cut()]);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
