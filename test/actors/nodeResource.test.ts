/** The node itself as a resource, `glow.Node/1` (src/actors/nodeResource.ts). */
import * as v from 'valibot';
import { NodeInterface, ProcessInterface, type ProcessKind } from '../../src/index.js';
import { rejection, useNodes, within } from './helpers.js';

const newNode = useNodes();

const sleeper: ProcessKind<{ name: string }> = {
  name: 'sleeper',
  description: 'does nothing, by name',
  args: v.object({ name: v.string() }),
  start(ctx, { name }) {
    ctx.register(`sleeper/${name}`);
  },
};

function node() {
  const created = newNode({ id: 'home' });
  created.registerKind(sleeper);
  return created;
}

test('node.self is the printable id glow://<node>/node with interface glow.Node/1', async () => {
  const home = node();
  expect(home.self.toString()).toBe('glow://home/node');
  await expect(within(home.self.describe())).resolves.toMatchObject({
    interface: 'glow.Node/1',
    members: { info: { kind: 'method' }, kinds: { kind: 'method' }, spawn: { kind: 'method' } },
  });
  expect(home.self.iface).toBe(NodeInterface);
});

test('info answers the node id, its resource count and its process trees', async () => {
  const home = node();
  await expect(within(home.self.call('info', {}))).resolves.toEqual({ id: 'home', resources: 2, processes: [], reports: [] });
  await within(home.spawn('sleeper', { name: 'a' }));
  const info = await within(home.self.call('info', {}));
  expect(info.resources).toBe(3);
  expect(info.processes).toEqual([expect.objectContaining({ kind: 'sleeper', interface: 'glow.Process/1' })]);
});

test('kinds lists the registered kinds with their interface and a JSON Schema of their args', async () => {
  const home = node();
  home.registerKind({ name: 'bare', start() {} });
  const kinds = await within(home.self.call('kinds', {}));
  expect(kinds).toEqual([
    {
      name: 'sleeper',
      description: 'does nothing, by name',
      interface: 'glow.Process/1',
      args: expect.objectContaining({ type: 'object', required: ['name'] }),
    },
    { name: 'bare', interface: 'glow.Process/1' },
  ]);
});

test('spawn starts a process by kind name and answers its printable id, which node.ref calls', async () => {
  const home = node();
  const { id } = await within(home.self.call('spawn', { kind: 'sleeper', args: { name: 'b' } }));
  expect(id).toMatch(/^glow:\/\/home\/[A-Za-z0-9_-]+$/);
  const proc = home.ref(id, ProcessInterface);
  expect(proc.toString()).toBe(id);
  await expect(within(proc.call('info', {}))).resolves.toMatchObject({ id, kind: 'sleeper' });
  expect(home.whereis('sleeper/b')).toEqual(proc.id);
});

test('spawn answers badarg for an unknown kind or arguments the kind refuses', async () => {
  const home = node();
  expect((await rejection(home.self.call('spawn', { kind: 'nothing' }))).code).toBe('badarg');
  expect((await rejection(home.self.call('spawn', { kind: 'sleeper', args: { name: 3 } }))).code).toBe('badarg');
  expect((await rejection(home.self.call('spawn', { kind: 7 } as never))).code).toBe('badarg');
  expect(home.processTree()).toEqual([]);
});

test('spawn answers crashed when the kind fails to start, and the node resource goes on', async () => {
  const home = node();
  home.registerKind({
    name: 'broken',
    start() {
      throw new Error('nope');
    },
  });
  expect((await rejection(home.self.call('spawn', { kind: 'broken' }))).code).toBe('crashed');
  await expect(within(home.self.call('processes', {}))).resolves.toEqual([]);
});

test('processes lists the top-level process trees', async () => {
  const home = node();
  const first = await within(home.spawn('sleeper', { name: 'one' }));
  const second = await within(home.spawn('sleeper', { name: 'two' }));
  const processes = await within(home.self.call('processes', {}));
  expect(processes.map((process) => process.id)).toEqual([first.toString(), second.toString()]);
});

test('resources lists every resource, the node and directory resources included', async () => {
  const home = node();
  const proc = await within(home.spawn('sleeper', { name: 'c' }));
  const resources = await within(home.self.call('resources', {}));
  expect(resources).toEqual([
    { id: 'glow://home/node', interface: 'glow.Node/1' },
    { id: 'glow://home/directory', interface: 'glow.Directory/1' },
    { id: proc.toString(), interface: 'glow.Process/1' },
  ]);
});
