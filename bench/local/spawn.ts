/** Spawn time per resource: `node.spawnResource` of a handler resource vs raw `createActor(machine).start()`. */
import { createActor, type AnyActorRef } from 'xstate';
import { Node, type ResourceRef } from '../../src/index.js';
import { compare, now, round, type Benchmark } from '../harness.js';
import { Counter, trivialMachine } from './fixtures.js';

const N = 10_000;

const spec = { iface: Counter, handlers: { inc: () => {} } };

const bench: Benchmark = {
  name: 'local.spawn',
  baseline: 'xstate createActor().start()',
  async run() {
    const glow = async () => {
      const node = new Node({ id: 'bench' });
      const kept = new Array<ResourceRef<typeof Counter>>(N);
      const start = now();
      for (let i = 0; i < N; i++) kept[i] = node.spawnResource(spec);
      const time = Number(now() - start);
      await node.shutdown();
      return time;
    };
    const raw = async () => {
      const kept = new Array<AnyActorRef>(N);
      const start = now();
      for (let i = 0; i < N; i++) kept[i] = createActor(trivialMachine).start();
      const time = Number(now() - start);
      for (const actor of kept) actor.stop();
      return time;
    };

    const perOp = await compare(glow, raw, { ops: N, rounds: 5 });
    return {
      name: bench.name,
      value: round(perOp.glow / 1000),
      unit: 'µs/spawn',
      baseline: round(perOp.raw / 1000),
      ratio: round(perOp.glow / perOp.raw),
    };
  },
};

export default bench;
