/** What the local benchmarks share: a trivial one-member Glow interface and its raw xstate twin. */
import * as v from 'valibot';
import { assign, setup } from 'xstate';
import { cast, defineInterface, method } from '../../src/index.js';

/** A counter with one cast. */
export const Counter = defineInterface('bench.Counter/1', {
  inc: cast(v.object({ by: v.number() })),
});

/** A counter with one method. */
export const Adder = defineInterface('bench.Adder/1', {
  add: method(v.object({ by: v.number() }), v.number()),
});

/** The raw baseline: a machine with one `on` event that assigns a counter. */
export const trivialMachine = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'inc'; by: number } },
}).createMachine({
  context: { count: 0 },
  on: { inc: { actions: assign({ count: ({ context, event }) => context.count + event.by }) } },
});
