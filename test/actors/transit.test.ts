/**
 * Transit under the trust model (src/actors/trust/relayPolicy.ts, issue 12 point 3): a node
 * relays its user's traffic always (between its user's devices, or one of them and a friend's),
 * between two friends' devices only with transit `friends`; route advertisements go on as before.
 */
import * as v from 'valibot';
import { defineInterface, method } from '../../src/index.js';
import { linkDevices, meshed, testUser, useDevices, type DeviceOptions, type TestUser } from '../helpers/userMeshes.js';
import { waitFor } from '../helpers/waitFor.js';
import { rejection, within } from './helpers.js';

const Echo = defineInterface('test.Echo/1', { where: method(v.object({}), v.string()) });
const device = useDevices();

/** A and C of user U, linked only through B (of `relayOwner`); C serves Echo. */
async function line(relayOwner: 'U' | 'V', relay: DeviceOptions = {}) {
  const [u, vUser] = [testUser(), testUser()];
  const friendsOfU = relayOwner === 'V' ? [{ user: vUser }] : [];
  const a = device(u, 'A', { friends: friendsOfU });
  const c = device(u, 'C', { friends: friendsOfU });
  const owner: TestUser = relayOwner === 'U' ? u : vUser;
  const b = device(owner, 'B', { ...relay, friends: relayOwner === 'V' ? [{ user: u }] : [] });
  await linkDevices(a, b);
  await linkDevices(b, c);
  await meshed(a, b, c);
  const echo = c.node.spawnResource({ iface: Echo, handlers: { where: () => 'C' } });
  return { a, b, c, echo };
}

test("a node relays between its user's own devices, names included", async () => {
  const { a, b, c, echo } = await line('U');
  expect(a.mesh.router.route(c.id)).toMatchObject({ nextHop: b.id, hops: 2 });
  await expect(within(a.node.ref(echo.id, Echo).call('where', {}))).resolves.toBe('C');
  c.node.register('echo', echo);
  await waitFor(() => a.node.whereis('echo') !== undefined, 2000, "C's name to reach A through B");
  expect(b.mesh.router.stats.dropped.relaydenied).toBe(0);
});

test("a friend's node carries routes but refuses to relay its friend's traffic, with denied", async () => {
  const { a, b, c, echo } = await line('V');
  // The route through B is advertised as before…
  expect(a.mesh.router.route(c.id)).toMatchObject({ nextHop: b.id, hops: 2 });
  // …but B does not carry U's calls (nor the answers C would send).
  const error = await rejection(a.node.ref(echo.id, Echo).call('where', {}));
  expect([error.code, error.details]).toEqual(['denied', { router: b.id, reason: 'relaydenied' }]);
  expect(b.mesh.router.stats.dropped.relaydenied).toBeGreaterThan(0);
});

test('with transit friends, a friend relays between its friends\' devices', async () => {
  const { a, c, echo } = await line('V', { mesh: { transit: 'friends' } });
  await expect(within(a.node.ref(echo.id, Echo).call('where', {}))).resolves.toBe('C');
  c.node.register('echo', echo);
  await waitFor(() => a.node.whereis('echo') !== undefined, 2000, "C's name to reach A through B");
});

test("a node carries its own user's traffic with a friend: own device to friend's device, through another own device", async () => {
  const [u, vUser] = [testUser(), testUser()];
  const a = device(u, 'A', { friends: [{ user: vUser }] });
  const b = device(u, 'B', { friends: [{ user: vUser }] });
  const c = device(vUser, 'C', { friends: [{ user: u }] });
  await linkDevices(a, b);
  await linkDevices(b, c);
  await meshed(a, b, c);
  // C lets A's user call its echo: the relay question alone is B's, not C's door's.
  const echo = c.node.spawnResource({ iface: Echo, handlers: { where: () => 'C' } });
  const error = await rejection(a.node.ref(echo.id, Echo).call('where', {}));
  // C's door refuses (no grant), so the call crossed B: B carried its user's traffic to a friend.
  expect([error.code, (error.details as { reason?: string }).reason]).toEqual(['denied', 'no grant gives this user access to this resource']);
  expect(b.mesh.router.stats.dropped.relaydenied).toBe(0);
});
