/** The one handle to a resource (src/actors/ref.ts): ids, calls, casts, describe. */
import * as v from 'valibot';
import { cast, defineInterface, formatResourceId, method, stream, type GlowError, type ResourceId } from '../../src/index.js';
import { gate, rejection, timed, untyped, useNodes, within } from './helpers.js';

const Kv = defineInterface('test.Kv/1', {
  get: method(v.object({ key: v.string() }), v.nullable(v.string()), { description: 'reads a key' }),
  set: cast(v.object({ key: v.string(), value: v.string() })),
  keys: stream(v.object({}), v.string()),
  hang: method(v.object({}), v.string()),
});
const Empty = defineInterface('test.Empty/1', {});

const newNode = useNodes();

function kv(options: { callTimeout?: number } = {}) {
  const node = newNode({ id: 'local', ...options });
  const data = new Map<string, string>();
  const never = gate();
  const ref = node.spawnResource({
    iface: Kv,
    handlers: {
      get: ({ key }) => data.get(key) ?? null,
      set: ({ key, value }) => {
        data.set(key, value);
      },
      keys: () => data.keys(),
      hang: async () => {
        await never.promise;
        return 'never';
      },
    },
  });
  return { node, ref };
}

describe('ids', () => {
  test('node.ref round-trips a printable id through toString', () => {
    const { node } = kv();
    const ref = node.ref('glow://node/local');
    expect(ref.id).toEqual({ node: 'node', local: 'local' });
    expect(ref.toString()).toBe('glow://node/local');
    expect(node.ref(ref.id).toString()).toBe('glow://node/local');
    expect(formatResourceId(ref.id)).toBe('glow://node/local');
  });

  test('a spawned resource is named by its node and a fresh local id', () => {
    const { node, ref } = kv();
    expect(ref.id.node).toBe('local');
    expect(ref.toString()).toMatch(/^glow:\/\/local\/[A-Za-z0-9_-]{21}$/);
    expect(node.spawnResource({ iface: Empty, handlers: {} }).id.local).not.toBe(ref.id.local);
  });

  test.each(['', 'glow://', 'glow://a', 'glow://a/', 'glow:///b', 'glow://a/b/c', 'http://a/b', 'glow://a b/c', `glow://${'n'.repeat(65)}/x`])(
    'node.ref refuses %j with badarg',
    (text) => {
      const { node } = kv();
      expect(() => node.ref(text)).toThrow(expect.objectContaining({ code: 'badarg' }));
    },
  );
});

describe('calls', () => {
  test('a ref made from the printable id calls the same resource', async () => {
    const { node, ref } = kv();
    ref.cast('set', { key: 'k', value: 'v' });
    await expect(within(node.ref(ref.toString(), Kv).call('get', { key: 'k' }))).resolves.toBe('v');
  });

  test('a call to a local resource that does not exist fails with noproc at once', async () => {
    const { node } = kv();
    const ghost: ResourceId = { node: node.id, local: 'ghost' };
    const { ms, error } = await timed(node.ref(ghost, Kv).call('get', { key: 'k' }, { timeout: 5000 }));
    expect(error?.code).toBe('noproc');
    expect(ms).toBeLessThan(200);
  });

  test("a call without a timeout waits for the node's callTimeout", async () => {
    const { ref } = kv({ callTimeout: 40 });
    const { ms, error } = await timed(ref.call('hang', {}));
    expect(error?.code).toBe('timeout');
    expect(error?.details).toEqual({ timeout: 40 });
    expect(ms).toBeGreaterThanOrEqual(35);
  });

  test('a call names its own timeout', async () => {
    const { ref } = kv({ callTimeout: 5000 });
    const { ms, error } = await timed(ref.call('hang', {}, { timeout: 20 }));
    expect(error?.code).toBe('timeout');
    expect(ms).toBeLessThan(1000);
  });
});

describe('casts', () => {
  test('a cast is applied in order with later calls', async () => {
    const { ref } = kv();
    ref.cast('set', { key: 'a', value: '1' });
    ref.cast('set', { key: 'a', value: '2' });
    await expect(within(ref.call('get', { key: 'a' }))).resolves.toBe('2');
  });

  test('a cast that cannot be delivered is counted and reported with its reason', async () => {
    const { node, ref } = kv();
    const reported: [ResourceId, GlowError][] = [];
    node.onCastFailed((target, error) => reported.push([target, error]));
    node.exit(ref, 'kill');
    ref.cast('set', { key: 'a', value: '1' });
    untyped(node.ref(`glow://${node.id}/ghost`)).cast('set', {});
    expect(reported.map(([target, error]) => [target.local, error.code])).toEqual([
      [ref.id.local, 'noproc'],
      ['ghost', 'noproc'],
    ]);
    expect(node.stats.castsFailed).toBe(2);
  });
});

describe('describe', () => {
  test('answers the interface id and a JSON Schema of every member', async () => {
    const { ref } = kv();
    const description = await within(ref.describe());
    expect(description.interface).toBe('test.Kv/1');
    expect(Object.keys(description.members).sort()).toEqual(['get', 'hang', 'keys', 'set']);
    expect(description.members.get).toMatchObject({
      kind: 'method',
      description: 'reads a key',
      args: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
    });
    expect(description.members.set).toMatchObject({ kind: 'cast' });
    expect(description.members.keys).toMatchObject({ kind: 'stream', item: { type: 'string' } });
  });

  test('describe on a resource that does not exist fails with noproc', async () => {
    const { node } = kv();
    expect((await rejection(node.ref(`glow://${node.id}/ghost`).describe())).code).toBe('noproc');
  });
});
