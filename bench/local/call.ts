/**
 * Local call round trip: sequential `await ref.call`, the clock stopping after N answers.
 * - `local.call`: a handler resource vs a plain async function awaited in the same loop (the
 *   least a call can cost: a handler is a function, and a call awaits it).
 * - `local.call.machine`: a machine resource answering with `reply` vs the same machine as a raw
 *   xstate actor, sent the same event with a call token and awaited.
 */
import { createActor } from 'xstate';
import { Node, type ResourceRef } from '../../src/index.js';
import { compare, now, round, type Benchmark, type BenchResult } from '../harness.js';
import { Adder, counterMachine, rawCall } from './fixtures.js';

const N = 20_000;

/** Nanoseconds for N sequential calls of `call`, checking that the last answer is the count. */
async function calls(call: () => Promise<number>, count: () => number): Promise<number> {
  const start = now();
  let last = 0;
  for (let i = 0; i < N; i++) last = await call();
  const time = Number(now() - start);
  if (last !== count()) throw new Error(`local.call: answered ${last}, expected ${count()}`);
  return time;
}

const handler: Benchmark = {
  name: 'local.call',
  baseline: 'await async fn()',
  async run(): Promise<BenchResult> {
    const node = new Node({ id: 'bench' });
    let glowCount = 0;
    const ref = node.spawnResource({ iface: Adder, handlers: { add: ({ by }) => (glowCount += by) } });
    let rawCount = 0;
    const add = async ({ by }: { by: number }): Promise<number> => (rawCount += by);
    const args = { by: 1 };
    const perOp = await compare(
      () => calls(() => ref.call('add', args), () => glowCount),
      () => calls(() => add(args), () => rawCount),
      { ops: N },
    );
    await node.shutdown();
    return { name: handler.name, value: round(perOp.glow / 1000), unit: 'µs/call', baseline: round(perOp.raw / 1000), ratio: round(perOp.glow / perOp.raw) };
  },
};

const machine: Benchmark = {
  name: 'local.call.machine',
  baseline: 'the same machine as a raw xstate actor, call token awaited',
  async run(): Promise<BenchResult> {
    const node = new Node({ id: 'bench' });
    const ref: ResourceRef<typeof Adder> = node.spawnResource({ iface: Adder, machine: counterMachine() });
    const actor = createActor(counterMachine()).start();
    // Each call adds one: the answer to the n-th call is n.
    let glowCalls = 0;
    let rawCalls = 0;
    const args = { by: 1 };
    const perOp = await compare(
      () => calls(() => (glowCalls++, ref.call('add', args)), () => glowCalls),
      () => calls(() => (rawCalls++, rawCall(actor, 1)), () => rawCalls),
      { ops: N },
    );
    actor.stop();
    await node.shutdown();
    return { name: machine.name, value: round(perOp.glow / 1000), unit: 'µs/call', baseline: round(perOp.raw / 1000), ratio: round(perOp.glow / perOp.raw) };
  },
};

export default [handler, machine] satisfies Benchmark[];
