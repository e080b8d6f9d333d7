/**
 * Local cast throughput: `ref.cast` to a handler resource vs raw xstate `actor.send` to a
 * trivial machine. Both count what they handled; the clock stops only once all N were.
 */
import { createActor } from 'xstate';
import { Node } from '../../src/index.js';
import { compare, now, round, tick, type Benchmark } from '../harness.js';
import { Counter, trivialMachine } from './fixtures.js';

const N = 100_000;

const bench: Benchmark = {
  name: 'local.cast',
  baseline: 'xstate actor.send',
  goal: 1.5,
  async run() {
    const node = new Node({ id: 'bench' });
    let handled = 0;
    const ref = node.spawnResource({
      iface: Counter,
      handlers: {
        inc: ({ by }) => {
          handled += by;
        },
      },
    });
    const actor = createActor(trivialMachine).start();

    const glow = async () => {
      const target = handled + N;
      const start = now();
      for (let i = 0; i < N; i++) ref.cast('inc', { by: 1 });
      // Casts are delivered synchronously while the mailbox is idle; wait if any were not.
      while (handled < target) await tick();
      const time = Number(now() - start);
      if (handled !== target) throw new Error(`local.cast: handled ${handled}, expected ${target}`);
      return time;
    };
    const raw = async () => {
      const target = actor.getSnapshot().context.count + N;
      const start = now();
      for (let i = 0; i < N; i++) actor.send({ type: 'inc', by: 1 });
      while (actor.getSnapshot().context.count < target) await tick();
      const time = Number(now() - start);
      if (actor.getSnapshot().context.count !== target) throw new Error('local.cast: the raw actor lost events');
      return time;
    };

    const perOp = await compare(glow, raw, { ops: N });
    if (node.stats.castsFailed) throw new Error(`local.cast: ${node.stats.castsFailed} casts failed`);
    actor.stop();
    await node.shutdown();
    return {
      name: bench.name,
      value: round(1e9 / perOp.glow),
      unit: 'casts/s',
      baseline: round(1e9 / perOp.raw),
      ratio: round(perOp.glow / perOp.raw),
    };
  },
};

export default bench;
