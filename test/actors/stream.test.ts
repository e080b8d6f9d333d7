/**
 * Server streams (src/actors/stream.ts): order, completion, credit-based flow control,
 * cancellation, and what a failing producer or resource does to the stream.
 */
import * as v from 'valibot';
import { lastValueFrom, take, toArray, type Observable } from 'rxjs';
import { defineInterface, GlowError, method, stream } from '../../src/index.js';
import { gate, rejection, turn, untyped, useNodes, within } from './helpers.js';

const Numbers = defineInterface('test.Numbers/1', {
  count: stream(v.object({ upTo: v.number() }), v.number()),
  list: stream(v.object({}), v.number()),
  endless: stream(v.object({}), v.number()),
  refuse: stream(v.object({ after: v.number() }), v.number()),
  crash: stream(v.object({ after: v.number() }), v.number()),
  stall: stream(v.object({}), v.number()),
  notIterable: stream(v.object({}), v.number()),
  boom: method(v.object({}), v.number()),
  ping: method(v.object({}), v.string()),
});

/** Safety cap: a producer that ignored flow control still ends, so a failing test cannot hang. */
const CAP = 10_000;

const newNode = useNodes();

function numbers() {
  const node = newNode();
  const stalled = gate();
  const producer = { produced: 0, finallyRan: false, onFinally: undefined as (() => void) | undefined };
  const ref = node.spawnResource({
    iface: Numbers,
    handlers: {
      count: async function* ({ upTo }) {
        for (let i = 0; i < upTo; i++) yield i;
      },
      list: () => [10, 20, 30],
      endless: async function* () {
        try {
          for (let i = 0; i < CAP; i++) {
            producer.produced++;
            yield i;
          }
        } finally {
          producer.finallyRan = true;
          producer.onFinally?.();
        }
      },
      refuse: async function* ({ after }) {
        for (let i = 0; i < after; i++) yield i;
        throw new GlowError('failed', 'source went away');
      },
      crash: async function* ({ after }) {
        for (let i = 0; i < after; i++) yield i;
        throw new Error('producer bug');
      },
      stall: async function* () {
        yield 1;
        await stalled.promise;
      },
      notIterable: () => 42 as never,
      boom: () => {
        throw new Error('kaboom');
      },
      ping: () => 'pong',
    },
  });
  const finished = () => new Promise<void>((resolve) => (producer.onFinally = resolve));
  return { node, ref, producer, finished };
}

/** Collects a stream until it ends; resolves with the items, or with the items and the error. */
function collect<T>(source: Observable<T>) {
  return new Promise<{ items: T[]; error?: GlowError }>((resolve) => {
    const items: T[] = [];
    source.subscribe({
      next: (item) => items.push(item),
      error: (error) => resolve({ items, error: error as GlowError }),
      complete: () => resolve({ items }),
    });
  });
}

test('delivers items in order, then completes (observable)', async () => {
  const { ref } = numbers();
  const { items, error } = await within(collect(ref.stream('count', { upTo: 100 })));
  expect(error).toBeUndefined();
  expect(items).toEqual(Array.from({ length: 100 }, (_, i) => i));
});

test('delivers items in order, then completes (async iterator)', async () => {
  const { ref } = numbers();
  const items: number[] = [];
  await within(
    (async () => {
      for await (const item of ref.iterate('count', { upTo: 50 }, { credit: 4 })) items.push(item);
    })(),
  );
  expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
});

test('serves a plain iterable as a stream', async () => {
  const { ref } = numbers();
  await expect(within(lastValueFrom(ref.stream('list', {}).pipe(toArray())))).resolves.toEqual([10, 20, 30]);
});

test('completes an empty stream at once', async () => {
  const { ref } = numbers();
  await expect(within(collect(ref.stream('count', { upTo: 0 })))).resolves.toEqual({ items: [] });
});

test('pauses the producer when the consumer does not pull: it runs ahead by at most the credit', async () => {
  const { ref, producer } = numbers();
  const iterator = ref.iterate('endless', {}, { credit: 4 });
  await expect(within(iterator.next())).resolves.toEqual({ value: 0, done: false });
  await expect(within(iterator.next())).resolves.toEqual({ value: 1, done: false });
  // Let the producer run as far as it may; it must stop at 4 sent + 2 granted back.
  for (let i = 0; i < 20; i++) await turn();
  expect(producer.produced).toBeGreaterThanOrEqual(4);
  expect(producer.produced).toBeLessThanOrEqual(4 + 2);
  await iterator.return!();
});

