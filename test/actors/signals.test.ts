/**
 * Monitors, links and trapped exits (src/actors/signals.ts), through `node.monitor`,
 * `node.down`, `node.exit` and a resource's context.
 */
import * as v from 'valibot';
import { defineInterface, method, type DownSignal, type ExitSignal, type Node, type ResourceRef } from '../../src/index.js';
import { rejection, turn, useNodes, within } from './helpers.js';

const Peer = defineInterface('test.Peer/1', {
  ping: method(v.object({}), v.string()),
  link: method(v.object({ target: v.string() }), v.boolean()),
  unlink: method(v.object({ target: v.string() }), v.boolean()),
  trap: method(v.object({ on: v.boolean() }), v.boolean()),
  boom: method(v.object({}), v.string()),
  stop: method(v.object({}), v.string()),
});

const newNode = useNodes();

/** A peer that records the EXIT signals it receives as messages. */
function peer(node: Node, options: { trapExit?: boolean } = {}) {
  const exits: ExitSignal[] = [];
  let onExit: ((signal: ExitSignal) => void) | undefined;
  const ref = node.spawnResource({
    iface: Peer,
    ...options,
    handlers: {
      ping: () => 'pong',
      link: ({ target }, ctx) => {
        ctx.link(ctx.node.ref(target));
        return true;
      },
      unlink: ({ target }, ctx) => {
        ctx.unlink(ctx.node.ref(target));
        return true;
      },
      trap: ({ on }, ctx) => {
        ctx.trapExit(on);
        return on;
      },
      boom: () => {
        throw new Error('peer failed');
      },
      stop: (_args, ctx) => {
        ctx.exit('normal');
        return 'stopping';
      },
    },
    onSignal: (signal) => {
      if (signal.type !== 'glow.exit') return;
      exits.push(signal);
      onExit?.(signal);
    },
  });
  const nextExit = () => new Promise<ExitSignal>((resolve) => (onExit = resolve));
  return { ref, exits, nextExit };
}

async function link(a: ResourceRef<typeof Peer>, b: ResourceRef<typeof Peer>): Promise<void> {
  await within(a.call('link', { target: b.toString() }));
}

const crashReason = { error: { code: 'crashed', message: 'peer failed' } };

describe('monitors', () => {
  test('node.monitor gives one DOWN with the reason when the resource ends', async () => {
    const node = newNode();
    const { ref } = peer(node);
    const downs: DownSignal[] = [];
    node.monitor(ref, (down) => downs.push(down));
    const down = node.down(ref);
    node.exit(ref, 'shutdown');
    await within(down);
    expect(downs).toEqual([{ type: 'glow.down', monitor: expect.any(Number), id: ref.id, reason: 'shutdown' }]);
  });

  test('a monitor on a resource that is already gone fires DOWN noproc at once, but not synchronously', async () => {
    const node = newNode();
    const { ref } = peer(node);
    node.exit(ref, 'kill');
    for (const target of [ref.id, { node: node.id, local: 'never-existed' }]) {
      let fired: DownSignal | undefined;
      node.monitor(target, (down) => (fired = down));
      expect(fired).toBeUndefined();
      await Promise.resolve();
      expect(fired).toMatchObject({ type: 'glow.down', id: target, reason: 'noproc' });
    }
  });

  test('a stopped monitor does not fire', async () => {
    const node = newNode();
    const { ref } = peer(node);
    const stopped: DownSignal[] = [];
    const stop = node.monitor(ref, (down) => stopped.push(down));
    const down = node.down(ref);
    stop();
    node.exit(ref, 'shutdown');
    await within(down);
    expect(stopped).toEqual([]);
  });

  test('each monitor is its own: every watcher gets a DOWN with a distinct monitor id', async () => {
    const node = newNode();
    const { ref } = peer(node);
    const first = node.down(ref);
    const second = node.down(ref);
    node.exit(ref, 'shutdown');
    const [a, b] = await within(Promise.all([first, second]));
    expect(a.monitor).not.toBe(b.monitor);
    expect([a.reason, b.reason]).toEqual(['shutdown', 'shutdown']);
  });
});

