/**
 * Replicas on an in-process mesh of one user's devices, through the real kinds, services, links
 * and trust: the laptop → phone → workstation story, and who is refused.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Link } from '../../../src/transport/link.js';
import { memoryChannelPair } from '../../../src/transport/memoryChannel.js';
import { SyncFolderInterface } from '../../../src/resources/sync/interface.js';
import { channelKind } from '../../../src/resources/channel/index.js';
import { subscribeChannel } from '../../../src/resources/channel/subscribeChannel.js';
import { createSyncKind, eventsName, replicaName } from '../../../src/resources/sync/kind.js';
import { createSyncServiceKind, syncServiceName, SyncServiceInterface } from '../../../src/resources/sync/service.js';
import { grantId, issueGrant, type Grant } from '../../../src/actors/trust/grant.js';
import { revokeGrant } from '../../../src/actors/trust/grantRevocation.js';
import { meshed, testUser, useDevices, type DeviceOptions, type TestDevice, type TestUser } from '../../helpers/userMeshes.js';
import { waitFor, within } from '../../helpers/waitFor.js';

const device = useDevices();
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `glow-mesh-sync-${name}-`));
  dirs.push(dir);
  return dir;
}

/** A device with the sync kinds and its sync service running; it grants friends' folders back as a daemon does (signed with its user's key). */
async function syncDevice(owner: ReturnType<typeof testUser>, name: string, options: DeviceOptions = {}): Promise<TestDevice & { folder: string }> {
  const d = device(owner, name, options);
  d.node.registerKind(createSyncKind({ deviceName: name, pollMs: 200, folder: { watch: true } }));
  d.node.registerKind(
    createSyncServiceKind({
      grantBack: async (user, prefix) => {
        d.trust.grants.add(folderGrant(owner, user, prefix));
      },
    }),
  );
  d.node.registerKind(channelKind);
  await d.node.spawn('syncd', { file: join(await tempDir(`${name}-home`), 'sync.json') });
  return { ...d, folder: await tempDir(name) };
}

/** `owner`'s grant to `user` of write on every resource named `prefix…`, for a day. */
function folderGrant(owner: TestUser, user: string, prefix: string): Grant {
  return issueGrant({ issuer: owner.id, audience: { user }, subject: { name: prefix }, abilities: { access: 'write' }, notBefore: Date.now() - 1000, expires: Date.now() + 86_400_000, delegate: false, nonce: prefix }, owner.key);
}

const service = (d: TestDevice) => d.node.lookup(syncServiceName(d.id), SyncServiceInterface);

