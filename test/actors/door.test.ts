/**
 * The one door (src/actors/door.ts): every request from another node passes the node's policy
 * before any mailbox sees it, and a refusal is a typed `denied` with the policy's reason wherever
 * the sender waits for an answer. Two nodes in one process, wired by ports that carry bytes.
 */
import * as v from 'valibot';
import {
  ADMIT,
  cast,
  DEFAULT_HOP_LIMIT,
  defineInterface,
  deny,
  encodePacket,
  encodeValue,
  method,
  PacketKind,
  PROTOCOL_VERSION,
  stream,
  type ExitSignal,
  type Node,
  type PeerPolicy,
  type PeerRequest,
} from '../../src/index.js';
import { rejection, until, useNodes, within } from './helpers.js';

const Vault = defineInterface('test.Vault/1', {
  open: method(v.object({}), v.string()),
  note: cast(v.object({ text: v.string() })),
  items: stream(v.object({}), v.number()),
});

const newNode = useNodes();

/** Node `home` (with `policy`) holding a vault, and node `peer` wired to it. */
function pair(policy?: PeerPolicy) {
  const home = newNode({ id: 'home', policy });
  const peer = newNode({ id: 'peer' });
  home.attachPort({ send: (packet) => queueMicrotask(() => peer.receive(encodePacket(packet))) });
  peer.attachPort({ send: (packet) => queueMicrotask(() => home.receive(encodePacket(packet))) });
  const handled: string[] = [];
  const vault = home.spawnResource({
    iface: Vault,
    handlers: {
      open: () => {
        handled.push('open');
        return 'gold';
      },
      note: ({ text }) => void handled.push(`note:${text}`),
      items: () => {
        handled.push('items');
        return [1, 2];
      },
    },
  });
  const remote = peer.ref(vault.id, Vault);
  return { home, peer, vault, remote, handled };
}

/** A policy that records what it is asked and refuses `refused` actions. */
function recording(refused: PeerRequest['action'][] = []) {
  const asked: Pick<PeerRequest, 'from' | 'caller' | 'target' | 'action' | 'member'>[] = [];
  const args: unknown[] = [];
  const interfaces: (string | undefined)[] = [];
  const policy: PeerPolicy = (request) => {
    const { from, caller, target, action, member } = request;
    asked.push({ from, caller, target, action, member });
    args.push(request.args());
    interfaces.push(request.iface?.id);
    return refused.includes(request.action) ? deny(`no ${request.action} for ${request.from}`) : ADMIT;
  };
  return { asked, args, interfaces, policy };
}

const Linker = defineInterface('test.Linker/1', { link: method(v.object({ to: v.string() }), v.boolean()) });

/** A resource on `node` that traps exits, links where it is told, and records the EXIT signals it gets. */
function trapper(node: Node) {
  const exits: ExitSignal[] = [];
  const ref = node.spawnResource({
    iface: Linker,
    trapExit: true,
    handlers: {
      link: ({ to }, ctx) => {
        ctx.link(ctx.node.ref(to));
        return true;
      },
    },
    onSignal: (signal) => {
      if (signal.type === 'glow.exit') exits.push(signal);
    },
  });
  return { ref, exits };
}

test('admits every request when the node has no policy', async () => {
  const { home, remote, handled } = pair();
  await expect(within(remote.call('open', {}))).resolves.toBe('gold');
  expect(handled).toEqual(['open']);
  expect(home.stats.denied).toBe(0);
});

test('asks the policy once per request, with the sending node, the caller, the target, the action and the member', async () => {
  const { asked, args, interfaces, policy } = recording();
  const { peer, vault, remote } = pair(policy);
  await within(remote.call('open', {}));
  remote.cast('note', { text: 'hi' });
  await within(Promise.resolve(remote.iterate('items', {}).next()));
  const watcher = trapper(peer);
  const stop = peer.monitor(vault, () => undefined);
  await until(() => asked.length >= 4);
  stop();
  expect(asked.slice(0, 4)).toEqual([
    { from: 'peer', caller: { node: 'peer', local: 'node' }, target: vault.id, action: 'call', member: 'open' },
    { from: 'peer', caller: { node: 'peer', local: 'node' }, target: vault.id, action: 'cast', member: 'note' },
    { from: 'peer', caller: { node: 'peer', local: 'node' }, target: vault.id, action: 'stream', member: 'items' },
    { from: 'peer', caller: { node: 'peer', local: 'node' }, target: vault.id, action: 'monitor', member: 'monitor' },
  ]);
  // The policy may read the arguments (decoded when asked) and the target's interface; signals have none.
  expect(args.slice(0, 4)).toEqual([{}, { text: 'hi' }, {}, undefined]);
  expect(interfaces.slice(0, 4)).toEqual(Array(4).fill(Vault.id));
  peer.exit(vault, 'normal', watcher.ref.id);
  await until(() => asked.length >= 5);
  expect(asked[4]).toEqual({ from: 'peer', caller: watcher.ref.id, target: vault.id, action: 'exit', member: 'exit' });
});

