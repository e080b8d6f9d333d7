/** The replicated name directory (src/actors/directory.ts): names follow resources across nodes. */
import * as v from 'valibot';
import { MAX_CLAIMS_PER_NODE, UNREACHABLE_NAMES_KEPT } from '../../src/actors/directory.js';
import { ManualClock } from '../../src/firefly/clock.js';
import { defineInterface, encodePacket, method, type Node } from '../../src/index.js';
import { rejection, until, useNodes, within } from './helpers.js';

const Named = defineInterface('test.Named/1', { ping: method(v.object({}), v.string()) });
const newNode = useNodes();

/** Two nodes wired packet to packet (as a link would), each told the other is reachable. */
function pair(clockA = Date.now, clockB = Date.now): { a: Node; b: Node; heal: () => void } {
  const a = newNode({ id: 'alpha', wallClock: clockA });
  const b = newNode({ id: 'beta', wallClock: clockB });
  a.attachPort({ send: (packet) => queueMicrotask(() => b.receive(encodePacket(packet))) });
  b.attachPort({ send: (packet) => queueMicrotask(() => a.receive(encodePacket(packet))) });
  const heal = () => {
    a.nodeReachable('beta');
    b.nodeReachable('alpha');
  };
  return { a, b, heal };
}

test('a name registered on A resolves on B, and calls by name reach the resource on A', async () => {
  const { a, b, heal } = pair();
  heal();
  const service = a.spawnResource({ iface: Named, handlers: { ping: () => 'from alpha' } });
  a.register('svc', service);
  await until(() => b.whereis('svc') !== undefined);
  expect(b.whereis('svc')).toEqual(service.id);
  await expect(within(b.named('svc', Named).call('ping', {}))).resolves.toBe('from alpha');
  expect(await within(b.ref({ node: 'beta', local: 'directory' }).call('list', {}))).toEqual([
    { name: 'svc', id: service.toString(), node: 'alpha', registered: expect.any(Number) },
  ]);
});

test('a node that becomes reachable later receives the names registered before', async () => {
  const { a, b, heal } = pair();
  const service = a.spawnResource({ iface: Named, handlers: { ping: () => 'early' } });
  a.register('early', service);
  expect(b.whereis('early')).toBeUndefined();
  heal();
  await until(() => b.whereis('early') !== undefined);
  expect(b.whereis('early')).toEqual(service.id);
});

test('tells who listens when a node sends names: all of them when it (re)appears, then what changes', async () => {
  const { a, b, heal } = pair();
  const heard: [string, boolean][] = [];
  let resolvedWhenHeard: unknown;
  const stop = b.directory.onNames((from, full) => {
    heard.push([from, full]);
    resolvedWhenHeard ??= b.whereis('early');
  });
  const early = a.spawnResource({ iface: Named, handlers: { ping: () => 'early' } });
  a.register('early', early);
  heal();
  await until(() => b.whereis('early') !== undefined);
  expect(heard).toContainEqual(['alpha', true]);
  // By the time the listener runs, the names it was told of resolve.
  expect(resolvedWhenHeard).toEqual(early.id);
  heard.length = 0;
  a.register('later', a.spawnResource({ iface: Named, handlers: { ping: () => 'later' } }));
  await until(() => b.whereis('later') !== undefined);
  expect(heard).toEqual([['alpha', false]]);
  stop();
  a.register('unheard', a.spawnResource({ iface: Named, handlers: { ping: () => 'unheard' } }));
  await until(() => b.whereis('unheard') !== undefined);
  expect(heard).toEqual([['alpha', false]]);
});