async function link(a: TestDevice, b: TestDevice): Promise<() => Promise<void>> {
  const [channelA, channelB] = memoryChannelPair();
  const links: Link[] = await Promise.all([a.mesh.linkChannel(channelA, b.id), b.mesh.linkChannel(channelB, a.id)]);
  await meshed(a, b);
  return async () => {
    await Promise.all(links.map((l) => l.close('test cut')));
    await waitFor(() => !a.mesh.router.isReachable(b.id) && !b.mesh.router.isReachable(a.id), 5000, 'the cut to show');
  };
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string, prefix: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (entry.name.startsWith('.glow-')) continue;
      if (entry.isDirectory()) await walk(join(at, entry.name), `${prefix}${entry.name}/`);
      else out[`${prefix}${entry.name}`] = await readFile(join(at, entry.name), 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}

async function same(a: string, b: string, timeout: number, what: string): Promise<void> {
  let last = '';
  await waitFor(
    async () => {
      const [x, y] = [await snapshot(a), await snapshot(b)];
      last = `${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
      return JSON.stringify(x) === JSON.stringify(y);
    },
    timeout,
    () => `${what}: ${last}`,
    50,
  );
}

test('the workstation ends identical to the laptop through the phone, never meeting the laptop', async () => {
  const me = testUser();
  const [laptop, phone, workstation] = [await syncDevice(me, 'laptop'), await syncDevice(me, 'phone'), await syncDevice(me, 'workstation')];
  await mkdir(join(laptop.folder, 'notes'));
  await writeFile(join(laptop.folder, 'notes/plan.txt'), 'v1');
  await writeFile(join(laptop.folder, 'photo.jpg'), 'pixels');
  await service(laptop).call('add', { root: laptop.folder, name: 'docs' });

  const cutLaptopPhone = await link(laptop, phone);
  await waitFor(() => phone.node.directory.whereis(replicaName('docs', laptop.id)) !== undefined, 5000, 'the laptop’s replica name to reach the phone');
  await service(phone).call('join', { root: phone.folder, name: 'docs' });
  await same(laptop.folder, phone.folder, 10_000, 'phone to catch up with laptop');
  await cutLaptopPhone();

  const cutPhoneWorkstation = await link(phone, workstation);
  await waitFor(() => workstation.node.directory.whereis(replicaName('docs', phone.id)) !== undefined, 5000, 'the phone’s replica name to reach the workstation');
  await service(workstation).call('join', { root: workstation.folder, name: 'docs' });
  await same(phone.folder, workstation.folder, 10_000, 'workstation to catch up with phone');
  await cutPhoneWorkstation();

  // The workstation is off; the laptop works.
  await writeFile(join(laptop.folder, 'notes/plan.txt'), 'v2 from the laptop');
  await writeFile(join(laptop.folder, 'notes/new.txt'), 'new');
  await rm(join(laptop.folder, 'photo.jpg'));
  const again = await link(laptop, phone);
  await same(laptop.folder, phone.folder, 10_000, 'phone to carry the laptop’s edits');
  await again();
  await link(phone, workstation);
  await same(laptop.folder, workstation.folder, 10_000, 'workstation to end identical to the laptop');
  expect(await snapshot(workstation.folder)).toEqual({ 'notes/new.txt': 'new', 'notes/plan.txt': 'v2 from the laptop' });

  const status = await workstation.node.lookup(replicaName('docs', workstation.id), SyncFolderInterface).call('status', {});
  expect(status).toMatchObject({ name: 'docs', files: 2, conflicts: [] });
  expect(status.peers.map((peer) => peer.device).sort()).toEqual(['laptop', 'phone']);
}, 60_000);

test('a node with no replica is denied; a replica may introduce only itself; a removed replica gets nothing more', async () => {
  const me = testUser();
  const [laptop, phone, tablet] = [await syncDevice(me, 'laptop'), await syncDevice(me, 'phone'), await syncDevice(me, 'tablet')];
  await writeFile(join(laptop.folder, 'a.txt'), 'a');
  await service(laptop).call('add', { root: laptop.folder, name: 'docs' });
  await link(laptop, phone);
  await link(laptop, tablet);
  const replica = (from: TestDevice) => from.node.lookup(replicaName('docs', laptop.id), SyncFolderInterface);
  // The tablet calls the laptop's replica by name: once its directory has it (a sync trails the link).
  await waitFor(() => tablet.node.directory.whereis(replicaName('docs', laptop.id)) !== undefined, 5000, 'the name to reach the tablet');

  await expect(replica(tablet).call('changes', { since: 0 })).rejects.toMatchObject({ code: 'denied', details: { reason: 'notmember' } });
  await expect(replica(tablet).call('block', { hash: 'a'.repeat(64) })).rejects.toMatchObject({ code: 'denied' });
  const forged = { replica: 'forged', ref: replicaName('docs', phone.id), node: phone.id, device: 'phone', removed: false };
  await expect(replica(tablet).call('hello', { member: forged, members: [] })).rejects.toMatchObject({ code: 'denied', details: { reason: 'impersonation' } });
  await expect(replica(tablet).call('reconcile', { message: ['junk'] })).rejects.toMatchObject({ code: 'denied' });

  await waitFor(() => phone.node.directory.whereis(replicaName('docs', laptop.id)) !== undefined, 5000, 'the name to reach the phone');
  await service(phone).call('join', { root: phone.folder, name: 'docs' });
  await same(laptop.folder, phone.folder, 10_000, 'phone to join');
  // Malformed reconciliation from a member: badarg, and the replica goes on.
  await expect(replica(phone).call('reconcile', { message: ['junk'] })).rejects.toMatchObject({ code: 'badarg' });

  await service(laptop).call('remove', { name: 'docs', node: phone.id });
  await expect(replica(phone).call('changes', { since: 0 })).rejects.toMatchObject({ code: 'denied' });
  await writeFile(join(laptop.folder, 'after.txt'), 'not for the phone');
  await replica(laptop).call('rescan', {});
  const members = await replica(laptop).call('members', {});
  expect(members.find((member) => member.node === phone.id)).toMatchObject({ removed: true });
  // The phone's own replica was stopped by its service; its files stay as they were.
  await waitFor(() => phone.node.directory.whereis(replicaName('docs', phone.id)) === undefined, 5000, 'the phone’s replica to stop');
  expect(Object.keys(await snapshot(phone.folder))).toEqual(['a.txt']);
}, 60_000);

test('concurrent edits make one conflict copy, announced on the replica’s events channel and counted in its status', async () => {
  const me = testUser();
  const [laptop, phone] = [await syncDevice(me, 'laptop'), await syncDevice(me, 'phone')];
  await writeFile(join(laptop.folder, 'plan.txt'), 'base');
  await service(laptop).call('add', { root: laptop.folder, name: 'docs' });
  const cut = await link(laptop, phone);
  await waitFor(() => phone.node.directory.whereis(replicaName('docs', laptop.id)) !== undefined, 5000, 'the name to reach the phone');
  await service(phone).call('join', { root: phone.folder, name: 'docs' });
  await same(laptop.folder, phone.folder, 10_000, 'phone joins');
  await cut();

  // Whichever replica meets the other's edit first makes the copy and announces it on its own
  // channel; the other then takes the copy as a plain file. Both channels are listened to.
  const channels = [phone, laptop].map((device) => ({ device, events: subscribeChannel(device.node, eventsName('docs', device.id)) }));
  const first = Promise.race(channels.map(({ device, events }) => events.next().then((next) => ({ by: device, next }))));
  await writeFile(join(laptop.folder, 'plan.txt'), 'laptop edit, later');
  await writeFile(join(phone.folder, 'plan.txt'), 'phone edit');
  const past = new Date(Date.now() - 60_000);
  await utimes(join(phone.folder, 'plan.txt'), past, past);
  const phoneReplica = phone.node.lookup(replicaName('docs', phone.id), SyncFolderInterface);
  const laptopReplica = laptop.node.lookup(replicaName('docs', laptop.id), SyncFolderInterface);
  await phoneReplica.call('rescan', {});
  await laptopReplica.call('rescan', {});
  await link(laptop, phone);
  await same(laptop.folder, phone.folder, 10_000, 'both sides converge');
  const files = await snapshot(phone.folder);
  const copies = Object.keys(files).filter((path) => path.includes('.sync-conflict-'));
  expect(copies).toHaveLength(1);
  expect(files[copies[0]!]).toBe('phone edit');
  expect(files['plan.txt']).toBe('laptop edit, later');
  const announced = await within(first, 10_000, 'no conflict announced');
  const other = announced.by === phone ? 'laptop' : 'phone';
  expect(announced.next.value).toMatchObject({ message: { event: 'conflict', folder: 'docs', copy: copies[0], from: other } });
  for (const { events } of channels) await events.return?.();
  expect((await phoneReplica.call('status', {})).conflicts).toEqual(copies);
  expect((await laptopReplica.call('status', {})).conflicts).toEqual(copies);
}, 60_000);

test('a join whose first replica does not answer yet introduces itself again until it does', async () => {
  const me = testUser();
  const [laptop, phone] = [await syncDevice(me, 'laptop'), await syncDevice(me, 'phone')];
  await link(laptop, phone);
  await writeFile(join(laptop.folder, 'a.txt'), 'from the laptop');
  // The phone joins through the laptop's replica before it runs (busy, or not started yet).
  await phone.node.spawn('sync', { root: phone.folder, folder: 'folder-x', name: 'docs', from: replicaName('docs', laptop.id) });
  await laptop.node.spawn('sync', { root: laptop.folder, folder: 'folder-x', name: 'docs' });
  await same(laptop.folder, phone.folder, 10_000, 'the phone to be introduced and catch up');
  const members = await laptop.node.lookup(replicaName('docs', laptop.id), SyncFolderInterface).call('members', {});
  expect(members.map((member) => member.device).sort()).toEqual(['laptop', 'phone']);
}, 30_000);

test('a friend granted a folder replicates it both ways with every device of its owner; without the grant, or once it is revoked, the friend is denied and no longer pulled from', async () => {
  const [alice, bob] = [testUser(), testUser()];
  const laptop = await syncDevice(alice, 'laptop', { friends: [{ user: bob, handle: 'bob' }] });
  const desk = await syncDevice(alice, 'desk', { friends: [{ user: bob, handle: 'bob' }] });
  const bobs = await syncDevice(bob, 'bobs-pc', { friends: [{ user: alice, handle: 'alice' }] });
  await writeFile(join(laptop.folder, 'plan.txt'), 'from alice');
  await service(laptop).call('add', { root: laptop.folder, name: 'docs' });
  await link(laptop, desk);
  await waitFor(() => desk.node.directory.whereis(replicaName('docs', laptop.id)) !== undefined, 5000, 'the laptop’s replica name to reach the desk');
  await service(desk).call('join', { root: desk.folder, name: 'docs' });
  await same(laptop.folder, desk.folder, 10_000, 'desk to catch up');
  await link(laptop, bobs);
  await waitFor(() => bobs.node.directory.whereis(`alice/${replicaName('docs', laptop.id)}`) !== undefined, 5000, 'alice’s replica name to reach bob');

  // No grant: bob's device reads nothing of the folder, and cannot join it.
  const laptopReplica = bobs.node.named(`alice/${replicaName('docs', laptop.id)}`, SyncFolderInterface);
  await expect(laptopReplica.call('changes', { since: 0 })).rejects.toMatchObject({ code: 'denied' });
  await expect(service(bobs).call('join', { root: bobs.folder, name: 'alice/docs' })).rejects.toMatchObject({ code: 'noproc' });

  // Granted on every replica of docs (`sync/docs/`): bob joins, and gets what alice has.
  const grant = folderGrant(alice, bob.id, 'sync/docs/');
  laptop.trust.grants.add(grant);
  await waitFor(() => desk.trust.grants.list().length > 0 && bobs.trust.grants.list().length > 0, 5000, 'the grant to spread');
  await service(bobs).call('join', { root: bobs.folder, name: 'alice/docs', as: 'alices-docs' });
  await same(laptop.folder, bobs.folder, 10_000, 'bob to catch up with alice');
  // bob's edit reaches both of alice's devices (the desk through the laptop, which relays it),
  // and an edit on alice's desk reaches bob: both ways, through bob's grant back.
  await writeFile(join(bobs.folder, 'from-bob.txt'), 'hi alice');
  await same(bobs.folder, desk.folder, 10_000, 'bob’s edit to reach alice’s desk');
  await writeFile(join(desk.folder, 'plan.txt'), 'edited on the desk');
  await same(desk.folder, bobs.folder, 10_000, 'the desk’s edit to reach bob');
  expect(await snapshot(bobs.folder)).toEqual({ 'from-bob.txt': 'hi alice', 'plan.txt': 'edited on the desk' });
  // bob's replica is a member, as bob's own device; alice's members are believed about themselves only.
  const members = await laptop.node.lookup(replicaName('docs', laptop.id), SyncFolderInterface).call('members', {});
  expect(members.find((member) => member.node === bobs.id)).toMatchObject({ device: 'bobs-pc', user: bob.id, ref: replicaName('alices-docs', bobs.id), removed: false });
  const bobsMembers = await bobs.node.lookup(replicaName('alices-docs', bobs.id), SyncFolderInterface).call('members', {});
  expect(bobsMembers.filter((member) => member.user === alice.id).map((member) => member.device).sort()).toEqual(['desk', 'laptop']);

  // Revoked: bob's device is denied by every replica of alice's from then on.
  laptop.trust.grants.revoke(revokeGrant(grantId(grant), alice.id, Date.now(), alice.key));
  const deskReplica = bobs.node.named(`alice/${replicaName('docs', desk.id)}`, SyncFolderInterface);
  const refused = async () => (await Promise.all([laptopReplica, deskReplica].map((ref) => ref.call('changes', { since: 0 }).then(() => 'ok', (error: { code?: string }) => error.code)))).every((code) => code === 'denied');
  await waitFor(refused, 5000, 'the revocation to reach both of alice’s devices');
  // And alice's replicas no longer pull from bob's: it shows as not granted in their status.
  for (const d of [laptop, desk]) {
    const { peers } = await d.node.lookup(replicaName('docs', d.id), SyncFolderInterface).call('status', {});
    expect(peers.find((peer) => peer.node === bobs.id)).toMatchObject({ granted: false, removed: false });
    expect(peers.filter((peer) => peer.node !== bobs.id).every((peer) => peer.granted)).toBe(true);
  }
}, 60_000);
