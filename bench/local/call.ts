/** Local call round trip: sequential `await ref.call` vs a plain async function awaited in the same loop. */
import { Node } from '../../src/index.js';
import { compare, now, round, type Benchmark } from '../harness.js';
import { Adder } from './fixtures.js';

const N = 20_000;

const bench: Benchmark = {
  name: 'local.call',
  baseline: 'await async fn()',
  async run() {
    const node = new Node({ id: 'bench' });
    let glowCount = 0;
    const ref = node.spawnResource({ iface: Adder, handlers: { add: ({ by }) => (glowCount += by) } });
    let rawCount = 0;
    const add = async ({ by }: { by: number }): Promise<number> => (rawCount += by);

    const glow = async () => {
      const start = now();
      let last = 0;
      for (let i = 0; i < N; i++) last = await ref.call('add', { by: 1 });
      const time = Number(now() - start);
      if (last !== glowCount) throw new Error('local.call: wrong reply');
      return time;
    };
    const raw = async () => {
      const start = now();
      let last = 0;
      for (let i = 0; i < N; i++) last = await add({ by: 1 });
      const time = Number(now() - start);
      if (last !== rawCount) throw new Error('local.call: wrong result');
      return time;
    };

    const perOp = await compare(glow, raw, { ops: N });
    await node.shutdown();
    return {
      name: bench.name,
      value: round(perOp.glow / 1000),
      unit: 'µs/call',
      baseline: round(perOp.raw / 1000),
      ratio: round(perOp.glow / perOp.raw),
    };
  },
};

export default bench;
