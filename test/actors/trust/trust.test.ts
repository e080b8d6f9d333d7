/**
 * Users and devices in a mesh (src/actors/trust): links only between a user's devices and
 * friends' devices, every request from a peer judged at the door by who sent it, certificates
 * spread to nodes that are not neighbours, removed devices cut off everywhere.
 */
import { Mesh } from '../../../src/actors/mesh.js';
import { removeDevice } from '../../../src/actors/trust/deviceRemoval.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { memoryLinkPair } from '../../../src/transport/memory.js';
import { memoryChannelPair } from '../../../src/transport/memoryChannel.js';
import { rejection, within } from '../helpers.js';
import { waitFor } from '../../helpers/waitFor.js';
import { link, reachable, Safe, useDevices, user } from './helpers.js';

const device = useDevices();
const meshes: Mesh[] = [];
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
});

test("a user's devices link, know each other, and reach each other's resources", async () => {
  const alice = user();
  const [laptop, phone] = [device(alice, 'laptop'), device(alice, 'phone')];
  await link(laptop, phone);
  await reachable(laptop, phone);
  expect(laptop.trust.relation(phone.mesh.id)).toBe('own');
  await expect(within(laptop.mesh.node.ref(phone.safe.id, Safe).call('open', {}))).resolves.toBe("phone's gold");
});

test("a stranger's device is refused at the handshake", async () => {
  const [alice, mallory] = [user(), user()];
  const [laptop, intruder] = [device(alice, 'laptop'), device(mallory, 'intruder')];
  const [channelA, channelB] = memoryChannelPair();
  const results = await Promise.allSettled([laptop.mesh.linkChannel(channelA), intruder.mesh.linkChannel(channelB)]);
  expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'denied', message: 'link refused: not allowed' } });
  expect(laptop.mesh.router.neighbours()).toEqual([]);
});

test('a node with no certificate is refused, whatever opened the link', async () => {
  const alice = user();
  const laptop = device(alice, 'laptop');
  const bare = new Mesh({ identity: createIdentity() });
  meshes.push(bare);
  const [channelA, channelB] = memoryChannelPair();
  const results = await Promise.allSettled([laptop.mesh.linkChannel(channelA), bare.linkChannel(channelB)]);
  expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'denied' } });
  // A link made outside the handshake policy (a memory link) is dropped as it is added.
  const [atLaptop, atBare] = memoryLinkPair(laptop.mesh.id, bare.id);
  laptop.mesh.addLink(atLaptop);
  bare.addLink(atBare);
  expect(atLaptop.closed).toBe(true);
});

test("a friend's device links, but reaches nothing of ours without a grant", async () => {
  const [alice, bob] = [user(), user()];
  const laptop = device(alice, 'laptop', { friends: [bob] });
  const bobs = device(bob, 'bobs-laptop', { friends: [alice] });
  await link(laptop, bobs);
  await reachable(laptop, bobs);
  await waitFor(() => laptop.trust.relation(bobs.mesh.id) === 'friend', 2000, 'the friend to be known');
  const error = await rejection(bobs.mesh.node.ref(laptop.safe.id, Safe).call('open', {}));
  expect([error.code, (error.details as { reason: string }).reason]).toEqual(['denied', 'no grant gives this user access to this resource']);
  const spawn = await rejection(bobs.mesh.node.ref({ node: laptop.mesh.id, local: 'node' }).call('spawn' as never, { kind: 'supervisor' } as never));
  expect(spawn.code).toBe('denied');
});

test('devices learn the certificates of devices that are not their neighbours', async () => {
  const alice = user();
  const [laptop, nas, phone] = [device(alice, 'laptop'), device(alice, 'nas'), device(alice, 'phone')];
  await link(laptop, nas);
  await link(nas, phone);
  await reachable(laptop, phone);
  await waitFor(() => laptop.trust.relation(phone.mesh.id) === 'own', 2000, 'the laptop to know the phone');
  await expect(within(phone.mesh.node.ref(laptop.safe.id, Safe).call('open', {}))).resolves.toBe("laptop's gold");
  expect(laptop.trust.ownDevices().map((known) => known.name).sort()).toEqual(['laptop', 'nas', 'phone']);
});

test('a removed device is cut off on every node: its links drop, its requests are denied', async () => {
  const alice = user();
  const [laptop, nas, phone] = [device(alice, 'laptop', { roles: ['admin'] }), device(alice, 'nas'), device(alice, 'phone')];
  await link(laptop, nas);
  await link(nas, phone);
  await reachable(laptop, phone);
  await waitFor(() => laptop.trust.relation(phone.mesh.id) === 'own', 2000, 'the laptop to know the phone');

  const started = Date.now();
  laptop.trust.remove(removeDevice(alice.id, phone.mesh.id, Date.now(), laptop.identity, laptop.certificate));
  await waitFor(() => nas.trust.isRemoved(phone.mesh.id) && phone.mesh.router.neighbours().length === 0, 2000, 'the nas to drop the phone');
  expect(Date.now() - started).toBeLessThan(2000);
  expect(laptop.trust.relation(phone.mesh.id)).toBe('stranger');
});
