/**
 * Route convergence on a 1000-router mesh: 1000 `Router`s in this process on memory links
 * (1 ms one way), a seeded random connected topology of average degree 4, router defaults.
 * After the start has converged, events alternate between cutting a random link and removing a
 * random router; each is timed from the cut to the moment every routing table agrees with the
 * new topology again (see {@link RouterMesh.disagreement}).
 *
 * How the time is taken: the check reads every router's route to every destination (a million
 * lookups), and the routers cannot run while it does, so it runs every {@link POLL} ms of router
 * time and its own time is taken off the clock. The first check that agrees starts a
 * {@link STABLE} ms window in which every check must agree too; it is the figure.
 *
 * Baseline, same run and same links: a flood — every router forwards the first copy of a
 * message to all its neighbours over memory links of the same latency, starting at the cut's
 * ends — until every router of the component has it: the least time in which news of the cut
 * can reach every router at all.
 *
 * Memory: heap after a full GC once the start has converged, per router, beside a plain
 * next-hop table per router (a `Map` from each other router's id to a neighbour's id).
 *
 * `router.converge.200` and `router.converge.200.signed` compare, in the same run, a smaller mesh
 * with made-up ids against the same mesh of routers with real keys that sign their seqnos and
 * check every proof (on node:crypto, as under glow/node). All routers share one core here, so
 * the signed figures carry every router's verifications in series: in a real mesh each router
 * checks only its own.
 */
import { median, round, settledHeap, type BenchResult, type Benchmark } from '../harness.js';
import { once, sleep } from '../mesh/fixtures.js';
import { RouterMesh } from './mesh.js';
import { flood } from './flood.js';
import { RouterTime } from './routerTime.js';
import { useSignatureBackend } from '../../src/transport/identity.js';
import { nodeSignatures } from '../../src/transport/nodeSignatures.js';

const ROUTERS = 1000;
/** The size of the mesh that is measured with and without signed seqnos. */
const SIGNED_ROUTERS = 200;
const DEGREE = 4;
const SEED = 0x1000;
/** Events timed: link cuts and router removals, alternating. */
const EVENTS = 10;
/** Router-time ms between checks after an event, and while the mesh first converges. */
const POLL = 50;
const START_POLL = 500;
/** Router-time ms the agreement must hold. */
const STABLE = 500;
/** Give up on an event after this much router time; on the start (a million routes to learn, CPU-bound here) after more. */
const LIMIT = 30_000;
const START_LIMIT = 180_000;
/** The goal. */
const GOAL_MS = 2000;

interface Figures {
  /** ms from each event to agreement, and the flood's ms for the same event. */
  converge: number[];
  flood: number[];
  routerBytes: number;
  tableBytes: number;
}

/** Router-time ms from `since` until the tables agree (and keep agreeing for STABLE ms), checked every `poll` ms. */
async function agreement(mesh: RouterMesh, time: RouterTime, since: number, poll = POLL, limit = LIMIT): Promise<number> {
  const component = mesh.components();
  let agreedAt: number | undefined;
  let why: string | undefined;
  for (;;) {
    await sleep(poll);
    // The routers cannot run while the check reads their tables: their clock stops.
    time.pause();
    const at = time.now() - since;
    why = mesh.disagreement(component);
    time.resume();
    if (why) agreedAt = undefined;
    else agreedAt ??= at;
    if (agreedAt !== undefined && at - agreedAt >= STABLE) return agreedAt;
    if (at > limit) throw new Error(`router.converge: no agreement within ${limit} ms: ${why ?? 'it did not hold'}`);
  }
}

/** Bytes per plain next-hop table of `size` entries (ids as the mesh names them). */
async function tableBytes(mesh: RouterMesh): Promise<number> {
  const tables = new Array<Map<string, string>>(mesh.ids.length);
  const before = await settledHeap();
  for (let r = 0; r < mesh.ids.length; r++) {
    const table = new Map<string, string>();
    for (let d = 0; d < mesh.ids.length; d++) if (d !== r) table.set(mesh.ids[d]!, mesh.ids[(r + d) % mesh.ids.length]!);
    tables[r] = table;
  }
  const after = await settledHeap();
  tables.fill(undefined as never);
  return (after - before) / mesh.ids.length;
}

async function measure(routers: number, signed: boolean): Promise<Figures> {
  if (signed) useSignatureBackend(nodeSignatures);
  const before = await settledHeap();
  const time = new RouterTime();
  const started = time.now();
  const mesh = RouterMesh.random(routers, DEGREE, SEED, { clock: time }, signed);
  try {
    process.stderr.write(`  start converged in ${Math.round(await agreement(mesh, time, started, START_POLL, START_LIMIT))} ms\n`);
    const routerBytes = ((await settledHeap()) - before) / routers;
    const figures: Figures = { converge: [], flood: [], routerBytes, tableBytes: await tableBytes(mesh) };
    for (let event = 0; event < EVENTS; event++) {
      process.stderr.write(`\r  event ${event + 1}/${EVENTS}…`);
      let origins: number[];
      const at = time.now();
      if (event % 2 === 0) {
        origins = mesh.randomLink();
        mesh.cut(origins[0]!, origins[1]!);
      } else {
        const gone = mesh.randomRouter();
        origins = [...mesh.adjacency[gone]!];
        mesh.remove(gone);
      }
      figures.converge.push(await agreement(mesh, time, at));
      figures.flood.push(await flood(mesh, origins));
    }
    process.stderr.write('\n');
    return figures;
  } finally {
    mesh.close();
  }
}

/** The rows of one mesh: slowest and median event, and heap per router. */
function rows(routers: number, signed: boolean): Benchmark[] {
  const run = once(() => measure(routers, signed));
  const prefix = `router.converge.${routers}${signed ? '.signed' : ''}`;
  const note =
    `router.converge: ${routers} routers in this process on memory links (1 ms one way), random topology of average degree ${DEGREE}, ` +
    `router defaults${signed ? ', signed seqnos checked on node:crypto' : ''}; ${EVENTS} events (link cuts and router removals, alternating), ` +
    'each timed until every table agrees; raw = a flood from the cut over the same links';

  function row(suffix: string, of: (values: number[]) => number, goal: boolean): Benchmark {
    const name = `${prefix}${suffix}`;
    return {
      name,
      baseline: 'flood from the cut to every router, same links',
      note,
      ...(goal ? { goal: { of: 'value', atMost: GOAL_MS, label: 'every cut converges within 2 s' } } : {}),
      async run(): Promise<BenchResult> {
        const figures = await run();
        const value = of(figures.converge);
        const base = of(figures.flood);
        return { name, value: round(value), unit: 'ms', baseline: round(base), ratio: round(value / base) };
      },
    };
  }

  return [
    row('', (values) => Math.max(...values), true),
    row('.median', median, false),
    {
      name: `${prefix}.heap`,
      baseline: 'a plain next-hop Map per router',
      note,
      async run(): Promise<BenchResult> {
        const figures = await run();
        const name = `${prefix}.heap`;
        return { name, value: Math.round(figures.routerBytes), unit: 'bytes/router', baseline: Math.round(figures.tableBytes), ratio: round(figures.routerBytes / figures.tableBytes) };
      },
    },
  ];
}

const converge: Benchmark[] = [...rows(ROUTERS, false), ...rows(SIGNED_ROUTERS, false), ...rows(SIGNED_ROUTERS, true)];
export default converge;
