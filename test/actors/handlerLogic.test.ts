/**
 * Handler resources (src/actors/handlerLogic.ts): what a handler's return, throw or rejection
 * means for the caller and for the resource.
 */
import * as v from 'valibot';
import { defineInterface, GlowError, method } from '../../src/index.js';
import { gate, rejection, timed, useNodes, within } from './helpers.js';

const Files = defineInterface('test.Files/1', {
  read: method(v.object({ path: v.string(), mode: v.optional(v.picklist(['r', 'w']), 'r') }), v.string()),
  readLater: method(v.object({ path: v.string() }), v.string()),
  stop: method(v.object({}), v.string()),
  stopLater: method(v.object({}), v.string()),
  stopAndHang: method(v.object({}), v.string()),
});

const newNode = useNodes();

type Behaviour = Partial<Record<keyof (typeof Files)['members'], (args: any, ctx: any) => unknown>>;

function files(behaviour: Behaviour) {
  const node = newNode();
  const missing = () => {
    throw new Error('not used by this test');
  };
  const ref = node.spawnResource({
    iface: Files,
    handlers: {
      read: (behaviour.read ?? (({ path, mode }: { path: string; mode: string }) => `${mode}:${path}`)) as never,
      readLater: (behaviour.readLater ?? missing) as never,
      stop: (behaviour.stop ?? missing) as never,
      stopLater: (behaviour.stopLater ?? missing) as never,
      stopAndHang: (behaviour.stopAndHang ?? missing) as never,
    },
  });
  return { node, ref };
}

test('answers with what the handler returns, given the parsed arguments', async () => {
  const { ref } = files({});
  await expect(within(ref.call('read', { path: '/etc/hosts' }))).resolves.toBe('r:/etc/hosts');
  await expect(within(ref.call('read', { path: '/tmp/x', mode: 'w' }))).resolves.toBe('w:/tmp/x');
});

test('answers with what an async handler resolves', async () => {
  const { ref } = files({ readLater: async ({ path }) => `later:${path}` });
  await expect(within(ref.call('readLater', { path: 'a' }))).resolves.toBe('later:a');
});

test('replies a thrown GlowError and keeps serving', async () => {
  const { ref } = files({
    read: ({ path }) => {
      if (path === 'missing') throw new GlowError('failed', 'no such file', { path });
      return 'found';
    },
  });
  const error = await rejection(ref.call('read', { path: 'missing' }));
  expect(error.code).toBe('failed');
  expect(error.message).toBe('no such file');
  expect(error.details).toEqual({ path: 'missing' });
  await expect(within(ref.call('read', { path: 'there' }))).resolves.toBe('found');
});

test('replies a GlowError an async handler rejects with, and keeps serving', async () => {
  let calls = 0;
  const { ref } = files({
    readLater: async () => {
      if (++calls === 1) throw new GlowError('denied', 'not yours');
      return 'ok';
    },
  });
  expect((await rejection(ref.call('readLater', { path: 'a' }))).code).toBe('denied');
  await expect(within(ref.call('readLater', { path: 'a' }))).resolves.toBe('ok');
});

test('crashes when an async handler rejects with a plain Error', async () => {
  const { node, ref } = files({
    readLater: async () => {
      await Promise.resolve();
      throw new Error('disk on fire');
    },
  });
  const down = node.down(ref);
  const { ms, error } = await timed(ref.call('readLater', { path: 'a' }, { timeout: 5000 }));
  expect(error?.code).toBe('crashed');
  expect(ms).toBeLessThan(200);
  expect((await within(down)).reason).toEqual({ error: { code: 'crashed', message: 'disk on fire' } });
  expect((await rejection(ref.call('read', { path: 'a' }))).code).toBe('noproc');
});

test('crashes when a handler throws something that is not an Error', async () => {
  const { node, ref } = files({
    read: () => {
      throw 'just a string';
    },
  });
  const down = node.down(ref);
  expect((await rejection(ref.call('read', { path: 'a' }))).code).toBe('crashed');
  expect((await within(down)).reason).toEqual({ error: { code: 'crashed', message: 'just a string' } });
});

test('fails a call with timeout when the handler never answers', async () => {
  const never = gate();
  const { ref } = files({ readLater: () => never.promise });
  const { ms, error } = await timed(ref.call('readLater', { path: 'a' }, { timeout: 50 }));
  expect(error?.code).toBe('timeout');
  expect(error?.details).toEqual({ timeout: 50 });
  // Not at once; libuv starts a timer from the loop's cached clock, which a busy machine leaves
  // several ms behind, so the timer may fire that much early by a fresh clock.
  expect(ms).toBeGreaterThanOrEqual(25);
  expect(ms).toBeLessThan(1000);
});

describe('ctx.exit', () => {
  test('delivers the reply of the handler that called it, then ends the resource normally', async () => {
    const { node, ref } = files({
      stop: (_args, ctx) => {
        ctx.exit();
        return 'bye';
      },
    });
    const down = node.down(ref);
    await expect(within(ref.call('stop', {}))).resolves.toBe('bye');
    expect((await within(down)).reason).toBe('normal');
    expect((await rejection(ref.call('read', { path: 'a' }))).code).toBe('noproc');
  });

  test('delivers the reply of an async handler that called it, then ends the resource normally', async () => {
    const { node, ref } = files({
      stopLater: async (_args, ctx) => {
        await Promise.resolve();
        ctx.exit();
        return 'bye';
      },
    });
    const down = node.down(ref);
    await expect(within(ref.call('stopLater', {}))).resolves.toBe('bye');
    expect((await within(down)).reason).toBe('normal');
  });

  test('ends the resource with the given reason', async () => {
    const { node, ref } = files({
      stop: (_args, ctx) => {
        ctx.exit('shutdown');
        return 'bye';
      },
    });
    const down = node.down(ref);
    await expect(within(ref.call('stop', {}))).resolves.toBe('bye');
    expect((await within(down)).reason).toBe('shutdown');
  });

  test('ends the resource promptly even when the handler never returns after calling it', async () => {
    const never = gate();
    const { node, ref } = files({
      stopAndHang: async (_args, ctx) => {
        ctx.exit();
        await never.promise;
        return 'unreachable';
      },
    });
    const down = node.down(ref);
    const { ms, error } = await timed(ref.call('stopAndHang', {}, { timeout: 5000 }));
    expect(error?.code).toBe('noproc');
    expect(ms).toBeLessThan(200);
    expect((await within(down)).reason).toBe('normal');
  });

  test('fails messages still queued behind the handler that called it with noproc', async () => {
    let reads = 0;
    const { ref } = files({
      stopLater: async (_args, ctx) => {
        await Promise.resolve();
        ctx.exit();
        return 'bye';
      },
      read: () => `read ${++reads}`,
    });
    const stopping = ref.call('stopLater', {});
    const queued = rejection(ref.call('read', { path: 'a' }));
    await expect(within(stopping)).resolves.toBe('bye');
    expect((await queued).code).toBe('noproc');
    expect(reads).toBe(0);
  });
});
