/**
 * Restart elsewhere: a supervisor on this process's node has a permanent child placed on a
 * child OS process node C with candidates [C, B] (B another child process; both linked here
 * over WebSocket). C is killed (SIGKILL); the clock runs until a call by the child's registered
 * name is answered from B. Fresh B and C every time.
 *
 * Baseline, same kills: the DOWN of a monitor this node holds on the child on C — detection
 * alone; the rest is the supervisor's restart on B (a remote spawn) and the name moving.
 */
import { startSupervisor, type ExitReason } from '../../src/index.js';
import { median, round, type BenchResult, type Benchmark } from '../harness.js';
import { Where } from './childProcess.js';
import { once, sleep, until } from './fixtures.js';
import { benchNode } from './processes.js';

/** Kills. */
const REPEATS = 5;
/** The goal: the child runs on B within 2 s. */
const GOAL_MS = 2000;

interface Restart {
  answered: number;
  down: number;
}

async function measure(): Promise<Restart[]> {
  const bench = await benchNode();
  const { mesh } = bench;
  const results: Restart[] = [];
  try {
    for (let i = 0; i < REPEATS; i++) {
      process.stderr.write(`\r  restart ${i + 1}/${REPEATS}…`);
      const [b, c] = await Promise.all([bench.child('ws'), bench.child('ws')]);
      const name = `worker-${i}`;
      const supervisor = await startSupervisor(mesh.node, {
        intensity: 3,
        period: 10_000,
        children: [{ id: 'worker', start: { kind: 'echo', args: { name } }, where: [c.id, b.id] }],
      });
      await until(() => mesh.node.whereis(name)?.node === c.id, `${name} registered from C`);
      const byName = mesh.node.named(name, Where);
      if ((await byName.call('where', {})) !== c.id) throw new Error('bench: the worker is not on C');
      const down = new Promise<{ at: number; reason: ExitReason }>((resolve) =>
        mesh.node.monitor(mesh.node.whereis(name)!, (signal) => resolve({ at: performance.now(), reason: signal.reason })),
      );
      await byName.call('where', {}); // the monitor is in place on C
      await sleep(100 + Math.random() * 300);

      const killedAt = performance.now();
      const exited = c.kill();
      let answeredAt: number | undefined;
      const deadline = killedAt + 10_000;
      while (answeredAt === undefined && performance.now() < deadline) {
        if (mesh.node.whereis(name)?.node === b.id) {
          const where = await byName.call('where', {}, { timeout: 1000 }).catch(() => undefined);
          if (where === b.id) answeredAt = performance.now();
        }
        if (answeredAt === undefined) await sleep(2);
      }
      await exited;
      if (answeredAt === undefined) throw new Error(`bench: ${name} did not answer from B within 10 s`);
      const signal = await down;
      results.push({ answered: answeredAt - killedAt, down: signal.at - killedAt });
      mesh.node.exit(supervisor.id, 'shutdown');
      await mesh.node.down(supervisor.id);
      await b.stop();
    }
  } finally {
    process.stderr.write('\n');
    await bench.close();
  }
  return results;
}

const run = once(measure);
const note =
  `mesh.restart: ${REPEATS} SIGKILLs of node C (child process) running a supervised child with where [C, B]; ` +
  'kill → a call by its name answered from B; all links WebSocket, bench node on default settings';

function row(suffix: 'median' | 'max', of: (values: number[]) => number): Benchmark {
  const bench: Benchmark = {
    name: `mesh.restart.ws.${suffix}`,
    baseline: 'DOWN of the child on C, same kills (detection alone)',
    goal: { of: 'value', atMost: GOAL_MS, label: 'running on B within 2 s' },
    note,
    async run(): Promise<BenchResult> {
      const results = await run();
      const value = of(results.map((r) => r.answered));
      const base = of(results.map((r) => r.down));
      return { name: bench.name, value: round(value), unit: 'ms', baseline: round(base), ratio: round(value / base) };
    },
  };
  return bench;
}

const restart: Benchmark[] = [row('median', median), row('max', (values) => Math.max(...values))];
export default restart;