test('a name disappears everywhere when its resource ends, and follows its replacement', async () => {
  const { a, b, heal } = pair();
  heal();
  const first = a.spawnResource({ iface: Named, handlers: { ping: () => 'first' } });
  a.register('svc', first);
  await until(() => b.whereis('svc') !== undefined);
  const byName = b.named('svc', Named);
  a.exit(first, 'shutdown');
  await until(() => b.whereis('svc') === undefined);
  expect((await rejection(byName.call('ping', {}))).code).toBe('noproc');
  const second = a.spawnResource({ iface: Named, handlers: { ping: () => 'second' } });
  a.register('svc', second);
  await until(() => b.whereis('svc') !== undefined);
  await expect(within(byName.call('ping', {}))).resolves.toBe('second');
});

test("an unreachable node's names still resolve for UNREACHABLE_NAMES_KEPT ms, then are forgotten", async () => {
  const clock = new ManualClock();
  const a = newNode({ id: 'alpha' });
  const b = newNode({ id: 'beta', clock });
  a.attachPort({ send: (packet) => queueMicrotask(() => b.receive(encodePacket(packet))) });
  b.attachPort({ send: (packet) => queueMicrotask(() => a.receive(encodePacket(packet))) });
  a.nodeReachable('beta');
  b.nodeReachable('alpha');
  const service = a.spawnResource({ iface: Named, handlers: { ping: () => 'x' } });
  a.register('svc', service);
  await until(() => b.whereis('svc') !== undefined);
  b.nodeUnreachable('alpha');
  // A route that comes back within the wait finds the name where it was; the name is not taken
  // for all that (a new claim would win it).
  expect(b.whereis('svc')).toEqual(service.id);
  expect(b.directory.list()).toEqual([]);
  expect(b.directory.isTaken('svc')).toBe(false);
  await clock.advance(UNREACHABLE_NAMES_KEPT - 1);
  expect(b.whereis('svc')).toEqual(service.id);
  await clock.advance(1);
  expect(b.whereis('svc')).toBeUndefined();
});

test('a name its node says it removed is not kept for it', async () => {
  const { a, b, heal } = pair();
  heal();
  a.register('gone', a.spawnResource({ iface: Named, handlers: { ping: () => 'x' } }));
  a.register('stays', a.spawnResource({ iface: Named, handlers: { ping: () => 'y' } }));
  await until(() => b.whereis('gone') !== undefined && b.whereis('stays') !== undefined);
  b.nodeUnreachable('alpha');
  b.directory.receive('alpha', { full: false, entries: [], removed: ['gone'] });
  expect(b.whereis('gone')).toBeUndefined();
  expect(b.whereis('stays')).toBeDefined();
});

test('a kept name of an unreachable node never holds the name against a live claim', async () => {
  const { a, b, heal } = pair();
  heal();
  a.register('svc', a.spawnResource({ iface: Named, handlers: { ping: () => 'alpha' } }));
  await until(() => b.whereis('svc') !== undefined);
  b.nodeUnreachable('alpha');
  // What a supervisor does when a node vanished: the resource again, elsewhere, under its name.
  const replacement = b.spawnResource({ iface: Named, handlers: { ping: () => 'beta' } });
  b.register('svc', replacement);
  expect(b.whereis('svc')).toEqual(replacement.id);
  await expect(within(b.named('svc', Named).call('ping', {}))).resolves.toBe('beta');
});

test('a name taken elsewhere is refused with denied', async () => {
  const { a, b, heal } = pair();
  heal();
  a.register('svc', a.spawnResource({ iface: Named, handlers: { ping: () => 'x' } }));
  await until(() => b.whereis('svc') !== undefined);
  const other = b.spawnResource({ iface: Named, handlers: { ping: () => 'y' } });
  expect(() => b.register('svc', other)).toThrow(expect.objectContaining({ code: 'denied' }));
});

