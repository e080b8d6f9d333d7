/**
 * The mailbox every resource sits behind (src/actors/cell.ts): bounded capacity, one message
 * at a time unless told otherwise, validation before any handler runs, and what a crash does
 * to the messages in progress and waiting.
 */
import * as v from 'valibot';
import { cast, defineInterface, method, stream, type DownSignal, type WireIssue } from '../../src/index.js';
import { gate, rejection, timed, turn, untyped, useNodes, within } from './helpers.js';

const Worker = defineInterface('test.Worker/1', {
  work: method(v.object({ n: v.number() }), v.number()),
  watch: method(v.object({ target: v.string() }), v.boolean()),
  boom: method(v.object({}), v.number()),
  note: cast(v.object({ text: v.string() })),
  ticks: stream(v.object({}), v.number()),
});
const Idle = defineInterface('test.Idle/1', {});
const Crashy = defineInterface('test.Crashy/1', {
  boom: method(v.object({}), v.number()),
  work: method(v.object({ n: v.number() }), v.number()),
});

const newNode = useNodes();

/** A worker whose `work` waits for `wait` and records how many run at once. */
function blockingWorker(options: { capacity?: number; concurrency?: number } = {}) {
  const node = newNode();
  const wait = gate();
  const stats = { started: 0, active: 0, maxActive: 0, signals: [] as DownSignal[] };
  const ref = node.spawnResource({
    iface: Worker,
    ...options,
    handlers: {
      work: async ({ n }) => {
        stats.started++;
        stats.active++;
        stats.maxActive = Math.max(stats.maxActive, stats.active);
        await wait.promise;
        stats.active--;
        return n * 2;
      },
      watch: ({ target }, ctx) => {
        ctx.monitor(ctx.node.ref(target));
        return true;
      },
      boom: () => {
        throw new Error('kaboom');
      },
      note: () => undefined,
      ticks: () => [],
    },
    onSignal: (signal) => {
      if (signal.type === 'glow.down') stats.signals.push(signal);
    },
  });
  return { node, ref, wait, stats };
}

describe('mailbox', () => {
  test('refuses the call beyond capacity with busy at once', async () => {
    const { ref, wait, stats } = blockingWorker({ capacity: 3 });
    const accepted = [1, 2, 3].map((n) => ref.call('work', { n }, { timeout: 1000 }));
    const refused = await rejection(ref.call('work', { n: 4 }, { timeout: 5000 }), 200);
    expect(refused.code).toBe('busy');
    expect(refused.details).toEqual({ capacity: 3 });
    expect(stats.started).toBe(1);
    wait.open();
    await expect(within(Promise.all(accepted))).resolves.toEqual([2, 4, 6]);
    expect(stats.started).toBe(3);
  });

  test('accepts calls again once the mailbox drains', async () => {
    const { ref, wait } = blockingWorker({ capacity: 1 });
    const first = ref.call('work', { n: 1 }, { timeout: 1000 });
    expect((await rejection(ref.call('work', { n: 2 }))).code).toBe('busy');
    wait.open();
    await within(first);
    await expect(within(ref.call('work', { n: 3 }))).resolves.toBe(6);
  });

  test('handles one message at a time by default', async () => {
    const { ref, wait, stats } = blockingWorker();
    const calls = [1, 2, 3, 4].map((n) => ref.call('work', { n }, { timeout: 1000 }));
    await turn();
    expect(stats.started).toBe(1);
    wait.open();
    await within(Promise.all(calls));
    expect(stats.started).toBe(4);
    expect(stats.maxActive).toBe(1);
  });

  test('runs as many messages at once as concurrency allows, and queues the rest in order', async () => {
    const { ref, wait, stats } = blockingWorker({ concurrency: 3 });
    const calls = [1, 2, 3, 4, 5].map((n) => ref.call('work', { n }, { timeout: 1000 }));
    await turn();
    expect(stats.active).toBe(3);
    expect(stats.started).toBe(3);
    wait.open();
    await expect(within(Promise.all(calls))).resolves.toEqual([2, 4, 6, 8, 10]);
    expect(stats.maxActive).toBe(3);
  });

  test('accepts signals when the mailbox is full', async () => {
    const { node, ref, wait, stats } = blockingWorker({ capacity: 1 });
    const target = node.spawnResource({ iface: Idle, handlers: {} });
    await within(ref.call('watch', { target: target.toString() }));
    const blocked = ref.call('work', { n: 1 }, { timeout: 1000 });
    expect((await rejection(ref.call('work', { n: 2 }))).code).toBe('busy');
    node.exit(target, 'shutdown');
    wait.open();
    await within(blocked);
    await within(ref.call('work', { n: 3 }));
    expect(stats.signals).toHaveLength(1);
    expect(stats.signals[0]).toMatchObject({ type: 'glow.down', id: target.id, reason: 'shutdown' });
  });
});

