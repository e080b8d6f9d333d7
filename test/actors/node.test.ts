/** The local actor system's lifecycle (src/actors/node.ts): spawning, ownership and shutdown. */
import * as v from 'valibot';
import { defineInterface, method, Node, type DownSignal, type ProcessKind } from '../../src/index.js';
import { rejection, timed, within } from './helpers.js';

const Echo = defineInterface('test.NodeEcho/1', { echo: method(v.object({ text: v.string() }), v.string()) });
const echoSpec = { iface: Echo, handlers: { echo: ({ text }: { text: string }) => text } };

/** This file manages its nodes itself, because shutdown is what it tests. */
const nodes: Node[] = [];
function newNode(): Node {
  const node = new Node();
  nodes.push(node);
  return node;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.shutdown({ timeout: 1000 })));
});

const worker: ProcessKind<{ name: string }> = {
  name: 'worker',
  args: v.object({ name: v.string() }),
  start(ctx) {
    ctx.spawn(echoSpec);
  },
};

test('a node id is random unless given', () => {
  expect(newNode().id).not.toBe(newNode().id);
  expect(newNode().id).toMatch(/^[A-Za-z0-9_-]{21}$/);
});

test('shutdown ends processes newest first, then the other resources, then the node resource', async () => {
  const node = newNode();
  node.registerKind(worker);
  const loose = node.spawnResource(echoSpec);
  const first = await within(node.spawn('worker', { name: 'first' }));
  const second = await within(node.spawn('worker', { name: 'second' }));
  const order: string[] = [];
  const label = new Map([
    [first.toString(), 'first'],
    [second.toString(), 'second'],
    [loose.toString(), 'loose'],
    [node.self.toString(), 'node'],
  ]);
  for (const ref of [first, second, loose, node.self]) {
    node.monitor(ref, (down: DownSignal) => order.push(`${label.get(ref.toString())}:${down.reason as string}`));
  }
  await within(node.shutdown());
  expect(order).toEqual(['second:shutdown', 'first:shutdown', 'loose:shutdown', 'node:shutdown']);
  expect(node.resources()).toEqual([]);
});

test('after shutdown, calls fail with noproc and spawning throws noproc', async () => {
  const node = newNode();
  const ref = node.spawnResource(echoSpec);
  await within(node.shutdown());
  expect((await rejection(ref.call('echo', { text: 'x' }))).code).toBe('noproc');
  expect(() => node.spawnResource(echoSpec)).toThrow(expect.objectContaining({ code: 'noproc' }));
  await expect(within(node.shutdown())).resolves.toBeUndefined();
});

test('shutdown kills a process that does not end within the timeout', async () => {
  const node = newNode();
  node.registerKind({ name: 'stubborn', start: (ctx) => ctx.trapExit(true) });
  const proc = await within(node.spawn('stubborn'));
  const down = node.down(proc);
  const { ms } = await timed(node.shutdown({ timeout: 30 }));
  expect((await within(down)).reason).toBe('killed');
  expect(ms).toBeGreaterThanOrEqual(25);
  expect(ms).toBeLessThan(1000);
});

test('refuses an owner that is not running on this node with noproc', () => {
  const node = newNode();
  expect(() => node.spawnResource(echoSpec, { owner: { node: node.id, local: 'ghost' } })).toThrow(expect.objectContaining({ code: 'noproc' }));
  expect(() => node.spawnResource(echoSpec, { owner: { node: 'elsewhere', local: 'node' } })).toThrow(expect.objectContaining({ code: 'noproc' }));
});

test('an owned resource spawned with link: false does not take its owner down when it crashes', async () => {
  const node = newNode();
  const Boom = defineInterface('test.Boom/1', { boom: method(v.object({}), v.string()) });
  const owner = node.spawnResource(echoSpec);
  const child = node.spawnResource(
    {
      iface: Boom,
      handlers: {
        boom: (): string => {
          throw new Error('child');
        },
      },
    },
    { owner: owner.id, link: false },
  );
  await rejection(child.call('boom', {}));
  await expect(within(owner.call('echo', { text: 'still here' }))).resolves.toBe('still here');
  const childDown = node.down(child);
  expect((await within(childDown)).reason).toBe('noproc');
});
