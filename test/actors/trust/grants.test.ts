/**
 * Sharing with another user (src/actors/trust/grants.ts): a friend reaches a resource only
 * through a signed grant the holder keeps, within the grant's abilities and path; expired,
 * forged, widened and revoked grants are refused, and a revocation reaches a 20-node mesh fast.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatResourceId, type ResourceId } from '../../../src/firefly/address.js';
import { grantId, issueGrant, type Grant, type GrantFields } from '../../../src/actors/trust/grant.js';
import { revokeGrant } from '../../../src/actors/trust/grantRevocation.js';
import { removeDevice } from '../../../src/actors/trust/deviceRemoval.js';
import { createFsKind, FileSystemInterface } from '../../../src/resources/fs/index.js';
import { rejection, within } from '../helpers.js';
import { waitFor } from '../../helpers/waitFor.js';
import { link, reachable, Safe, useDevices, user, type Device, type User } from './helpers.js';

const device = useDevices();
const DAY = 86_400_000;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** An export named `docs` on `owner`'s device, holding 2026/x.txt and 2025/y.txt. */
async function exportDocs(owner: Device): Promise<ResourceId> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'glow-grants-')));
  dirs.push(root);
  await mkdir(join(root, '2026'));
  await mkdir(join(root, '2025'));
  await writeFile(join(root, '2026', 'x.txt'), 'this year');
  await writeFile(join(root, '2025', 'y.txt'), 'last year');
  owner.mesh.node.registerKind(createFsKind());
  const fs = await within(owner.mesh.node.spawn('fs', { root }), 5000, 'spawning fs');
  owner.mesh.node.register('docs', fs);
  return fs.id;
}

/** A grant from `from` (signed by `by`, one of its devices) to `to`. */
function grant(from: User, by: Device, to: User, overrides: Partial<GrantFields> = {}): Grant {
  const fields: GrantFields = { issuer: from.id, audience: { user: to.id }, subject: { name: 'docs' }, abilities: { access: 'read' }, notBefore: Date.now() - 1000, expires: Date.now() + DAY, nonce: `${Math.random()}`, ...overrides };
  return issueGrant(fields, by.identity, by.certificate);
}

async function friends(a: Device, b: Device): Promise<void> {
  await link(a, b);
  await reachable(a, b);
  await waitFor(() => a.trust.relation(b.mesh.id) === 'friend' && b.trust.relation(a.mesh.id) === 'friend', 2000, 'the friends to know each other');
}

function reason(error: { details?: unknown }): string | undefined {
  return (error.details as { reason?: string } | undefined)?.reason;
}

test('with a read grant on docs/2026 a friend reads inside it; outside it and writes are denied', async () => {
  const [alice, bob] = [user(), user()];
  const laptop = device(alice, 'laptop', { friends: [bob] });
  const bobs = device(bob, 'bobs-laptop', { friends: [alice] });
  const docs = await exportDocs(laptop);
  await friends(laptop, bobs);
  const fs = bobs.mesh.node.ref(docs, FileSystemInterface);

  // No grant: nothing, not even the list of the export's root.
  expect(reason(await rejection(fs.call('read', { path: '2026/x.txt' })))).toBe('no grant gives this user access to this resource');

  const given = grant(alice, laptop, bob, { subject: { name: 'docs', path: '2026' } });
  laptop.trust.grants.add(given);
  // The grant reaches bob's device as well (it is the audience): `glow grants` there lists it.
  await waitFor(() => bobs.trust.grants.find(grantId(given)) !== undefined, 2000, 'bob to hold the grant');

  expect(new TextDecoder().decode(await within(fs.call('read', { path: '2026/x.txt' })))).toBe('this year');
  expect(await within(fs.call('stat', { path: '2026/x.txt' }))).toMatchObject({ type: 'file' });
  for (const call of [fs.iterate('readStream', { path: '2025/y.txt' }).next(), fs.call('read', { path: '2025/y.txt' }), fs.call('read', { path: '2026/../2025/y.txt' }), fs.call('list', { path: '' })]) {
    const error = await rejection(call);
    expect([error.code, reason(error)]).toEqual(['denied', 'outside the path the grant covers']);
  }
  for (const call of [fs.call('write', { path: '2026/x.txt', data: new Uint8Array([1]), ifVersion: null }), fs.call('remove', { path: '2026/x.txt' })]) {
    expect(reason(await rejection(call))).toBe('the grant allows reading only');
  }
  // The export's process members that change something (terminate) need write as well.
  expect(reason(await rejection(bobs.mesh.node.ref(docs).call('terminate' as never, {} as never)))).toBe('the grant allows reading only');
  // The grant names docs; the safe beside it stays closed.
  expect(reason(await rejection(bobs.mesh.node.ref(laptop.safe.id, Safe).call('open', {})))).toBe('no grant gives this user access to this resource');
});

