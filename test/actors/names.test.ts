/**
 * Names in users' namespaces (src/actors/trust/userNameSpace.ts, issue 12 point 5): `HANDLE/rest`,
 * claimed only by the namespace's user's devices, never shadowing an id, settled by clocks no
 * other user takes part in.
 */
import * as v from 'valibot';
import { defineInterface, method } from '../../src/index.js';
import { DirectoryInterface, DIRECTORY_RESOURCE } from '../../src/actors/directory.js';
import { formatResourceId } from '../../src/firefly/address.js';
import { linkDevices, meshed, testUser, useDevices } from '../helpers/userMeshes.js';
import { waitFor } from '../helpers/waitFor.js';
import { within } from './helpers.js';

const Named = defineInterface('test.Named/1', { who: method(v.object({}), v.string()) });
const device = useDevices();

/** Alice (laptop, phone) and her friend Bob (one device), who calls her `alice`; all linked. */
async function aliceAndBob() {
  const [alice, bob] = [testUser(), testUser()];
  const laptop = device(alice, 'laptop', { handle: 'alice', friends: [{ user: bob, handle: 'bob' }] });
  const phone = device(alice, 'phone', { handle: 'alice', friends: [{ user: bob, handle: 'bob' }] });
  const bobs = device(bob, 'bobs', { handle: 'bob', friends: [{ user: alice, handle: 'alice' }] });
  await linkDevices(laptop, phone);
  await linkDevices(laptop, bobs);
  await meshed(laptop, phone, bobs);
  const serve = (on: typeof laptop, answer: string) => on.node.spawnResource({ iface: Named, handlers: { who: () => answer } });
  return { alice, bob, laptop, phone, bobs, serve };
}

test("a bare name is its user's: `docs` on Alice's laptop is `docs` on her phone and `alice/docs` for Bob", async () => {
  const { laptop, phone, bobs, serve } = await aliceAndBob();
  const docs = serve(laptop, "alice's docs");
  laptop.node.register('docs', docs);
  await waitFor(() => bobs.node.whereis('alice/docs') !== undefined && phone.node.whereis('docs') !== undefined, 2000, 'the name to spread');
  expect(phone.node.whereis('alice/docs')).toEqual(docs.id);
  expect(bobs.node.whereis('alice/docs')).toEqual(docs.id);
  // For Bob, a bare name is his own: Alice's docs are not his.
  expect(bobs.node.whereis('docs')).toBeUndefined();
  expect(bobs.node.directory.list()).toEqual([expect.objectContaining({ name: 'alice/docs', id: docs.toString(), node: laptop.id })]);
  expect(phone.node.directory.list()).toEqual([expect.objectContaining({ name: 'docs', id: docs.toString() })]);
  await expect(within(phone.node.lookup('glow://alice/docs', Named).call('who', {}))).resolves.toBe("alice's docs");
});

test('one name in two namespaces names two resources, each in its own', async () => {
  const { laptop, bobs, serve } = await aliceAndBob();
  const [hers, his] = [serve(laptop, 'hers'), serve(bobs, 'his')];
  laptop.node.register('docs', hers);
  bobs.node.register('docs', his);
  await waitFor(() => laptop.node.whereis('bob/docs') !== undefined && bobs.node.whereis('alice/docs') !== undefined, 2000, 'both names to spread');
  expect([laptop.node.whereis('docs'), laptop.node.whereis('bob/docs')]).toEqual([hers.id, his.id]);
  expect([bobs.node.whereis('docs'), bobs.node.whereis('alice/docs')]).toEqual([his.id, hers.id]);
});

test("no device registers a name in another user's namespace", async () => {
  const { bobs, serve } = await aliceAndBob();
  expect(() => bobs.node.register('alice/docs', serve(bobs, 'fake'))).toThrow(expect.objectContaining({ code: 'denied', details: { reason: 'namespace of another user' } }));
});

test("a friend's forged claim on a name of Alice's, with the earliest clock there is, is refused by her replica", async () => {
  const { alice, laptop, phone, bobs, serve } = await aliceAndBob();
  const docs = serve(laptop, "alice's docs");
  laptop.node.register('docs', docs);
  await waitFor(() => phone.node.whereis('docs') !== undefined, 2000, 'the name to spread');
  const fake = serve(bobs, 'fake');
  const forged = { full: false, entries: [{ name: `${alice.id}/docs`, id: fake.toString(), registered: 0 }], removed: [] };
  // To the laptop, Bob's neighbour (the laptop would not relay Bob's traffic to the phone anyway).
  bobs.node.ref({ node: laptop.id, local: DIRECTORY_RESOURCE }, DirectoryInterface).cast('sync', forged);
  await waitFor(() => laptop.node.directory.refusedClaims === 1, 2000, 'the forged claim to arrive');
  expect(laptop.node.whereis('docs')).toEqual(docs.id);
  expect(phone.node.whereis('docs')).toEqual(docs.id);
  expect(laptop.node.isAlive(docs)).toBe(true);
});

test('a name that reads as a resource or node id is refused, and such text always resolves as the id', async () => {
  const { alice, laptop, phone, serve } = await aliceAndBob();
  const target = serve(laptop, 'target');
  const decoy = serve(phone, 'decoy');
  for (const name of [`${laptop.id}/${target.id.local}`, laptop.id, phone.id, `glow://${laptop.id}/x`, `${phone.id}/x/y`]) {
    expect(() => phone.node.register(name, decoy)).toThrow(expect.objectContaining({ code: 'denied' }));
  }
  // Names travel as `USERID/rest`, but a user id reads as a key, so typing that form is no way around the rule.
  expect(() => phone.node.register(`${alice.id}/docs`, decoy)).toThrow(expect.objectContaining({ code: 'denied' }));
  await expect(within(phone.node.lookup(`${laptop.id}/${target.id.local}`, Named).call('who', {}))).resolves.toBe('target');
});

test('a user with no handle here is read by a prefix of the user id', async () => {
  const [alice, carol] = [testUser(), testUser()];
  const laptop = device(alice, 'laptop', { friends: [{ user: carol }] });
  const carols = device(carol, 'carols', { friends: [{ user: alice }] });
  await linkDevices(laptop, carols);
  await meshed(laptop, carols);
  const photos = carols.node.spawnResource({ iface: Named, handlers: { who: () => 'carol' } });
  carols.node.register('photos', photos);
  const prefix = carol.id.slice(0, 8);
  await waitFor(() => laptop.node.whereis(`${prefix}/photos`) !== undefined, 2000, 'the name to spread');
  expect(laptop.node.directory.list()).toEqual([expect.objectContaining({ name: `${prefix}/photos`, id: formatResourceId(photos.id) })]);
  // Carol's own default handle is the same prefix: her names read the same on her devices.
  expect(carols.node.whereis(`${prefix}/photos`)).toEqual(photos.id);
  expect(laptop.node.whereis(`${carol.id.slice(0, 5)}/photos`)).toBeUndefined();
});
