/**
 * Heap per idle resource, after a full GC, N of them kept:
 * - `local.heap`: handler resources vs raw `fromTransition` actors.
 * - `local.heap.machine`: machine resources vs the same machine as raw xstate actors.
 */
import { createActor, type AnyActorRef } from 'xstate';
import { Node, type ResourceRef } from '../../src/index.js';
import { median, round, settledHeap, type Benchmark, type BenchResult } from '../harness.js';
import { Counter, counterMachine, handlerTwin } from './fixtures.js';

const N = 20_000;
const ROUNDS = 3;

/** Bytes per item that `make` leaves on the heap. The array holding them is allocated beforehand. */
async function measure<T>(make: () => T, release: (kept: T[]) => Promise<void> | void): Promise<number> {
  const kept = new Array<T>(N).fill(undefined as T);
  const before = await settledHeap();
  for (let i = 0; i < N; i++) kept[i] = make();
  const after = await settledHeap();
  await release(kept);
  return (after - before) / N;
}

function row(name: string, baseline: string, machine: boolean): Benchmark {
  return {
    name,
    baseline,
    goal: 1.5,
    async run(): Promise<BenchResult> {
      // One definition each, shared by every resource and actor, as an application would.
      const handlers = { inc: () => {} };
      const logic = counterMachine();
      const twin = handlerTwin(handlers.inc);
      const glowBytes: number[] = [];
      const rawBytes: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        rawBytes.push(
          await measure<AnyActorRef>(
            () => createActor(machine ? logic : twin).start(),
            (actors) => actors.forEach((actor) => actor.stop()),
          ),
        );
        const node = new Node({ id: 'bench' });
        const spec = machine ? { iface: Counter, machine: logic } : { iface: Counter, handlers };
        glowBytes.push(
          await measure<ResourceRef<typeof Counter>>(
            () => node.spawnResource(spec),
            () => node.shutdown(),
          ),
        );
      }
      const glow = median(glowBytes);
      const raw = median(rawBytes);
      return { name, value: Math.round(glow), unit: 'bytes', baseline: Math.round(raw), ratio: round(glow / raw) };
    },
  };
}

export default [
  row('local.heap', 'xstate fromTransition actor', false),
  row('local.heap.machine', 'the same machine as a raw xstate actor', true),
] satisfies Benchmark[];