describe('links', () => {
  test('an abnormal exit ends the linked resource with the same reason', async () => {
    const node = newNode();
    const a = peer(node);
    const b = peer(node);
    await link(a.ref, b.ref);
    const down = node.down(a.ref);
    expect((await rejection(b.ref.call('boom', {}))).code).toBe('crashed');
    expect((await within(down)).reason).toEqual(crashReason);
  });

  test('a link works both ways', async () => {
    const node = newNode();
    const a = peer(node);
    const b = peer(node);
    await link(a.ref, b.ref);
    const down = node.down(b.ref);
    node.exit(a.ref, 'shutdown');
    expect((await within(down)).reason).toBe('shutdown');
  });

  test('a normal exit does not end the linked resource', async () => {
    const node = newNode();
    const a = peer(node);
    const b = peer(node);
    await link(a.ref, b.ref);
    const down = node.down(b.ref);
    await within(b.ref.call('stop', {}));
    expect((await within(down)).reason).toBe('normal');
    await expect(within(a.ref.call('ping', {}))).resolves.toBe('pong');
  });

  test('an unlinked resource no longer ends with its former peer', async () => {
    const node = newNode();
    const a = peer(node);
    const b = peer(node);
    await link(a.ref, b.ref);
    await within(b.ref.call('unlink', { target: a.ref.toString() }));
    await rejection(b.ref.call('boom', {}));
    await expect(within(a.ref.call('ping', {}))).resolves.toBe('pong');
  });

  test('linking to a resource that is gone ends the linker with noproc', async () => {
    const node = newNode();
    const a = peer(node);
    const down = node.down(a.ref);
    await within(a.ref.call('link', { target: `glow://${node.id}/gone` }));
    expect((await within(down)).reason).toBe('noproc');
  });

  test('linking to a resource that is gone delivers EXIT noproc to a trapping linker', async () => {
    const node = newNode();
    const a = peer(node, { trapExit: true });
    const exit = a.nextExit();
    await within(a.ref.call('link', { target: `glow://${node.id}/gone` }));
    await expect(within(exit)).resolves.toEqual({ type: 'glow.exit', from: { node: node.id, local: 'gone' }, reason: 'noproc' });
    await expect(within(a.ref.call('ping', {}))).resolves.toBe('pong');
  });
});

describe('trapping exits', () => {
  test('a trapping resource receives a linked crash as an EXIT message and lives on', async () => {
    const node = newNode();
    const a = peer(node);
    const b = peer(node);
    await within(a.ref.call('trap', { on: true }));
    await link(a.ref, b.ref);
    const exit = a.nextExit();
    await rejection(b.ref.call('boom', {}));
    await expect(within(exit)).resolves.toEqual({ type: 'glow.exit', from: b.ref.id, reason: crashReason });
    await expect(within(a.ref.call('ping', {}))).resolves.toBe('pong');
  });

  test('a trapping resource also receives normal exits of linked resources', async () => {
    const node = newNode();
    const a = peer(node, { trapExit: true });
    const b = peer(node);
    await link(a.ref, b.ref);
    const exit = a.nextExit();
    await within(b.ref.call('stop', {}));
    await expect(within(exit)).resolves.toMatchObject({ from: b.ref.id, reason: 'normal' });
  });

  test('a resource that stops trapping ends with the next abnormal exit again', async () => {
    const node = newNode();
    const a = peer(node, { trapExit: true });
    const b = peer(node);
    await within(a.ref.call('trap', { on: false }));
    await link(a.ref, b.ref);
    const down = node.down(a.ref);
    await rejection(b.ref.call('boom', {}));
    expect((await within(down)).reason).toEqual(crashReason);
    expect(a.exits).toEqual([]);
  });
});

describe('node.exit', () => {
  test('ends a resource that does not trap exits with the reason', async () => {
    const node = newNode();
    const { ref } = peer(node);
    const down = node.down(ref);
    node.exit(ref, 'shutdown');
    expect((await within(down)).reason).toBe('shutdown');
  });

  test('is ignored with reason normal by a resource that does not trap exits', async () => {
    const node = newNode();
    const { ref } = peer(node);
    const downs: DownSignal[] = [];
    node.monitor(ref, (down) => downs.push(down));
    node.exit(ref, 'normal');
    await turn();
    await expect(within(ref.call('ping', {}))).resolves.toBe('pong');
    expect(downs).toEqual([]);
  });

  test('delivers EXIT from the node resource to a trapping resource', async () => {
    const node = newNode();
    const a = peer(node, { trapExit: true });
    const exit = a.nextExit();
    node.exit(a.ref, 'shutdown');
    await expect(within(exit)).resolves.toEqual({ type: 'glow.exit', from: node.self.id, reason: 'shutdown' });
    await expect(within(a.ref.call('ping', {}))).resolves.toBe('pong');
  });

  test('kill ends even a trapping resource, with reason killed', async () => {
    const node = newNode();
    const a = peer(node, { trapExit: true });
    const down = node.down(a.ref);
    node.exit(a.ref, 'kill');
    expect((await within(down)).reason).toBe('killed');
    expect(a.exits).toEqual([]);
  });

  test('a killed resource passes killed on to its links, which a trapping peer receives as EXIT', async () => {
    const node = newNode();
    const a = peer(node, { trapExit: true });
    const b = peer(node);
    await link(a.ref, b.ref);
    const exit = a.nextExit();
    node.exit(b.ref, 'kill');
    await expect(within(exit)).resolves.toMatchObject({ from: b.ref.id, reason: 'killed' });
  });
});