test('two claims made during a partition settle on the earlier one on both sides when it heals', async () => {
  const { a, b, heal } = pair(
    () => 1000,
    () => 2000,
  );
  const onA = a.spawnResource({ iface: Named, handlers: { ping: () => 'alpha' } });
  const onB = b.spawnResource({ iface: Named, handlers: { ping: () => 'beta' } });
  a.register('svc', onA);
  b.register('svc', onB);
  const lost: string[] = [];
  b.directory.onConflict((name, winner) => lost.push(`${name}->${winner.node}`));
  heal();
  await until(() => lost.length > 0 && a.whereis('svc')?.node === 'alpha' && b.whereis('svc')?.node === 'alpha');
  expect(lost).toEqual(['svc->alpha']);
  await expect(within(b.named('svc', Named).call('ping', {}))).resolves.toBe('alpha');
  await expect(within(a.named('svc', Named).call('ping', {}))).resolves.toBe('alpha');
});

test('a name on A for a resource on B is dropped when that resource ends', async () => {
  const { a, b, heal } = pair();
  heal();
  const remote = b.spawnResource({ iface: Named, handlers: { ping: () => 'remote' } });
  a.register('far', remote.id);
  await expect(within(a.named('far', Named).call('ping', {}))).resolves.toBe('remote');
  b.exit(remote, 'shutdown');
  await until(() => a.whereis('far') === undefined);
});

test("a node whose route to a peer flapped gets the peer's names back, though the peer never saw the route go", async () => {
  const { a, b, heal } = pair();
  heal();
  const service = a.spawnResource({ iface: Named, handlers: { ping: () => 'still here' } });
  a.register('kept', service);
  await until(() => b.whereis('kept') !== undefined);
  // Only B sees alpha go and come back; alpha keeps counting beta reachable.
  b.nodeUnreachable('alpha');
  expect(b.directory.list()).toEqual([]);
  b.nodeReachable('alpha');
  await until(() => b.directory.list().length === 1, 1000, 'B never got the name back');
  expect(b.whereis('kept')).toEqual(service.id);
});

test("a peer's claims stop at MAX_CLAIMS_PER_NODE however many syncs it sends; its known names still update", () => {
  const { a } = pair();
  const entries = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ name: `n${from + i}`, id: `glow://beta/r${from + i}`, registered: 1 }));
  a.directory.receive('beta', { full: false, entries: entries(0, MAX_CLAIMS_PER_NODE), removed: [] });
  a.directory.receive('beta', { full: false, entries: entries(MAX_CLAIMS_PER_NODE, 5), removed: [] });
  expect(a.directory.list()).toHaveLength(MAX_CLAIMS_PER_NODE);
  expect(a.directory.refusedClaims).toBe(5);
  expect(a.whereis(`n${MAX_CLAIMS_PER_NODE}`)).toBeUndefined();
  // A name it holds already is not a new one: it moves.
  a.directory.receive('beta', { full: false, entries: [{ name: 'n0', id: 'glow://beta/moved', registered: 1 }], removed: [] });
  expect(a.whereis('n0')).toEqual({ node: 'beta', local: 'moved' });
  expect(a.directory.refusedClaims).toBe(5);
});

test('a node that comes back asks again for the names when the answer is lost, and stops once it has them', async () => {
  const clock = new ManualClock();
  const a = newNode({ id: 'alpha', clock });
  const b = newNode({ id: 'beta' });
  b.register('far', b.spawnResource({ iface: Named, handlers: { ping: () => 'pong' } }));
  // beta's first answer to alpha is lost: a route that has only just come back.
  let lose = 1;
  let asks = 0;
  a.attachPort({
    send: (packet) => {
      if (packet.dst.local === 'directory') asks++;
      queueMicrotask(() => b.receive(encodePacket(packet)));
    },
  });
  b.attachPort({
    send: (packet) => {
      if (packet.dst.local === 'directory' && lose-- > 0) return;
      queueMicrotask(() => a.receive(encodePacket(packet)));
    },
  });
  a.nodeReachable('beta');
  await until(() => asks === 1);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  expect(a.whereis('far')).toBeUndefined();
  // 300 ms later alpha asks again, and this answer arrives.
  await clock.advance(300);
  await until(() => a.whereis('far') !== undefined);
  expect(asks).toBe(2);
  await clock.advance(20_000);
  expect(asks).toBe(2);
  expect(clock.pending).toBe(0);
});