test('an expired grant, a forged one and a delegation wider than its parent are refused', async () => {
  const [alice, bob, carol] = [user(), user(), user()];
  let clock = Date.now();
  const laptop = device(alice, 'laptop', { friends: [bob, carol], trust: { wallClock: () => clock } });
  const bobs = device(bob, 'bobs-laptop', { friends: [alice, carol] });
  const carols = device(carol, 'carols-phone', { friends: [alice, bob] });
  const docs = await exportDocs(laptop);
  await friends(laptop, bobs);
  await friends(laptop, carols);
  const asBob = bobs.mesh.node.ref(docs, FileSystemInterface);

  const short = grant(alice, laptop, bob, { expires: clock + 60_000 });
  laptop.trust.grants.add(short);
  await expect(within(asBob.call('stat', { path: '2025/y.txt' }))).resolves.toMatchObject({ type: 'file' });
  clock += 61_000;
  expect(reason(await rejection(asBob.call('stat', { path: '2025/y.txt' })))).toBe('the grant expired');

  // Bob signs "alice lets bob write" himself and hands it over: the laptop keeps nothing of it.
  const forged = { ...grant(alice, laptop, bob), abilities: { access: 'write' as const } };
  expect(laptop.trust.grants.add(forged)).toEqual({ refused: 'grant signature does not verify' });
  expect(reason(await rejection(asBob.call('write', { path: 'f', data: new Uint8Array([1]), ifVersion: null })))).toBe('the grant expired');

  // Alice lets bob read and pass it on; bob passes it to carol, narrower: carol reads.
  const root = grant(alice, laptop, bob, { delegate: true, expires: clock + DAY, notBefore: clock - 1000 });
  laptop.trust.grants.add(root);
  await waitFor(() => bobs.trust.grants.find(grantId(root)) !== undefined, 2000, 'bob to hold the grant');
  const delegated = issueGrant({ issuer: bob.id, audience: { user: carol.id }, subject: { name: 'docs', path: '2026' }, abilities: { access: 'read' }, notBefore: clock, expires: clock + DAY / 2, nonce: 'd', parent: root }, bobs.identity, bobs.certificate);
  bobs.trust.grants.add(delegated);
  await waitFor(() => laptop.trust.grants.find(grantId(delegated)) !== undefined, 2000, 'the laptop to hold the delegated grant');
  const asCarol = carols.mesh.node.ref(docs, FileSystemInterface);
  await expect(within(asCarol.call('stat', { path: '2026/x.txt' }))).resolves.toMatchObject({ type: 'file' });
  expect(reason(await rejection(asCarol.call('stat', { path: '2025/y.txt' })))).toBe('outside the path the grant covers');

  // A hostile bob widens carol's grant to write past issueGrant's check: the holder refuses it.
  const wider = { ...delegated, abilities: { access: 'write' as const }, nonce: 'w' };
  expect(laptop.trust.grants.add(wider)).toEqual({ refused: 'a delegated grant allows more than its parent' });
  expect(reason(await rejection(asCarol.call('write', { path: '2026/x.txt', data: new Uint8Array([1]), ifVersion: null })))).toBe('the grant allows reading only');
});

