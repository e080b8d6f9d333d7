/**
 * Processes (src/actors/process.ts): kinds, spawn, the `glow.Process/1` members, ownership,
 * failed starts, and kinds loaded from a module.
 */
import * as v from 'valibot';
import {
  defineInterface,
  method,
  ProcessInterface,
  processInterface,
  type Node,
  type ProcessKind,
  type ResourceRef,
} from '../../src/index.js';
import { EchoInterface, EchoProcessInterface } from './fixtures/echoKind.js';
import { gate, rejection, useNodes, within } from './helpers.js';

const Store = defineInterface('test.Store/1', {
  get: method(v.object({ key: v.string() }), v.nullable(v.string())),
});

const newNode = useNodes();

/** A process that owns `stores` Store resources; `counts.started` counts its starts. */
function storeKind(counts = { started: 0 }): ProcessKind<{ stores: number }> {
  return {
    name: 'stores',
    description: 'owns a few stores',
    args: v.object({ stores: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
    start(ctx, { stores }) {
      counts.started++;
      for (let i = 0; i < stores; i++) ctx.spawn({ iface: Store, handlers: { get: ({ key }) => `${i}:${key}` } });
    },
  };
}

/** A process that starts a `stores` process it owns. */
const parentKind: ProcessKind = {
  name: 'parent',
  async start(ctx) {
    await ctx.node.spawn('stores', { stores: 1 }, { owner: ctx.self.id });
  },
};

function withKinds(...kinds: ProcessKind[]): Node {
  const node = newNode();
  for (const kind of kinds) node.registerKind(kind);
  return node;
}

function typed(ref: ResourceRef): ResourceRef<typeof ProcessInterface> {
  return ref.node.ref(ref.id, ProcessInterface);
}

describe('spawn', () => {
  test('starts a process of a registered kind, which answers glow.Process/1', async () => {
    const node = withKinds(storeKind());
    const proc = typed(await within(node.spawn('stores', { stores: 0 })));
    await expect(within(proc.call('info', {}))).resolves.toEqual({
      id: proc.toString(),
      kind: 'stores',
      interface: 'glow.Process/1',
      resources: [],
      children: [],
    });
    await expect(within(proc.describe())).resolves.toMatchObject({ interface: 'glow.Process/1' });
  });

  test('validates the arguments against the kind before starting it (badarg)', async () => {
    const counts = { started: 0 };
    const node = withKinds(storeKind(counts));
    for (const args of [{ stores: -1 }, { stores: 'two' }, undefined]) {
      const error = await rejection(node.spawn('stores', args));
      expect(error.code).toBe('badarg');
      expect(error.details).toHaveProperty('issues');
    }
    expect(counts.started).toBe(0);
    expect(node.processTree()).toEqual([]);
  });

  test('refuses a kind that is not registered with badarg', async () => {
    const node = newNode();
    expect((await rejection(node.spawn('nothing'))).code).toBe('badarg');
  });

  test('refuses to register a second kind of the same name with denied', () => {
    const node = withKinds(storeKind());
    expect(() => node.registerKind(storeKind())).toThrow(expect.objectContaining({ code: 'denied' }));
  });

  test('rejects with crashed and leaves nothing behind when the start function throws', async () => {
    const node = withKinds({
      name: 'broken',
      start(ctx) {
        ctx.spawn({ iface: Store, handlers: { get: () => null } });
        throw new Error('no config');
      },
    });
    const before = node.resources();
    const error = await rejection(node.spawn('broken'));
    expect(error.code).toBe('crashed');
    expect(error.message).toContain('no config');
    expect(node.processTree()).toEqual([]);
    expect(node.resources()).toEqual(before);
  });

  test('rejects with crashed when an async start function rejects', async () => {
    const node = withKinds({
      name: 'brokenLater',
      async start() {
        await Promise.resolve();
        throw new Error('later');
      },
    });
    expect((await rejection(node.spawn('brokenLater'))).code).toBe('crashed');
    expect(node.processTree()).toEqual([]);
  });

  test('holds calls that arrive while start runs until it has finished', async () => {
    const starting = gate();
    const node = withKinds({
      name: 'slow',
      async start(ctx) {
        ctx.register('slow');
        await starting.promise;
      },
    });
    const spawned = node.spawn('slow');
    const proc = node.ref(node.whereis('slow')!, ProcessInterface);
    let answered = false;
    const info = proc.call('info', {}).then((value) => ((answered = true), value));
    await Promise.resolve();
    expect(answered).toBe(false);
    starting.open();
    await within(spawned);
    await expect(within(info)).resolves.toMatchObject({ kind: 'slow' });
  });
});

describe('glow.Process/1', () => {
  test('resources lists what the process owns', async () => {
    const node = withKinds(storeKind());
    const proc = typed(await within(node.spawn('stores', { stores: 2 })));
    const resources = await within(proc.call('resources', {}));
    expect(resources).toHaveLength(2);
    for (const resource of resources) expect(resource).toMatchObject({ interface: 'test.Store/1', owner: proc.toString() });
    const store = node.ref(resources[1]!.id, Store);
    await expect(within(store.call('get', { key: 'k' }))).resolves.toBe('1:k');
  });

  test('info answers the tree: owned processes are children, other resources are resources', async () => {
    const node = withKinds(storeKind(), parentKind);
    const parent = typed(await within(node.spawn('parent')));
    const info = await within(parent.call('info', {}));
    expect(info).toMatchObject({ id: parent.toString(), kind: 'parent', resources: [] });
    expect(info.children).toHaveLength(1);
    expect(info.children[0]).toMatchObject({ kind: 'stores', owner: parent.toString(), children: [] });
    expect(info.children[0]!.resources).toHaveLength(1);
    expect(node.processTree()).toEqual([info]);
  });

  test('terminate ends the process and everything it owns, after answering', async () => {
    const node = withKinds(storeKind(), parentKind);
    const parent = typed(await within(node.spawn('parent')));
    const info = await within(parent.call('info', {}));
    const owned = [info.children[0]!.id, info.children[0]!.resources[0]!.id];
    const downs = [parent.id, ...owned.map((id) => node.ref(id).id)].map((id) => node.down(id));
    await expect(within(parent.call('terminate', {}))).resolves.toEqual({ terminated: true });
    const reasons = (await within(Promise.all(downs))).map((down) => down.reason);
    expect(reasons).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(node.processTree()).toEqual([]);
    expect(node.resources().map((resource) => resource.interface)).toEqual(['glow.Node/1', 'glow.Directory/1']);
  });

  test('terminate ends the process with reason normal when asked', async () => {
    const node = withKinds(storeKind());
    const proc = typed(await within(node.spawn('stores', { stores: 1 })));
    const down = node.down(proc);
    await within(proc.call('terminate', { reason: 'normal' }));
    expect((await within(down)).reason).toBe('normal');
  });

  test('an owned resource that crashes ends its process (they are linked)', async () => {
    const node = withKinds({
      name: 'fragile',
      start(ctx) {
        ctx.register('fragile/store', ctx.spawn({ iface: Store, handlers: { get: () => { throw new Error('corrupt'); } } }));
      },
    });
    const proc = await within(node.spawn('fragile'));
    const down = node.down(proc);
    const store = node.ref(node.whereis('fragile/store')!, Store);
    expect((await rejection(store.call('get', { key: 'x' }))).code).toBe('crashed');
    expect((await within(down)).reason).toEqual({ error: { code: 'crashed', message: 'corrupt' } });
  });

  test('answers the members its kind adds, from the handlers start returns', async () => {
    const Greeter = processInterface('test.Greeter/1', { greet: method(v.object({ name: v.string() }), v.string()) });
    const node = withKinds({
      name: 'greeter',
      interface: Greeter,
      start: () => ({ handlers: { greet: ({ name }: { name: string }) => `hello ${name}` } }),
    });
    const proc = node.ref((await within(node.spawn('greeter'))).id, Greeter);
    await expect(within(proc.call('greet', { name: 'ada' }))).resolves.toBe('hello ada');
    await expect(within(proc.call('info', {}))).resolves.toMatchObject({ interface: 'test.Greeter/1', kind: 'greeter' });
  });

  test('answers nomethod for a declared member that start gave no handler for', async () => {
    const Partial = processInterface('test.Partial/1', { extra: method(v.object({}), v.string()) });
    const node = withKinds({ name: 'partial', interface: Partial, start: () => undefined });
    const proc = node.ref((await within(node.spawn('partial'))).id, Partial);
    expect((await rejection(proc.call('extra', {}))).code).toBe('nomethod');
    await expect(within(proc.call('resources', {}))).resolves.toEqual([]);
  });
});

describe('terminate hook', () => {
  test('runs once the process has ended, and the node’s shutdown waits until it has settled', async () => {
    const saving = gate();
    const events: string[] = [];
    const node = withKinds({
      name: 'saver',
      start: () => ({
        terminate: async () => {
          events.push('terminate began');
          await saving.promise;
          events.push('state saved');
        },
      }),
    });
    const proc = await within(node.spawn('saver'));
    const down = node.down(proc);
    const shutdown = node.shutdown({ timeout: 5000 }).then(() => events.push('node down'));
    await within(down);
    expect(events).toEqual(['terminate began']);
    saving.open();
    await within(shutdown);
    expect(events).toEqual(['terminate began', 'state saved', 'node down']);
  });

  test('a terminate that never settles holds the shutdown for its timeout only', async () => {
    const node = withKinds({ name: 'stuck', start: () => ({ terminate: () => new Promise<void>(() => undefined) }) });
    await within(node.spawn('stuck'));
    const began = Date.now();
    await within(node.shutdown({ timeout: 300 }));
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
  });
});

describe('loadKinds', () => {
  const fixture = new URL('./fixtures/echoKind.ts', import.meta.url).href;

  test('registers the kinds a module exports, by their names', async () => {
    const node = newNode();
    await expect(within(node.loadKinds(fixture))).resolves.toEqual(['echo', 'silent']);
    expect(node.listKinds().map((kind) => kind.name)).toEqual(['echo', 'silent']);
    const proc = node.ref((await within(node.spawn('echo', { prefix: '> ' }))).id, EchoProcessInterface);
    await expect(within(proc.call('prefix', {}))).resolves.toBe('> ');
    const echo = node.ref(node.whereis('echo')!, EchoInterface);
    await expect(within(echo.call('echo', { text: 'hi' }))).resolves.toBe('> hi');
  });

  test('validates spawn arguments of a loaded kind', async () => {
    const node = newNode();
    await within(node.loadKinds(fixture));
    expect((await rejection(node.spawn('echo', { prefix: 1 }))).code).toBe('badarg');
  });

  test('refuses a module that exports no kinds with badarg, registering nothing', async () => {
    const node = newNode();
    const error = await rejection(node.loadKinds(new URL('./helpers.ts', import.meta.url).href));
    expect(error.code).toBe('badarg');
    expect(node.listKinds()).toEqual([]);
  });
});
