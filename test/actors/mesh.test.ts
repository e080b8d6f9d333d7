/**
 * The mesh assembly (src/actors/mesh.ts) over memory links: location transparency across hops,
 * a supervisor restarting a child on another node when its node is lost, and names that follow.
 */
import * as v from 'valibot';
import { defineInterface, method, startSupervisor, type ProcessKind } from '../../src/index.js';
import { Mesh } from '../../src/actors/mesh.js';
import { createIdentity } from '../../src/transport/identity.js';
import { memoryLinkPair, type MemoryLinkControls } from '../../src/transport/memory.js';
import { within } from './helpers.js';
import { waitFor } from '../helpers/waitFor.js';

const Echo = defineInterface('test.Echo/1', { where: method(v.object({}), v.string()) });

/** A process kind that registers its echo resource under a name and answers with its node. */
const echoKind: ProcessKind<{ name: string }> = {
  name: 'echo',
  args: v.object({ name: v.string() }),
  start(ctx, { name }) {
    const echo = ctx.spawn({ iface: Echo, handlers: { where: () => ctx.node.id } });
    ctx.register(name, echo);
  },
};

const meshes: Mesh[] = [];
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
});

function mesh(): Mesh {
  const created = new Mesh({ identity: createIdentity(), router: { updateInterval: 500, grace: 100 } });
  created.node.registerKind(echoKind);
  meshes.push(created);
  return created;
}

/** Links two meshes with a memory link; returns its controls (cut = a pulled cable). */
function link(a: Mesh, b: Mesh): MemoryLinkControls {
  const [atA, atB, controls] = memoryLinkPair(a.id, b.id);
  a.addLink(atA);
  b.addLink(atB);
  return controls;
}

/** A line A—B—C, converged. */
async function line() {
  const [a, b, c] = [mesh(), mesh(), mesh()];
  const ab = link(a, b);
  const bc = link(b, c);
  await waitFor(() => a.router.isReachable(c.id) && c.router.isReachable(a.id), 5000, 'routes A↔C');
  return { a, b, c, ab, bc };
}

test('a call from A reaches a resource on C through B, exactly like a local call', async () => {
  const { a, c } = await line();
  const echo = c.node.spawnResource({ iface: Echo, handlers: { where: () => 'on C' } });
  await expect(within(a.node.ref(echo.toString(), Echo).call('where', {}))).resolves.toBe('on C');
  await expect(within(a.node.ref(echo.toString()).describe())).resolves.toMatchObject({ interface: 'test.Echo/1' });
});

test('Node.spawn is callable on a remote node, so a process starts anywhere', async () => {
  const { a, c } = await line();
  const remoteNode = a.node.ref({ node: c.id, local: 'node' });
  const { id } = (await within(remoteNode.call('spawn', { kind: 'echo', args: { name: 'spawned' } }))) as { id: string };
  expect(id.startsWith(`glow://${c.id}/`)).toBe(true);
  await waitFor(() => a.node.whereis('spawned') !== undefined, 2000);
  await expect(within(a.node.named('spawned', Echo).call('where', {}))).resolves.toBe(c.id);
});

test('a supervisor on A restarts a child lost with node C on the next candidate B, and its name follows', async () => {
  const { a, b, c, bc } = await line();
  const supervisor = await startSupervisor(a.node, {
    intensity: 3,
    period: 5000,
    children: [{ id: 'worker', start: { kind: 'echo', args: { name: 'worker' } }, where: [c.id, b.id] }],
  });
  await waitFor(() => a.node.whereis('worker') !== undefined, 2000, 'the name on A');
  const byName = a.node.named('worker', Echo);
  await expect(within(byName.call('where', {}))).resolves.toBe(c.id);
  const [child] = await within(supervisor.call('which_children', {}));
  expect(child!.ref).toMatch(new RegExp(`^glow://${c.id}/`));

  // C vanishes: its only link is cut and the node is gone.
  const lostAt = Date.now();
  bc.cut('C lost');
  await c.close();
  await waitFor(
    () => a.node.whereis('worker')?.node === b.id,
    4000,
    'the worker registered again from B',
  );
  const restartedIn = Date.now() - lostAt;
  expect(restartedIn).toBeLessThan(2000);
  await expect(within(byName.call('where', {}))).resolves.toBe(b.id);
  const [again] = await within(supervisor.call('which_children', {}));
  expect(again!.ref).toMatch(new RegExp(`^glow://${b.id}/`));
});