test('a revocation and a device removal take effect on all 20 nodes of a mesh within 2 s', async () => {
  const [alice, bob] = [user(), user()];
  const devices = Array.from({ length: 19 }, (_, i) => device(alice, `device-${i}`, { friends: [bob], roles: i === 0 ? ['admin'] : ['member'] }));
  const bobs = device(bob, 'bobs-laptop', { friends: [alice] });
  const all = [...devices, bobs];
  // A binary tree: node i hangs under node (i-1)/2; bob's device under the last of alice's.
  for (let i = 1; i < all.length; i++) await link(all[Math.floor((i - 1) / 2)]!, all[i]!);
  const far = devices[18]!;
  await reachable(bobs, devices[0]!, 20_000);
  await waitFor(
    () => all.every((a) => all.every((b) => a === b || a.trust.deviceOf(b.mesh.id) !== undefined)),
    20_000,
    () => `every node to know every device (${all.flatMap((a) => all.filter((b) => a !== b && !a.trust.deviceOf(b.mesh.id)).map((b) => `${a.name}→${b.name}${a.mesh.router.isReachable(b.mesh.id) ? '' : ' unreachable'}`)).join(', ')})`,
  );

  const given = grant(alice, devices[0]!, bob, { subject: { resource: formatResourceId(far.safe.id) }, abilities: { methods: ['open'] } });
  devices[0]!.trust.grants.add(given);
  await waitFor(() => all.every((d) => d.trust.grants.find(grantId(given)) !== undefined), 2000, 'every device of alice and bob to hold the grant');
  const safe = bobs.mesh.node.ref(far.safe.id, Safe);
  await expect(within(safe.call('open', {}))).resolves.toBe('device-18\'s gold');

  let started = Date.now();
  devices[7]!.trust.grants.revoke(revokeGrant(grantId(given), alice.id, Date.now(), devices[7]!.identity, devices[7]!.certificate));
  await waitFor(() => all.every((d) => d.trust.grants.isRevoked(d.trust.grants.find(grantId(given))!)), 2000, 'all 20 nodes to know the revocation');
  const revocationMs = Date.now() - started;
  expect(revocationMs).toBeLessThan(2000);
  const denied = await rejection(safe.call('open', {}));
  expect([denied.code, reason(denied)]).toEqual(['denied', 'the grant was revoked']);

  started = Date.now();
  const removed = devices[12]!;
  devices[0]!.trust.remove(removeDevice(alice.id, removed.mesh.id, Date.now(), devices[0]!.identity, devices[0]!.certificate));
  await waitFor(() => all.every((d) => d === removed || d.trust.isRemoved(removed.mesh.id)), 2000, 'all nodes to know the removal');
  expect(Date.now() - started).toBeLessThan(2000);
  expect((await rejection(removed.mesh.node.ref(devices[0]!.safe.id, Safe).call('open', {}))).code).toMatch(/denied|noconnection/);
}, 60_000);

test('a grant on a name that ends with / covers every resource named under it, and nothing beside it', async () => {
  const [alice, bob] = [user(), user()];
  const laptop = device(alice, 'laptop', { friends: [bob] });
  const bobs = device(bob, 'bobs-laptop', { friends: [alice] });
  await friends(laptop, bobs);
  const named = (name: string) => {
    const safe = laptop.node.spawnResource({ iface: Safe, handlers: { open: () => name } });
    laptop.node.register(name, safe);
    return bobs.mesh.node.ref(safe.id, Safe);
  };
  const [one, bare, beside] = ['sync/docs/one', 'sync/docs', 'sync/docsx/one'].map(named);
  laptop.trust.grants.add(grant(alice, laptop, bob, { subject: { name: 'sync/docs/' }, abilities: { access: 'write' } }));
  await waitFor(() => bobs.trust.grants.list().length === 1, 2000, 'bob to hold the grant');
  expect(await within(one!.call('open', {}))).toBe('sync/docs/one');
  // A resource named under the prefix after the grant was given is covered too.
  expect(await within(named('sync/docs/two').call('open', {}))).toBe('sync/docs/two');
  for (const ref of [bare!, beside!, bobs.mesh.node.ref(laptop.safe.id, Safe)]) {
    expect(reason(await rejection(ref.call('open', {})))).toBe('no grant gives this user access to this resource');
  }
});
