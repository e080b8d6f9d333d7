/**
 * Resources written as xstate machines (src/actors/machineLogic.ts): members arrive as events,
 * the `reply` action answers, a kept token answers later, a final state ends the resource.
 */
import * as v from 'valibot';
import { assign, setup } from 'xstate';
import {
  cast,
  defineInterface,
  GlowError,
  method,
  reply,
  replyTo,
  stream,
  type CallToken,
  type MachineEvent,
} from '../../src/index.js';
import { rejection, timed, useNodes, within } from './helpers.js';

const Counter = defineInterface('test.Counter/1', {
  add: method(v.object({ by: v.number() }), v.number()),
  get: method(v.object({}), v.number()),
  reset: cast(v.object({})),
  wait: method(v.object({}), v.number()),
  release: cast(v.object({ value: v.number() })),
  refuse: method(v.object({}), v.number()),
  fail: method(v.object({}), v.number()),
  stop: method(v.object({}), v.boolean()),
  lastExit: method(v.object({}), v.nullable(v.string())),
  ticks: stream(v.object({}), v.number()),
});

interface Context {
  count: number;
  waiting?: CallToken<number>;
  lastExit: string | null;
}

const counterMachine = setup({
  types: { context: {} as Context, events: {} as MachineEvent<typeof Counter> },
}).createMachine({
  context: { count: 0, lastExit: null },
  initial: 'running',
  states: {
    running: {
      on: {
        add: {
          actions: [
            assign({ count: ({ context, event }) => context.count + event.args.by }),
            reply(({ context }) => context.count),
          ],
        },
        get: { actions: reply(({ context }) => context.count) },
        reset: { actions: assign({ count: 0 }) },
        wait: { actions: assign({ waiting: ({ event }) => event.call }) },
        release: {
          actions: [({ context, event }) => replyTo(context.waiting, event.args.value), assign({ waiting: undefined })],
        },
        refuse: {
          actions: reply(() => {
            throw new GlowError('denied', 'not now');
          }),
        },
        fail: {
          actions: () => {
            throw new Error('machine bug');
          },
        },
        'glow.exit': { actions: assign({ lastExit: ({ event }) => (typeof event.reason === 'string' ? event.reason : 'crashed') }) },
        lastExit: { actions: reply(({ context }) => context.lastExit) },
        stop: { target: 'done', actions: reply(() => true) },
      },
    },
    done: { type: 'final' },
  },
});

const newNode = useNodes();

function counter(options: { trapExit?: boolean } = {}) {
  const node = newNode();
  const ref = node.spawnResource({ iface: Counter, machine: counterMachine, ...options });
  return { node, ref };
}

test('answers calls with the reply action', async () => {
  const { ref } = counter();
  await expect(within(ref.call('add', { by: 2 }))).resolves.toBe(2);
  await expect(within(ref.call('add', { by: 3 }))).resolves.toBe(5);
  await expect(within(ref.call('get', {}))).resolves.toBe(5);
});

test('applies casts to the machine state in order with calls', async () => {
  const { ref } = counter();
  await within(ref.call('add', { by: 7 }));
  ref.cast('reset', {});
  await expect(within(ref.call('get', {}))).resolves.toBe(0);
});

test('answers later from a call token kept in context (replyTo)', async () => {
  const { ref } = counter();
  let answered = false;
  const waiting = ref.call('wait', {}).then((value) => {
    answered = true;
    return value;
  });
  // The machine holds the call: other calls go on meanwhile.
  await expect(within(ref.call('add', { by: 1 }))).resolves.toBe(1);
  expect(answered).toBe(false);
  ref.cast('release', { value: 42 });
  await expect(within(waiting)).resolves.toBe(42);
});

test('answers a GlowError thrown by the reply computation, and goes on', async () => {
  const { ref } = counter();
  const error = await rejection(ref.call('refuse', {}));
  expect(error.code).toBe('denied');
  expect(error.message).toBe('not now');
  await expect(within(ref.call('add', { by: 1 }))).resolves.toBe(1);
});

test('validates arguments before the machine sees them', async () => {
  const { ref } = counter();
  expect((await rejection(ref.call('add', { by: '1' } as never))).code).toBe('badarg');
  await expect(within(ref.call('get', {}))).resolves.toBe(0);
});

test('ends normally when the machine reaches a final state, after replying', async () => {
  const { node, ref } = counter();
  const down = node.down(ref);
  await expect(within(ref.call('stop', {}))).resolves.toBe(true);
  expect((await within(down)).reason).toBe('normal');
  expect((await rejection(ref.call('get', {}))).code).toBe('noproc');
});

test('crashes when an action throws, failing the call with crashed at once', async () => {
  const { node, ref } = counter();
  const down = node.down(ref);
  const { ms, error } = await timed(ref.call('fail', {}, { timeout: 5000 }));
  expect(error?.code).toBe('crashed');
  expect(ms).toBeLessThan(200);
  expect((await within(down)).reason).toEqual({ error: { code: 'crashed', message: 'machine bug' } });
});

test('fails a held call with crashed when the machine crashes', async () => {
  const { ref } = counter();
  const waiting = rejection(ref.call('wait', {}, { timeout: 5000 }), 200);
  await rejection(ref.call('fail', {}));
  expect((await waiting).code).toBe('crashed');
});

test('receives EXIT signals as glow.exit events when trapping exits', async () => {
  const { node, ref } = counter({ trapExit: true });
  node.exit(ref, 'shutdown');
  await expect(within(ref.call('lastExit', {}))).resolves.toBe('shutdown');
});

test('refuses streams with nomethod', async () => {
  const { ref } = counter();
  const error = await rejection(ref.iterate('ticks', {}).next());
  expect(error.code).toBe('nomethod');
  await expect(within(ref.call('get', {}))).resolves.toBe(0);
});

test('fails a call the machine holds and never answers with timeout', async () => {
  const { ref } = counter();
  const { ms, error } = await timed(ref.call('wait', {}, { timeout: 30 }));
  expect(error?.code).toBe('timeout');
  expect(ms).toBeGreaterThanOrEqual(25);
});
