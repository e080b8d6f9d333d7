/**
 * Spawn time per resource, N in a row:
 * - `local.spawn`: `node.spawnResource` of a handler resource vs a raw `fromTransition` actor started.
 * - `local.spawn.machine`: a machine resource vs the same machine as a raw xstate actor started.
 */
import { createActor, type AnyActorRef } from 'xstate';
import { Node, type ResourceRef } from '../../src/index.js';
import { compare, now, round, type Benchmark, type BenchResult } from '../harness.js';
import { Counter, counterMachine, handlerTwin } from './fixtures.js';

const N = 10_000;

function row(name: string, baseline: string, machine: boolean): Benchmark {
  return {
    name,
    baseline,
    async run(): Promise<BenchResult> {
      const handlers = { inc: () => {} };
      const logic = counterMachine();
      const twin = handlerTwin(handlers.inc);
      const spec = machine ? { iface: Counter, machine: logic } : { iface: Counter, handlers };
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
        for (let i = 0; i < N; i++) kept[i] = createActor(machine ? logic : twin).start();
        const time = Number(now() - start);
        for (const actor of kept) actor.stop();
        return time;
      };
      const perOp = await compare(glow, raw, { ops: N, rounds: 5 });
      return { name, value: round(perOp.glow / 1000), unit: 'µs/spawn', baseline: round(perOp.raw / 1000), ratio: round(perOp.glow / perOp.raw) };
    },
  };
}

export default [
  row('local.spawn', 'xstate fromTransition actor started', false),
  row('local.spawn.machine', 'the same machine as a raw xstate actor started', true),
] satisfies Benchmark[];