test('refuses a call with denied and the reason, before the mailbox: the handler never runs', async () => {
  const { policy } = recording(['call']);
  const { home, remote, handled } = pair(policy);
  const error = await rejection(remote.call('open', {}));
  expect(error.code).toBe('denied');
  expect(error.details).toEqual({ reason: 'no call for peer' });
  expect(handled).toEqual([]);
  expect(home.stats.denied).toBe(1);
});

test('refuses a stream with denied; the consumer gets the error, the producer never starts', async () => {
  const { policy } = recording(['stream']);
  const { remote, handled } = pair(policy);
  const error = await rejection(remote.iterate('items', {}).next());
  expect(error.code).toBe('denied');
  expect(handled).toEqual([]);
});

test('refuses a cast: counted and reported on the refusing node, never handled', async () => {
  const { policy } = recording(['cast']);
  const { home, remote, handled } = pair(policy);
  const failed: string[] = [];
  home.onCastFailed((_target, error) => failed.push(`${error.code}: ${String((error.details as { reason: string }).reason)}`));
  remote.cast('note', { text: 'sneaky' });
  await until(() => failed.length > 0);
  expect(failed).toEqual(['denied: no cast for peer']);
  expect(handled).toEqual([]);
  expect(home.stats.denied).toBe(1);
});

test('refuses a monitor with a DOWN whose reason is denied', async () => {
  const { policy } = recording(['monitor']);
  const { peer, vault, home } = pair(policy);
  const down = await within(peer.down(vault));
  expect(down.reason).toMatchObject({ error: { code: 'denied', details: { reason: 'no monitor for peer' } } });
  expect(home.isAlive(vault)).toBe(true);
  expect(home.monitorCount(vault)).toBe(0);
});

test('refuses a link with an EXIT denied to the resource that asked', async () => {
  const { policy } = recording(['link']);
  const { peer, vault, home } = pair(policy);
  const linker = trapper(peer);
  await within(linker.ref.call('link', { to: vault.toString() }));
  await until(() => linker.exits.length > 0);
  expect(linker.exits[0]).toMatchObject({ from: vault.id, reason: { error: { code: 'denied', details: { reason: 'no link for peer' } } } });
  expect(home.isAlive(vault)).toBe(true);
});

test('refuses an exit signal: a peer cannot kill what the policy guards', async () => {
  const { policy } = recording(['exit']);
  const { peer, vault, home } = pair(policy);
  peer.exit(vault, 'kill');
  await until(() => home.stats.denied === 1);
  expect(home.isAlive(vault)).toBe(true);
});

test('a policy that throws refuses: failing open would hand out what it guards', async () => {
  const { remote, handled } = pair(() => {
    throw new Error('grant store unavailable');
  });
  const error = await rejection(remote.call('open', {}));
  expect(error.code).toBe('denied');
  expect(error.details).toEqual({ reason: 'the policy failed: grant store unavailable' });
  expect(handled).toEqual([]);
});

test('code inside the node never meets the policy', async () => {
  const { asked, policy } = recording(['call', 'cast', 'stream', 'monitor', 'link', 'exit']);
  const { home, vault } = pair(policy);
  await expect(within(vault.call('open', {}))).resolves.toBe('gold');
  const down = home.down(vault);
  home.exit(vault, 'kill');
  await within(down);
  expect(asked).toEqual([]);
});

test('answers to what the node asked pass the door without the policy', async () => {
  const { asked, policy } = recording(['call', 'cast', 'stream', 'monitor', 'link', 'exit']);
  const { home, peer } = pair(policy);
  const echo = peer.spawnResource({ iface: Vault, handlers: { open: () => 'echo', note: () => undefined, items: () => [7] } });
  await expect(within(home.ref(echo.id, Vault).call('open', {}))).resolves.toBe('echo');
  await expect(within(Promise.resolve(home.ref(echo.id, Vault).iterate('items', {}).next()))).resolves.toEqual({ value: 7, done: false });
  const down = home.down(echo.id);
  await until(() => peer.monitorCount(echo) === 1);
  peer.exit(echo, 'kill');
  await expect(within(down)).resolves.toMatchObject({ reason: 'killed' });
  expect(asked).toEqual([]);
});

test('a monitor set twice under one id by a peer is one monitor, dropped by one demonitor', async () => {
  const { home, vault } = pair();
  const signal = (method: string) =>
    home.receive(
      encodePacket({ version: PROTOCOL_VERSION, kind: PacketKind.signal, src: { node: 'peer', local: 'node' }, dst: vault.id, hop: DEFAULT_HOP_LIMIT, corr: 7, method, body: encodeValue(null) }),
    );
  signal('monitor');
  signal('monitor');
  expect(home.monitorCount(vault)).toBe(1);
  signal('demonitor');
  expect(home.monitorCount(vault)).toBe(0);
});
