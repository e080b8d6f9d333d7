/**
 * What a resource's code can do through its context (src/actors/context.ts): address itself,
 * own resources, watch others.
 */
import * as v from 'valibot';
import { defineInterface, method, type ResourceContext, type Signal } from '../../src/index.js';
import { rejection, useNodes, within } from './helpers.js';

const Owner = defineInterface('test.Owner/1', {
  self: method(v.object({}), v.string()),
  spawnChild: method(v.object({}), v.string()),
  watch: method(v.object({ target: v.string() }), v.number()),
  unwatch: method(v.object({ monitor: v.number() }), v.boolean()),
});
const Child = defineInterface('test.Child/1', {
  ping: method(v.object({}), v.string()),
  boom: method(v.object({}), v.string()),
});

const newNode = useNodes();

function childSpec() {
  return {
    iface: Child,
    handlers: {
      ping: () => 'pong',
      boom: (): string => {
        throw new Error('child failed');
      },
    },
  };
}

function owner() {
  const node = newNode();
  const signals: Signal[] = [];
  let onSignal: ((signal: Signal) => void) | undefined;
  const ref = node.spawnResource({
    iface: Owner,
    handlers: {
      self: (_args, ctx) => ctx.self.toString(),
      spawnChild: (_args, ctx: ResourceContext) => ctx.spawn(childSpec()).toString(),
      watch: ({ target }, ctx) => ctx.monitor(ctx.node.ref(target)),
      unwatch: ({ monitor }, ctx) => {
        ctx.demonitor(monitor);
        return true;
      },
    },
    onSignal: (signal) => {
      signals.push(signal);
      onSignal?.(signal);
    },
  });
  const nextSignal = () => new Promise<Signal>((resolve) => (onSignal = resolve));
  return { node, ref, signals, nextSignal };
}

test('ctx.self addresses the resource itself', async () => {
  const { ref } = owner();
  await expect(within(ref.call('self', {}))).resolves.toBe(ref.toString());
});

test('ctx.spawn starts a resource owned by the caller', async () => {
  const { node, ref } = owner();
  const child = node.ref(await within(ref.call('spawnChild', {})), Child);
  await expect(within(child.call('ping', {}))).resolves.toBe('pong');
  expect(node.resources()).toContainEqual({ id: child.toString(), interface: 'test.Child/1', owner: ref.toString() });
});

test('an owned resource ends with shutdown when its owner ends', async () => {
  const { node, ref } = owner();
  const child = node.ref(await within(ref.call('spawnChild', {})), Child);
  const down = node.down(child);
  node.exit(ref, 'shutdown');
  expect((await within(down)).reason).toBe('shutdown');
  expect((await rejection(child.call('ping', {}))).code).toBe('noproc');
});

test('an owned resource that crashes takes its owner down with the same reason (they are linked)', async () => {
  const { node, ref } = owner();
  const child = node.ref(await within(ref.call('spawnChild', {})), Child);
  const down = node.down(ref);
  expect((await rejection(child.call('boom', {}))).code).toBe('crashed');
  expect((await within(down)).reason).toEqual({ error: { code: 'crashed', message: 'child failed' } });
});

test('ctx.monitor delivers a DOWN to onSignal when the target ends', async () => {
  const { node, ref, nextSignal } = owner();
  const target = node.spawnResource(childSpec());
  const monitor = await within(ref.call('watch', { target: target.toString() }));
  const signal = nextSignal();
  node.exit(target, 'shutdown');
  await expect(within(signal)).resolves.toEqual({ type: 'glow.down', monitor, id: target.id, reason: 'shutdown' });
});

test('ctx.demonitor stops a monitor: no DOWN arrives for it', async () => {
  const { node, ref, signals, nextSignal } = owner();
  const quiet = node.spawnResource(childSpec());
  const loud = node.spawnResource(childSpec());
  const quietMonitor = await within(ref.call('watch', { target: quiet.toString() }));
  const loudMonitor = await within(ref.call('watch', { target: loud.toString() }));
  await within(ref.call('unwatch', { monitor: quietMonitor }));
  const signal = nextSignal();
  node.exit(quiet, 'shutdown');
  node.exit(loud, 'shutdown');
  await within(signal);
  // Signals are handled in arrival order, so the quiet DOWN would have come first.
  expect(signals).toEqual([{ type: 'glow.down', monitor: loudMonitor, id: loud.id, reason: 'shutdown' }]);
});

test('ctx.monitor on a resource that is already gone delivers DOWN noproc', async () => {
  const { node, ref, nextSignal } = owner();
  const signal = nextSignal();
  const monitor = await within(ref.call('watch', { target: `glow://${node.id}/nobody` }));
  await expect(within(signal)).resolves.toEqual({ type: 'glow.down', monitor, id: { node: node.id, local: 'nobody' }, reason: 'noproc' });
});
