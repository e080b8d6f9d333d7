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
 */
import { median, round, settledHeap, type BenchResult, type Benchmark } from '../harness.js';
import { once, sleep } from '../mesh/fixtures.js';
import { RouterMesh } from './mesh.js';
import { flood } from './flood.js';
import { RouterTime } from './routerTime.js';

const ROUTERS = 1000;
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

async function measure(): Promise<Figures> {
  const before = await settledHeap();
  const time = new RouterTime();
  const started = time.now();
  const mesh = RouterMesh.random(ROUTERS, DEGREE, SEED, { clock: time });
  try {
    process.stderr.write(`  start converged in ${Math.round(await agreement(mesh, time, started, START_POLL, START_LIMIT))} ms\n`);
    const routerBytes = ((await settledHeap()) - before) / ROUTERS;
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

const run = once(measure);
const note =
  `router.converge: ${ROUTERS} routers in this process on memory links (1 ms one way), random topology of average degree ${DEGREE}, ` +
  `router defaults; ${EVENTS} events (link cuts and router removals, alternating), each timed until every table agrees; ` +
  'raw = a flood from the cut over the same links';

function row(suffix: string, of: (values: number[]) => number, goal: boolean): Benchmark {
  const name = `router.converge.${ROUTERS}${suffix}`;
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

const converge: Benchmark[] = [
  row('', (values) => Math.max(...values), true),
  row('.median', median, false),
  {
    name: `router.converge.${ROUTERS}.heap`,
    baseline: 'a plain next-hop Map per router',
    note,
    async run(): Promise<BenchResult> {
      const figures = await run();
      const name = `router.converge.${ROUTERS}.heap`;
      return { name, value: Math.round(figures.routerBytes), unit: 'bytes/router', baseline: Math.round(figures.tableBytes), ratio: round(figures.routerBytes / figures.tableBytes) };
    },
  },
];
export default converge;