test('resumes the producer as the consumer pulls, without losing or repeating items', async () => {
  const { ref } = numbers();
  const iterator = ref.iterate('endless', {}, { credit: 2 });
  const items: number[] = [];
  for (let i = 0; i < 25; i++) items.push((await within(iterator.next())).value as number);
  expect(items).toEqual(Array.from({ length: 25 }, (_, i) => i));
  await iterator.return!();
});

test('cancels the producer when the iterating loop breaks (its finally runs)', async () => {
  const { ref, producer, finished } = numbers();
  const done = finished();
  const items: number[] = [];
  for await (const item of ref.iterate('endless', {}, { credit: 8 })) {
    items.push(item);
    if (items.length === 3) break;
  }
  await within(done, 1000, "the producer's finally");
  expect(items).toEqual([0, 1, 2]);
  expect(producer.produced).toBeLessThan(CAP);
});

test('cancels the producer when the subscriber unsubscribes', async () => {
  const { ref, producer, finished } = numbers();
  const done = finished();
  await expect(within(lastValueFrom(ref.stream('endless', {}, { credit: 8 }).pipe(take(5), toArray())))).resolves.toEqual([0, 1, 2, 3, 4]);
  await within(done, 1000, "the producer's finally");
  expect(producer.finallyRan).toBe(true);
  expect(producer.produced).toBeLessThan(CAP);
});

test('ends the stream with the GlowError the producer throws, and the resource lives on', async () => {
  const { ref } = numbers();
  const { items, error } = await within(collect(ref.stream('refuse', { after: 3 })));
  expect(items).toEqual([0, 1, 2]);
  expect(error).toBeInstanceOf(GlowError);
  expect(error?.code).toBe('failed');
  expect(error?.message).toBe('source went away');
  await expect(within(ref.call('ping', {}))).resolves.toBe('pong');
});

test('crashes the resource when the producer throws a plain Error, ending the stream with crashed', async () => {
  const { node, ref } = numbers();
  const down = node.down(ref);
  const { items, error } = await within(collect(ref.stream('crash', { after: 2 })));
  expect(items).toEqual([0, 1]);
  expect(error?.code).toBe('crashed');
  expect((await within(down)).reason).toEqual({ error: { code: 'crashed', message: 'producer bug' } });
});

test('ends a stream with crashed when its resource crashes mid-stream', async () => {
  const { ref } = numbers();
  const iterator = ref.iterate('stall', {});
  await expect(within(iterator.next())).resolves.toEqual({ value: 1, done: false });
  const pending = rejection(iterator.next());
  expect((await rejection(ref.call('boom', {}))).code).toBe('crashed');
  expect((await pending).code).toBe('crashed');
});

test('ends a stream with noproc when its resource is shut down mid-stream', async () => {
  const { node, ref } = numbers();
  const iterator = ref.iterate('stall', {});
  await within(iterator.next());
  const pending = rejection(iterator.next());
  node.exit(ref, 'shutdown');
  const error = await pending;
  expect(error.code).toBe('noproc');
  expect(error.details).toEqual({ reason: 'shutdown' });
});

test('ends a stream whose handler returns no iterable with crashed, and the resource lives on', async () => {
  const { ref } = numbers();
  expect((await rejection(ref.iterate('notIterable', {}).next())).code).toBe('crashed');
  await expect(within(ref.call('ping', {}))).resolves.toBe('pong');
});

test('refuses a stream with bad arguments with badarg, before the producer runs', async () => {
  const { ref, producer } = numbers();
  expect((await rejection(ref.iterate('count', { upTo: 'many' } as never).next())).code).toBe('badarg');
  expect(producer.produced).toBe(0);
});

test('ends a stream on a resource that does not exist with noproc', async () => {
  const { node } = numbers();
  const ghost = node.ref(`glow://${node.id}/ghost`, Numbers);
  expect((await rejection(ghost.iterate('count', { upTo: 1 }).next())).code).toBe('noproc');
});

test('refuses a credit that is not a positive integer', () => {
  const { ref } = numbers();
  for (const credit of [0, -1, 1.5]) {
    expect(() => ref.iterate('count', { upTo: 1 }, { credit })).toThrow(expect.objectContaining({ code: 'badarg' }));
  }
  expect(() => ref.stream('count', { upTo: 1 }, { credit: 0 })).toThrow(GlowError);
});

test('a stream does not hold the mailbox: calls are answered while it is open', async () => {
  const { ref } = numbers();
  const iterator = ref.iterate('stall', {});
  await within(iterator.next());
  await expect(within(ref.call('ping', {}))).resolves.toBe('pong');
  await iterator.return!();
});

test('refuses to open a stream on a method with nomethod', async () => {
  const { ref } = numbers();
  expect((await rejection(untyped(ref).iterate('ping', {}).next())).code).toBe('nomethod');
});
