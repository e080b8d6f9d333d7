/**
 * Type-level tests for handlers and refs: `npx tsc --noEmit -p .` is what runs them. Every
 * `@ts-expect-error` line must fail to type-check, and tsc fails if one of them compiles, so each
 * proves that a handler or a call is checked against its interface. Jest runs the one runtime
 * assertion at the end.
 */
import * as v from 'valibot';
import { cast, defineInterface, method, Node, stream, type CallToken, type Handlers, type MachineEvent, type ResourceRef } from '../../src/index.js';

const Calc = defineInterface('test.Calc/1', {
  add: method(v.object({ a: v.number(), b: v.number() }), v.number()),
  name: method(v.object({ upper: v.optional(v.boolean(), false) }), v.string()),
  log: cast(v.object({ line: v.string() })),
  digits: stream(v.object({ of: v.number() }), v.number()),
});
type Calc = typeof Calc;

/** True when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

const handlers: Handlers<Calc> = {
  add: ({ a, b }) => a + b,
  // Parsed arguments: the default is applied, so `upper` is a boolean, not optional.
  name: async ({ upper }) => (upper ? 'CALC' : 'calc'),
  log: ({ line }) => void line,
  digits: function* ({ of }) {
    for (const digit of String(of)) yield Number(digit);
  },
};

const _wrongReturn: Handlers<Calc> = {
  ...handlers,
  // @ts-expect-error add must return a number, not a string
  add: ({ a, b }) => `${a + b}`,
};

const _wrongAsyncReturn: Handlers<Calc> = {
  ...handlers,
  // @ts-expect-error an async handler must resolve to the result type
  add: async () => 'three',
};

const _wrongArgUse: Handlers<Calc> = {
  ...handlers,
  // @ts-expect-error `a` is a number: it has no toUpperCase
  add: ({ a }) => a.toUpperCase(),
};

const _unknownArg: Handlers<Calc> = {
  ...handlers,
  // @ts-expect-error the arguments have no `c`
  add: ({ c }) => c,
};

const _wrongItems: Handlers<Calc> = {
  ...handlers,
  // @ts-expect-error a stream handler must yield numbers
  digits: function* () {
    yield 'one';
  },
};

// @ts-expect-error every member needs a handler
const _missing: Handlers<Calc> = { add: handlers.add, name: handlers.name, log: handlers.log };

// A machine receives one event per method and cast, typed by the interface; streams are not events.
type AddEvent = Extract<MachineEvent<Calc>, { type: 'add' }>;
assertType<Equal<AddEvent['args'], { a: number; b: number }>>();
assertType<Equal<AddEvent['call'], CallToken<number>>>();
assertType<Equal<Extract<MachineEvent<Calc>, { type: 'log' }>['call'], undefined>>();
assertType<Equal<Extract<MachineEvent<Calc>, { type: 'digits' }>, never>>();
// @ts-expect-error a call token of `add` answers numbers only
const _badAnswer = (event: AddEvent) => event.call.resolve('five');

const node = new Node();
const ref: ResourceRef<Calc> = node.spawnResource({ iface: Calc, handlers });

async function calls(): Promise<void> {
  const _sum = await ref.call('add', { a: 1, b: 2 });
  assertType<Equal<typeof _sum, number>>();
  const _label = await ref.call('name', {});
  assertType<Equal<typeof _label, string>>();

  // @ts-expect-error `a` must be a number
  await ref.call('add', { a: '1', b: 2 });
  // @ts-expect-error `b` is required
  await ref.call('add', { a: 1 });
  // @ts-expect-error the result is a number, not a string
  const _text: string = await ref.call('add', { a: 1, b: 2 });
  // @ts-expect-error `log` is a cast: call() takes methods only
  await ref.call('log', { line: 'x' });
  // @ts-expect-error `digits` is a stream: call() takes methods only
  await ref.call('digits', { of: 1 });
  // @ts-expect-error no such member
  await ref.call('subtract', { a: 1, b: 2 });

  ref.cast('log', { line: 'ok' });
  // @ts-expect-error `add` is a method: cast() takes casts only
  ref.cast('add', { a: 1, b: 2 });

  for await (const _digit of ref.iterate('digits', { of: 42 })) assertType<Equal<typeof _digit, number>>();
  // @ts-expect-error `add` is not a stream
  ref.iterate('add', { a: 1, b: 2 });
}

test('the typed handlers above also run: add answers the sum', async () => {
  try {
    await expect(ref.call('add', { a: 2, b: 3 }, { timeout: 1000 })).resolves.toBe(5);
    await expect(ref.call('name', { upper: true }, { timeout: 1000 })).resolves.toBe('CALC');
    expect(typeof calls).toBe('function');
  } finally {
    await node.shutdown();
  }
});
