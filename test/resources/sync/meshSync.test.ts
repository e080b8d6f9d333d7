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
import { syncServiceKind, syncServiceName, SyncServiceInterface } from '../../../src/resources/sync/service.js';
import { meshed, testUser, useDevices, type TestDevice } from '../../helpers/userMeshes.js';
import { waitFor } from '../../helpers/waitFor.js';

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

/** A device with the sync kinds and its sync service running. */
async function syncDevice(owner: ReturnType<typeof testUser>, name: string): Promise<TestDevice & { folder: string }> {
  const d = device(owner, name);
  d.node.registerKind(createSyncKind({ deviceName: name, pollMs: 200, folder: { watch: true } }));
  d.node.registerKind(syncServiceKind);
  d.node.registerKind(channelKind);
  await d.node.spawn('syncd', { file: join(await tempDir(`${name}-home`), 'sync.json') });
  return { ...d, folder: await tempDir(name) };
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

  const events = subscribeChannel(phone.node, eventsName('docs', phone.id));
  const first = events.next();
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
  const announced = await Promise.race([first, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no conflict announced')), 10_000))]);
  expect(announced.value).toMatchObject({ message: { event: 'conflict', folder: 'docs', copy: copies[0], from: 'laptop' } });
  await events.return?.();
  expect((await phoneReplica.call('status', {})).conflicts).toEqual(copies);
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
