/**
 * Nothing is kept for what is over. Two nodes linked by a memory link: 100 000 resources on B,
 * each linked to a resource on A and monitored from A, are killed; A's linked resources die with
 * them and every DOWN arrives. Afterwards every table keyed by peers, links, calls, streams and
 * monitors is as it was, and the heap has returned to its starting size.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as v from 'valibot';
import { cast, defineInterface, type ResourceRef } from '../../src/index.js';
import { Mesh } from '../../src/actors/mesh.js';
import { createIdentity } from '../../src/transport/identity.js';
import { memoryLinkPair } from '../../src/transport/memory.js';
import { waitFor } from '../helpers/waitFor.js';

const TOTAL = 100_000;
const BATCH = 2_000;
/** What the heap may grow by over the whole run: a leak of 10 bytes per resource would exceed it. */
const HEAP_BOUND = 1_000_000;

const Linker = defineInterface('test.Linker/1', { link: cast(v.object({ to: v.string() })) });
const Target = defineInterface('test.Target/1', {});

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledHeap(gc: () => void): Promise<number> {
  // Several passes: finalizers and weak references free more on the next one.
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const meshes: Mesh[] = [];
afterAll(async () => {
  await Promise.all(meshes.map((mesh) => mesh.close()));
});

test(
  `links, monitors and kills ${TOTAL} resources across two nodes; every table and the heap return to where they were`,
  async () => {
    const gc = collectGarbage();
    const [a, b] = [0, 1].map(() => new Mesh({ identity: createIdentity(), router: { updateInterval: 60_000 } }));
    meshes.push(a!, b!);
    const [atA, atB] = memoryLinkPair(a!.id, b!.id);
    a!.addLink(atA);
    b!.addLink(atB);
    await waitFor(() => a!.router.isReachable(b!.id) && b!.router.isReachable(a!.id), 5000, 'a route between A and B');

    let downs = 0;
    let alive = 0;
    const round = async (count: number) => {
      const targets: ResourceRef[] = [];
      for (let i = 0; i < count; i++) targets.push(b!.node.spawnResource({ iface: Target, handlers: {} }));
      for (const target of targets) {
        const linker = a!.node.spawnResource({ iface: Linker, handlers: { link: ({ to }, ctx) => ctx.link(ctx.node.ref(to)) } });
        alive++;
        a!.node.monitor(linker, () => alive--);
        linker.cast('link', { to: target.toString() });
        a!.node.monitor(target.id, () => downs++);
      }
      // Monitors and links travel to B first, so that most kills find them in place.
      await waitFor(() => b!.node.tables().watchedByPeers >= count, 10_000, () => `monitors on B: ${b!.node.tables().watchedByPeers}`);
      for (const target of targets) b!.node.exit(target, 'kill');
      await waitFor(() => alive === 0 && downs === 0, 10_000, () => `${alive} linked resources alive, ${downs} DOWNs missing`);
    };
    const expectDowns = async (count: number) => {
      downs -= count;
      await round(count);
    };

    // One round first, so that code, caches and pools the run needs exist before the baseline.
    await expectDowns(BATCH);
    const tables = { a: a!.node.tables(), b: b!.node.tables() };
    const before = await settledHeap(gc);
    const started = performance.now();
    for (let done = 0; done < TOTAL; done += BATCH) await expectDowns(BATCH);
    const seconds = (performance.now() - started) / 1000;
    const after = await settledHeap(gc);

    expect({ a: a!.node.tables(), b: b!.node.tables() }).toEqual(tables);
    expect(tables.a).toMatchObject({ monitors: 0, remoteLinks: 0, watchedByPeers: 0, pendingCalls: 0, remoteMonitors: 0, streams: 0 });
    expect(tables.b).toMatchObject({ monitors: 0, remoteLinks: 0, watchedByPeers: 0, pendingCalls: 0, remoteMonitors: 0, streams: 0 });
    console.log(`leaks: ${TOTAL} linked, monitored and killed across two nodes in ${seconds.toFixed(1)} s; heap ${((after - before) / 1024).toFixed(0)} KiB over the start (bound ${HEAP_BOUND / 1024} KiB)`);
    expect(after - before).toBeLessThan(HEAP_BOUND);
  },
  240_000,
);
