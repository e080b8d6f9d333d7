/**
 * Heap per idle resource: N handler resources (trivial one-member interface, refs kept) vs N
 * raw xstate actors of a trivial machine (actors kept), measured after a full GC.
 */
import { createActor, type AnyActorRef } from 'xstate';
import { Node, type ResourceRef } from '../../src/index.js';
import { median, round, settledHeap, type Benchmark } from '../harness.js';
import { Counter, trivialMachine } from './fixtures.js';

const N = 20_000;
const ROUNDS = 3;

const spec = { iface: Counter, handlers: { inc: () => {} } };

/** Bytes per resource that `spawn` leaves on the heap. The array holding them is allocated beforehand. */
async function measure<T>(spawn: () => T, release: (kept: T[]) => Promise<void> | void): Promise<number> {
  const kept = new Array<T>(N).fill(undefined as T);
  const before = await settledHeap();
  for (let i = 0; i < N; i++) kept[i] = spawn();
  const after = await settledHeap();
  await release(kept);
  return (after - before) / N;
}

const bench: Benchmark = {
  name: 'local.heap',
  baseline: 'xstate createActor().start()',
  goal: 1.5,
  async run() {
    const glowBytes: number[] = [];
    const rawBytes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      rawBytes.push(
        await measure<AnyActorRef>(
          () => createActor(trivialMachine).start(),
          (actors) => actors.forEach((actor) => actor.stop()),
        ),
      );
      const node = new Node({ id: 'bench' });
      glowBytes.push(
        await measure<ResourceRef<typeof Counter>>(
          () => node.spawnResource(spec),
          () => node.shutdown(),
        ),
      );
    }
    const glow = median(glowBytes);
    const raw = median(rawBytes);
    return { name: bench.name, value: Math.round(glow), unit: 'bytes', baseline: Math.round(raw), ratio: round(glow / raw) };
  },
};

export default bench;