describe('validation', () => {
  test('answers badarg with the issues and never runs the handler', async () => {
    const { ref, stats } = blockingWorker();
    const error = await rejection(ref.call('work', { n: 'x' } as never));
    expect(error.code).toBe('badarg');
    const issues = (error.details as { issues: WireIssue[] }).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toEqual(['n']);
    expect((await rejection(ref.call('work', {} as never))).code).toBe('badarg');
    expect((await rejection(ref.call('work', null as never))).code).toBe('badarg');
    expect(stats.started).toBe(0);
  });

  test.each(['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers nomethod for %s, which the interface does not declare',
    async (member) => {
      const { node, ref } = blockingWorker();
      const error = await rejection(untyped(node.ref(ref.id)).call(member, {}));
      expect(error.code).toBe('nomethod');
      expect(error.message).toContain('test.Worker/1');
    },
  );

  test('answers nomethod when call() names a cast or a stream', async () => {
    const { ref } = blockingWorker();
    const any = untyped(ref);
    expect((await rejection(any.call('note', { text: 'hi' }))).code).toBe('nomethod');
    expect((await rejection(any.call('ticks', {}))).code).toBe('nomethod');
  });

  test('counts and reports casts it cannot deliver', async () => {
    const { node, ref } = blockingWorker();
    const failures: string[] = [];
    const stop = node.onCastFailed((target, error) => failures.push(`${target.local === ref.id.local}:${error.code}`));
    const any = untyped(ref);
    any.cast('work', { n: 1 });
    any.cast('note', { text: 5 });
    any.cast('note', { text: 'ok' });
    stop();
    any.cast('nope', {});
    expect(failures).toEqual(['true:nomethod', 'true:badarg']);
    expect(node.stats.castsFailed).toBe(3);
  });
});

describe('crash', () => {
  test('fails the in-flight call with crashed the moment the resource crashes', async () => {
    const { ref } = blockingWorker();
    const { ms, error } = await timed(ref.call('boom', {}, { timeout: 5000 }));
    expect(error?.code).toBe('crashed');
    expect(error?.message).toContain('kaboom');
    expect(ms).toBeLessThan(200);
  });

  test('fails queued calls with noproc and every later call with noproc', async () => {
    const node = newNode();
    const wait = gate();
    let worked = 0;
    const ref = node.spawnResource({
      iface: Crashy,
      handlers: {
        boom: async () => {
          await wait.promise;
          throw new Error('kaboom');
        },
        work: ({ n }) => {
          worked++;
          return n;
        },
      },
    });
    const crashing = rejection(ref.call('boom', {}, { timeout: 5000 }), 200);
    const queued = [1, 2].map((n) => rejection(ref.call('work', { n }, { timeout: 5000 }), 200));
    wait.open();
    expect((await crashing).code).toBe('crashed');
    expect((await Promise.all(queued)).map((error) => error.code)).toEqual(['noproc', 'noproc']);
    expect((await rejection(ref.call('work', { n: 3 }))).code).toBe('noproc');
    expect(worked).toBe(0);
  });

  test('gives monitors a DOWN with the crash error', async () => {
    const { node, ref } = blockingWorker();
    const down = node.down(ref);
    await rejection(ref.call('boom', {}));
    await expect(within(down)).resolves.toEqual({
      type: 'glow.down',
      monitor: expect.any(Number),
      id: ref.id,
      reason: { error: { code: 'crashed', message: 'kaboom' } },
    });
    expect(node.isAlive(ref)).toBe(false);
    expect(node.resources().map((resource) => resource.id)).not.toContain(ref.toString());
  });

  test('fails the in-flight call with noproc and the reason when the resource is ended from outside', async () => {
    const { node, ref } = blockingWorker();
    const blocked = rejection(ref.call('work', { n: 1 }, { timeout: 5000 }), 200);
    node.exit(ref, 'shutdown');
    const error = await blocked;
    expect(error.code).toBe('noproc');
    expect(error.details).toEqual({ reason: 'shutdown' });
  });

  test('answers describe without entering the mailbox, and noproc once ended', async () => {
    const { node, ref, wait } = blockingWorker({ capacity: 1 });
    const blocked = ref.call('work', { n: 1 }, { timeout: 1000 });
    await expect(within(ref.describe())).resolves.toMatchObject({ interface: 'test.Worker/1' });
    wait.open();
    await within(blocked);
    node.exit(ref, 'shutdown');
    expect((await rejection(ref.describe())).code).toBe('noproc');
  });
});

describe('result validation (opt-in)', () => {
  const Strict = defineInterface('test.Strict/1', {
    half: method(v.object({ n: v.number() }), v.pipe(v.number(), v.integer()), { validateResult: true }),
    loose: method(v.object({ n: v.number() }), v.pipe(v.number(), v.integer())),
  });
  const newStrictNode = useNodes();

  test('passes results that match and crashes the resource on one that does not', async () => {
    const node = newStrictNode();
    const ref = node.spawnResource({ iface: Strict, handlers: { half: ({ n }) => n / 2, loose: ({ n }) => n / 2 } });
    await expect(within(ref.call('half', { n: 4 }))).resolves.toBe(2);
    await expect(within(ref.call('loose', { n: 3 }))).resolves.toBe(1.5);
    const down = node.down(ref);
    const error = await rejection(ref.call('half', { n: 3 }));
    expect(error.code).toBe('crashed');
    expect(error.message).toContain('does not match its schema');
    expect((error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
    expect((await within(down)).reason).toMatchObject({ error: { code: 'crashed' } });
  });
});
