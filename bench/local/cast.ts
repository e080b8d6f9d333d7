/**
 * Local cast throughput: `ref.cast` in a loop, the clock stopping once all N were handled.
 * - `local.cast`: a handler resource vs a raw `fromTransition` actor running the same handler.
 * - `local.cast.machine`: a machine resource vs the same machine as a raw xstate actor.
 */
import type { AnyActorRef } from 'xstate';
import { createActor } from 'xstate';
import { Node, type ResourceRef } from '../../src/index.js';
import { compare, now, round, tick, type Benchmark, type BenchResult } from '../harness.js';
import { Counter, counterMachine, handlerTwin } from './fixtures.js';

const N = 100_000;

/** Nanoseconds for N sends through `send`, until `handled()` counts them all. */
async function casts(send: () => void, handled: () => number): Promise<number> {
  const target = handled() + N;
  const start = now();
  for (let i = 0; i < N; i++) send();
  // Casts are handled synchronously while the mailbox is idle; wait if any were not.
  while (handled() < target) await tick();
  const time = Number(now() - start);
  if (handled() !== target) throw new Error(`local.cast: handled ${handled()}, expected ${target}`);
  return time;
}

function row(name: string, baseline: string, machine: boolean): Benchmark {
  return {
    name,
    baseline,
    goal: 1.5,
    async run(): Promise<BenchResult> {
      const node = new Node({ id: 'bench' });
      let glowCount = 0;
      let rawCount = 0;
      const args = { by: 1 };
      let ref: ResourceRef<typeof Counter>;
      let actor: AnyActorRef;
      if (machine) {
        ref = node.spawnResource({ iface: Counter, machine: counterMachine((by) => (glowCount += by)) });
        actor = createActor(counterMachine((by) => (rawCount += by))).start();
      } else {
        ref = node.spawnResource({ iface: Counter, handlers: { inc: ({ by }) => void (glowCount += by) } });
        actor = createActor(handlerTwin(({ by }) => (rawCount += by))).start();
      }
      const event = { type: 'inc', args };
      const perOp = await compare(
        () => casts(() => ref.cast('inc', args), () => glowCount),
        () => casts(() => actor.send(event), () => rawCount),
        { ops: N },
      );
      if (node.stats.castsFailed) throw new Error(`${name}: ${node.stats.castsFailed} casts failed`);
      actor.stop();
      await node.shutdown();
      return { name, value: round(1e9 / perOp.glow), unit: 'casts/s', baseline: round(1e9 / perOp.raw), ratio: round(perOp.glow / perOp.raw) };
    },
  };
}

export default [
  row('local.cast', 'xstate fromTransition actor, same handler', false),
  row('local.cast.machine', 'the same machine as a raw xstate actor', true),
] satisfies Benchmark[];
