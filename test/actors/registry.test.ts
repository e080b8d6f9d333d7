/** Local names (src/actors/registry.ts): one name, one resource; freed when the resource ends. */
import * as v from 'valibot';
import { defineInterface, method, Registry, type ResourceId } from '../../src/index.js';
import { rejection, useNodes, within } from './helpers.js';

const Named = defineInterface('test.Named/1', { ping: method(v.object({}), v.string()) });

const newNode = useNodes();

const a: ResourceId = { node: 'n1', local: 'a' };
const b: ResourceId = { node: 'n1', local: 'b' };

test('register, whereis and unregister a name', () => {
  const registry = new Registry();
  registry.register('alice/photos', a);
  expect(registry.whereis('alice/photos')).toEqual(a);
  expect(registry.entries()).toEqual([['alice/photos', a]]);
  expect(registry.unregister('alice/photos')).toBe(true);
  expect(registry.whereis('alice/photos')).toBeUndefined();
  expect(registry.unregister('alice/photos')).toBe(false);
});

test('a resource may have several names; forget drops them all', () => {
  const registry = new Registry();
  registry.register('one', a);
  registry.register('two', a);
  registry.register('other', b);
  registry.forget(a);
  expect(registry.entries()).toEqual([['other', b]]);
});

test('refuses a name taken by another resource with denied; naming the same resource again is fine', () => {
  const registry = new Registry();
  registry.register('svc', a);
  expect(() => registry.register('svc', b)).toThrow(expect.objectContaining({ code: 'denied' }));
  expect(() => registry.register('svc', { node: 'n1', local: 'a' })).not.toThrow();
  expect(registry.whereis('svc')).toEqual(a);
});

test('__proto__ and other inherited names are just names', () => {
  const registry = new Registry();
  expect(registry.whereis('__proto__')).toBeUndefined();
  expect(registry.whereis('constructor')).toBeUndefined();
  expect(registry.whereis('hasOwnProperty')).toBeUndefined();
  registry.register('__proto__', a);
  registry.register('constructor', b);
  expect(registry.whereis('__proto__')).toEqual(a);
  expect(registry.whereis('constructor')).toEqual(b);
  expect(registry.unregister('__proto__')).toBe(true);
  expect(registry.whereis('__proto__')).toBeUndefined();
});

test.each(['', '/', 'a/', '/a', 'a//b', 'has space', 'tab\t', 'ü', 'a:b', 'x'.repeat(201)])('refuses the malformed name %j with badarg', (name) => {
  const registry = new Registry();
  expect(() => registry.register(name, a)).toThrow(expect.objectContaining({ code: 'badarg' }));
  expect(registry.entries()).toEqual([]);
});

test('accepts the longest allowed name', () => {
  const registry = new Registry();
  const name = 'x'.repeat(200);
  registry.register(name, a);
  expect(registry.whereis(name)).toEqual(a);
});

test("frees a node's name when its resource ends, so another resource can take it", async () => {
  const node = newNode();
  const first = node.spawnResource({ iface: Named, handlers: { ping: () => 'first' } });
  node.register('svc', first.id);
  const down = node.down(first);
  node.exit(first, 'shutdown');
  await within(down);
  expect(node.whereis('svc')).toBeUndefined();
  const second = node.spawnResource({ iface: Named, handlers: { ping: () => 'second' } });
  node.register('svc', second.id);
  await expect(within(node.ref(node.whereis('svc')!, Named).call('ping', {}))).resolves.toBe('second');
});

test('a ref by name follows the name to the resource that holds it now', async () => {
  const node = newNode();
  const byName = node.named('svc', Named);
  expect((await rejection(byName.call('ping', {}))).code).toBe('noproc');
  const first = node.spawnResource({ iface: Named, handlers: { ping: () => 'first' } });
  node.register('svc', first);
  await expect(within(byName.call('ping', {}))).resolves.toBe('first');
  const down = node.down(first);
  node.exit(first, 'shutdown');
  await within(down);
  const second = node.spawnResource({ iface: Named, handlers: { ping: () => 'second' } });
  node.register('svc', second);
  await expect(within(byName.call('ping', {}))).resolves.toBe('second');
  expect(byName.toString()).toBe('glow://svc');
  await expect(within(node.lookup('glow://svc', Named).call('ping', {}))).resolves.toBe('second');
  await expect(within(node.lookup(second.toString(), Named).call('ping', {}))).resolves.toBe('second');
});
