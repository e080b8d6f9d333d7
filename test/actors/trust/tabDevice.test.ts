/**
 * A tab as a device (src/transport/certificate.ts delegations; src/actors/trust/trust.ts): the
 * user certifies the tab's device key, and each page load runs as a fresh node the key delegates
 * to. Nodes of the user see one device across reloads, with its roles and the grants made to
 * it; removing the device key cuts the node it runs as now and refuses every later one.
 */
import { Mesh } from '../../../src/actors/mesh.js';
import { removeDevice } from '../../../src/actors/trust/deviceRemoval.js';
import { issueGrant } from '../../../src/actors/trust/grant.js';
import { Trust } from '../../../src/actors/trust/trust.js';
import { formatResourceId } from '../../../src/firefly/address.js';
import { delegationToSign, delegationWith, type DeviceCertificate } from '../../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../../src/transport/identity.js';
import { memoryChannelPair } from '../../../src/transport/memoryChannel.js';
import { rejection, within } from '../helpers.js';
import { waitFor } from '../../helpers/waitFor.js';
import { reachable, Safe, useDevices, user, type Device, type User } from './helpers.js';

const device = useDevices();
const tabs: Mesh[] = [];
afterEach(async () => {
  await Promise.all(tabs.splice(0).map((mesh) => mesh.close()));
});

/** One page load of the tab whose device key is `key`, certified by `certificate`: a fresh node, delegated to. */
function pageLoad(key: NodeIdentity, certificate: DeviceCertificate, friends: User[] = []) {
  const identity = createIdentity();
  const { unsigned, bytes } = delegationToSign(certificate, identity.id, Date.now());
  const mesh = new Mesh({ identity, trust: new Trust({ certificate: delegationWith(unsigned, key.sign(bytes)), friends: friends.map((friend) => ({ user: friend.id })) }), router: { updateInterval: 500, grace: 100 } });
  tabs.push(mesh);
  return mesh;
}

/** Links the tab's node to `to` through the real handshake; the tab's side of it. */
async function linkTab(tab: Mesh, to: Device) {
  const [channelA, channelB] = memoryChannelPair();
  const [link] = await Promise.all([tab.linkChannel(channelA, to.id), to.mesh.linkChannel(channelB, tab.id)]);
  return link;
}

function tabOf(owner: User) {
  const key = createIdentity();
  return { key, certificate: owner.certify(key, 'Chrome on Linux') };
}

test('a reloaded tab is one device of its user, with its roles; removing its device key cuts it and refuses every later page load', async () => {
  const alice = user();
  const laptop = device(alice, 'laptop');
  const { key, certificate } = tabOf(alice);

  const first = pageLoad(key, certificate);
  await linkTab(first, laptop);
  await waitFor(() => laptop.trust.deviceOf(first.id) !== undefined, 2000, 'the laptop to know the first page load');
  await first.close({ reason: 'reload' });
  const second = pageLoad(key, certificate);
  const link = await linkTab(second, laptop);
  await waitFor(() => laptop.trust.deviceOf(second.id) !== undefined && second.router.isReachable(laptop.id), 2000, 'the laptop to know the second page load');

  // One device for the tab, as the node it runs as now, named by its key; its user's own.
  const tabs = laptop.trust.ownDevices().filter((known) => known.name === 'Chrome on Linux');
  expect(tabs.map((known) => [known.node, known.key, known.roles])).toEqual([[second.id, key.id, ['member']]]);
  expect(laptop.trust.relation(second.id)).toBe('own');
  expect(await within(second.node.ref(laptop.safe.id, Safe).call('open', {}), 2000)).toBe("laptop's gold");

  const closed = new Promise<string>((resolve) => link.onClose((reason) => resolve(reason.reason)));
  laptop.trust.remove(removeDevice(alice.id, key.id, Date.now(), alice.key));
  expect(await within(closed, 2000)).toMatch(/device removed by its user/);
  expect(laptop.trust.ownDevices().map((known) => known.node)).toEqual([laptop.id]);
  expect(laptop.trust.relation(second.id)).toBe('stranger');
  const third = pageLoad(key, certificate);
  await expect(within(linkTab(third, laptop), 3000)).rejects.toThrow('link refused: not allowed');
});

test("a grant to a friend's tab device reaches every node the tab runs as, and no other device of the friend", async () => {
  const [alice, bob] = [user(), user()];
  const laptop = device(alice, 'laptop', { friends: [bob] });
  const bobs = device(bob, 'bobs-laptop', { friends: [alice] });
  const { key, certificate } = tabOf(bob);
  laptop.trust.grants.add(
    issueGrant(
      { issuer: alice.id, audience: { user: bob.id, node: key.id }, subject: { resource: formatResourceId(laptop.safe.id) }, abilities: { methods: ['open'] }, notBefore: Date.now() - 1000, expires: Date.now() + 60_000, nonce: 'tab' },
      alice.key,
    ),
  );
  for (const load of [1, 2]) {
    const tab = pageLoad(key, certificate, [alice]);
    await linkTab(tab, laptop);
    await waitFor(() => laptop.trust.relation(tab.id) === 'friend' && tab.router.isReachable(laptop.id), 2000, `page load ${load} to be the friend's device`);
    expect([load, await within(tab.node.ref(laptop.safe.id, Safe).call('open', {}), 2000)]).toEqual([load, "laptop's gold"]);
    await tab.close({ reason: 'reload' });
  }
  const [channelA, channelB] = memoryChannelPair();
  await Promise.all([bobs.mesh.linkChannel(channelA, laptop.id), laptop.mesh.linkChannel(channelB, bobs.id)]);
  await reachable(bobs, laptop);
  expect((await rejection(bobs.node.ref(laptop.safe.id, Safe).call('open', {}), 2000)).code).toBe('denied');
});
