/**
 * What the local benchmarks share: a one-cast and a one-method interface, and for each way of
 * writing a Glow resource, the raw xstate actor that does the same work.
 * - A handler resource runs custom logic on a shared snapshot: its raw twin is a `fromTransition`
 *   actor whose transition runs the same handler.
 * - A machine resource runs an xstate machine: its raw twin is the very same machine, started
 *   with `createActor`, receiving the same events (`{ type, args }`, a call token for methods).
 */
import * as v from 'valibot';
import { assign, fromTransition, setup, type AnyActorRef } from 'xstate';
import { cast, defineInterface, method, reply, type CallToken, type MachineEvent } from '../../src/index.js';

/** A counter with one cast. */
export const Counter = defineInterface('bench.Counter/1', {
  inc: cast(v.object({ by: v.number() })),
});

/** A counter with one method. */
export const Adder = defineInterface('bench.Adder/1', {
  add: method(v.object({ by: v.number() }), v.number()),
});

/** An event as a machine resource (or its raw twin) receives it. */
type AnyEvent = MachineEvent<typeof Counter> | MachineEvent<typeof Adder>;

/**
 * The counter machine both sides run: `inc` adds to the count and tells `counted`; `add` adds
 * and answers the new count. One definition, so Glow and raw do exactly the same transitions.
 */
export function counterMachine(counted: (by: number) => void = () => {}) {
  return setup({ types: { context: {} as { count: number }, events: {} as AnyEvent } }).createMachine({
    context: { count: 0 },
    on: {
      inc: { actions: [assign({ count: ({ context, event }) => context.count + event.args.by }), ({ event }) => counted(event.args.by)] },
      add: { actions: [assign({ count: ({ context, event }) => context.count + event.args.by }), reply(({ context }) => context.count)] },
    },
  });
}

/**
 * A raw handler's logic: `fromTransition` running `handle` for each `inc` event's args, state
 * untouched (xstate's own events, such as its stop, pass by).
 */
export function handlerTwin(handle: (args: { by: number }) => void) {
  return fromTransition((state: undefined, event: { type: string; args: { by: number } }) => {
    if (event.type === 'inc') handle(event.args);
    return state;
  }, undefined);
}

/** Sends `add` to a raw machine actor and waits for its answer, as a machine resource's caller does. */
export function rawCall(actor: AnyActorRef, by: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const call: CallToken<number> = { resolve, reject };
    actor.send({ type: 'add', args: { by }, call });
  });
}
