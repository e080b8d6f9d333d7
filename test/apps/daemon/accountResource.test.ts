/**
 * `glow.Account/1` on a real daemon, called over the mesh by in-process devices linked to it by
 * WebSocket (as a phone's tab that paired by link is): a member device of the user gets the
 * devices, grants and the daemon's whoami, and is `denied` `invite` and `removeDevice` (not an
 * admin device, although the daemon holds the user key); an admin device may invite and remove,
 * and log a browser in to the gateway;
 * a friend's device is refused at the door (no grant), and even a grant naming the resource gives
 * it nothing. Run under netguard: everything is on 127.0.0.1.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACCOUNT_RESOURCE, AccountInterface } from '../../../apps/daemon/accountInterface.js';
import { Mesh } from '../../../src/actors/mesh.js';
import { Trust } from '../../../src/actors/trust/trust.js';
import type { DeviceRole } from '../../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../../src/transport/identity.js';
import { createNodeWebSocket } from '../../../src/transport/websocketServer.js';
import { certify, TEST_USER } from '../../helpers/users.js';
import { waitFor } from '../../helpers/waitFor.js';
import { DaemonProcess, removeHomes, stopAll, tempHome } from './helpers.js';

/** Bob: a friend of the test user, with no grant. */
const BOB = createIdentity();
const STEP = 10_000;

let a: DaemonProcess;
beforeAll(async () => {
  const home = await tempHome({ name: 'desk' });
  await writeFile(join(home, 'trust.json'), JSON.stringify({ version: 1, friends: [{ user: BOB.id, handle: 'bob' }], removals: [] }));
  a = await DaemonProcess.start({ home });
}, 30_000);
afterAll(async () => {
  await stopAll([a]);
  await removeHomes();
});

const meshes: Mesh[] = [];
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
});

/** A device of `user` (the test user by default) with `roles`, linked to the daemon and reaching it. */
async function device(roles: DeviceRole[], user: NodeIdentity = TEST_USER) {
  const identity = createIdentity();
  const friends = user === TEST_USER ? [] : [{ user: TEST_USER.id }];
  const trust = new Trust({ certificate: certify(identity, user, roles), friends });
  const mesh = new Mesh({ identity, trust, webSocket: createNodeWebSocket });
  meshes.push(mesh);
  await mesh.connect(a.info.link);
  await waitFor(() => mesh.router.isReachable(a.id), STEP, 'a route to the daemon');
  const account = mesh.node.ref({ node: a.id, local: ACCOUNT_RESOURCE }, AccountInterface);
  return { id: identity.id, mesh, account };
}

/** The refusal `promise` ends with: its code and `details.reason`. */
async function refusal(promise: Promise<unknown>): Promise<{ code: unknown; reason: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { code?: unknown; details?: { reason?: unknown }; message: string };
    return { code: failure.code, reason: failure.details?.reason, message: failure.message };
  }
  throw new Error('it was not refused');
}

test("a member device gets the devices, the grants and the daemon's whoami, and is denied invite and removeDevice", async () => {
  const phone = await device(['member']);
  const devices = await phone.account.call('devices', {}, { timeout: STEP });
  expect(devices).toContainEqual(expect.objectContaining({ node: a.id, self: true, roles: ['admin'] }));
  expect(devices).toContainEqual(expect.objectContaining({ node: phone.id, self: false, roles: ['member'], online: true }));
  expect(await phone.account.call('grants', {}, { timeout: STEP })).toEqual([]);
  expect(await phone.account.call('friends', {}, { timeout: STEP })).toEqual([expect.objectContaining({ user: BOB.id, handle: 'bob' })]);
  // whoami is the daemon's: the caller knows its own certificate.
  expect(await phone.account.call('whoami', {}, { timeout: STEP })).toMatchObject({ user: TEST_USER.id, node: a.id, roles: ['admin'], userKey: true });

  // The daemon could sign (it holds the user key), but the caller is a member.
  expect(await refusal(phone.account.call('invite', { role: 'member' }, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'not an admin device' });
  expect(await refusal(phone.account.call('removeDevice', { device: a.id }, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'not an admin device' });
  // Arguments are checked like the control op's.
  expect(await refusal(phone.account.call('invite', { role: 'owner' } as never, { timeout: STEP }))).toMatchObject({ code: 'badarg' });
  // Nothing was removed.
  expect((await a.op<{ node: string }[]>({ op: 'devices' })).map((entry) => entry.node)).toContain(a.id);
}, 60_000);

test('an admin device may invite and remove a device; the daemon keeps its own refusals', async () => {
  const laptop = await device(['admin']);
  const phone = await device(['member']);
  await a.until<{ node: string }[]>({ op: 'devices' }, (list) => list.some((entry) => entry.node === phone.id));
  const invitation = await laptop.account.call('invite', { role: 'member', expires: 60_000 }, { timeout: STEP });
  expect(invitation).toMatchObject({ role: 'member', code: expect.stringMatching(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/), link: expect.stringContaining('/join#') });
  // Not the daemon itself (as on the CLI)…
  expect(await refusal(laptop.account.call('removeDevice', { device: a.id }, { timeout: STEP }))).toMatchObject({ code: 'badarg' });
  // …but the member phone: removed, and refused from then on.
  expect(await laptop.account.call('removeDevice', { device: phone.id }, { timeout: STEP })).toEqual({ node: phone.id, name: expect.any(String) });
  expect((await a.op<{ node: string }[]>({ op: 'devices' })).map((entry) => entry.node)).not.toContain(phone.id);
  await waitFor(() => !phone.mesh.router.isReachable(a.id), STEP, "the removed phone's link to drop");
}, 60_000);

test('an admin device gets a one-time login of the web UI, which a browser trades for a session of the gateway; a member device is denied it', async () => {
  const member = await device(['member']);
  expect(await refusal(member.account.call('login', {}, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'not an admin device' });
  const admin = await device(['admin']);
  const { url, expires } = await admin.account.call('login', {}, { timeout: STEP });
  expect(expires).toBeGreaterThan(Date.now());
  const gateway = new URL(a.info.http);
  const login = await fetch(`${gateway.origin}/${new URL(url).search}`, { redirect: 'manual' });
  expect(login.status).toBe(303);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  expect((await fetch(`${gateway.origin}/api/ls`)).status).toBe(401);
  expect((await fetch(`${gateway.origin}/api/ls`, { headers: { cookie } })).status).toBe(200);
  // One use only.
  expect((await fetch(`${gateway.origin}/${new URL(url).search}`, { redirect: 'manual' })).status).toBe(401);
}, 60_000);

test("a friend's device is denied: no grant, and a grant naming the resource gives it nothing either", async () => {
  const bobPhone = await device(['admin'], BOB);
  expect(await refusal(bobPhone.account.call('devices', {}, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'no grant gives this user access to this resource' });
  expect(await refusal(bobPhone.account.call('invite', {}, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'no grant gives this user access to this resource' });

  const grant = await a.op<{ id: string }>({ op: 'share', ref: `glow://${a.id}/${ACCOUNT_RESOURCE}`, with: BOB.id, access: 'write', expires: 60_000 });
  try {
    expect(await refusal(bobPhone.account.call('devices', {}, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'not a device of this user' });
    expect(await refusal(bobPhone.account.call('invite', {}, { timeout: STEP }))).toMatchObject({ code: 'denied', reason: 'not a device of this user' });
  } finally {
    await a.op({ op: 'revoke', grant: grant.id });
  }
}, 60_000);
