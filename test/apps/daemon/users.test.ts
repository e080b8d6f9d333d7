/**
 * Users and devices in real daemons: the first start creates a user, daemons of one user link,
 * a daemon of another user is refused at the handshake, and the web app's tab becomes a member
 * device through `POST /api/device`. Run under netguard.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBase64url, toBase64url } from '../../../src/transport/base64url.js';
import { decodeCertificate, encodeCertificate, isDevice, issueCertificate, verifyCertificate } from '../../../src/transport/certificate.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { TEST_USER } from '../../helpers/users.js';
import { waitFor } from '../../helpers/waitFor.js';
import { DaemonProcess, tempHome, useDaemons, type StartOptions } from './helpers.js';

const daemons = useDaemons();
const DAY = 86_400_000;
const start = (options?: StartOptions) => daemons.start(options);

test('a daemon with an empty home creates a user and certifies itself as its admin device, once', async () => {
  const home = await tempHome(undefined, null);
  let daemon = await start({ home });
  const created = await daemon.waitLine((line) => line.event === 'user.created');
  const me = await daemon.op({ op: 'whoami' });
  expect(me).toEqual(expect.objectContaining({ user: created.user, node: daemon.id, roles: ['admin'], userKey: true, devices: 1, friends: 0 }));
  expect(me.expires - me.issued).toBe(90 * 24 * 3600_000);
  expect((await stat(join(home, 'user.key'))).mode & 0o777).toBe(0o600);
  // A restart keeps the user and the certificate: nothing new is created or signed.
  await daemons.stop(daemon);
  daemon = await start({ home });
  expect(await daemon.op({ op: 'whoami' })).toEqual(me);
  expect(daemon.lines.some((line) => line.event === 'user.created' || line.event === 'device.certified')).toBe(false);
});

test("a daemon of another user is refused at the handshake, on both sides; the user's own devices link", async () => {
  const a = await start();
  const own = await start({ args: ['--connect', a.info.link] });
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === own.id));
  const stranger = await start({ home: await tempHome(undefined, null), args: ['--connect', a.info.link, '--log-level', 'debug'] });
  await stranger.waitLine((line) => line.event === 'connect.failed' && /not allowed/.test(String(line.error)), 10_000);
  expect((await a.op<{ node: string }[]>({ op: 'peers' })).map((peer) => peer.node)).toEqual([own.id]);
  expect(await stranger.op({ op: 'peers' })).toEqual([]);
});

test('glow devices lists the devices of the user; removing one cuts its links at once and it stays refused', async () => {
  const a = await start();
  const b = await start({ args: ['--connect', a.info.link, '--name', 'laptop'] });
  type Device = { node: string; name: string; roles: string[]; self: boolean; online: boolean };
  const listed = await a.until<Device[]>({ op: 'devices' }, (list) => list.some((device) => device.node === b.id && device.online));
  expect(listed[0]).toMatchObject({ node: a.id, self: true, online: true, roles: ['admin'] });
  expect(listed).toContainEqual(expect.objectContaining({ node: b.id, name: 'laptop', self: false, online: true, roles: ['admin'] }));
  // A device cannot remove itself, nor a device nobody knows.
  expect((await a.control({ op: 'removeDevice', device: a.id })).body).toMatchObject({ code: 'badarg' });
  expect((await a.control({ op: 'removeDevice', device: 'no such device' })).body).toMatchObject({ code: 'badarg' });

  const removedAt = performance.now();
  expect(await a.op({ op: 'removeDevice', device: 'laptop' })).toEqual({ node: b.id, name: 'laptop' });
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.length === 0, 2000);
  const cutMs = performance.now() - removedAt;
  console.log(`device removal: links cut after ${cutMs.toFixed(0)} ms`);
  expect(cutMs).toBeLessThan(2000);
  expect((await a.op<Device[]>({ op: 'devices' })).map((device) => device.node)).toEqual([a.id]);
  // B dials again (its --connect loop): refused each time.
  await b.waitLine((line) => line.event === 'connect.failed' && /not allowed|certificate refused/.test(String(line.error)), 10_000);
  expect(await a.op({ op: 'peers' })).toEqual([]);
});

test("a device whose certificate gets old is renewed by the user's key holder while it is online", async () => {
  const a = await start();
  // B: a device of the test user with no user key, whose certificate has 10 days left.
  const home = await tempHome(undefined, null);
  const node = createIdentity();
  await writeFile(join(home, 'node.key'), `${JSON.stringify({ version: 1, type: 'ed25519', secretKey: toBase64url(node.secretKey), id: node.id })}\n`, { mode: 0o600 });
  const issued = Date.now() - 80 * DAY;
  const old = issueCertificate({ user: TEST_USER.id, node: node.id, name: 'old laptop', roles: ['member'], issued, expires: issued + 90 * DAY }, TEST_USER);
  await writeFile(join(home, 'device.cert'), `${toBase64url(encodeCertificate(old))}\n`, { mode: 0o600 });
  const b = await start({ home, args: ['--connect', a.info.link] });
  const renewed = await b.until<{ expires: number; issued: number; name: string; roles: string[] }>({ op: 'whoami' }, (me) => me.expires > old.expires, 10_000);
  expect(renewed).toMatchObject({ name: 'old laptop', roles: ['member'] });
  expect(renewed.expires - renewed.issued).toBe(90 * DAY);
  await a.waitLine((line) => line.event === 'device.renewed' && line.node === node.id);
  // B kept it: a restart presents the renewed certificate. B takes it in memory first and writes
  // the file after, so the file is waited on.
  let kept: number | undefined;
  await waitFor(
    async () => (kept = decodeCertificate(fromBase64url((await readFile(join(home, 'device.cert'), 'utf8')).trim())!)?.expires) === renewed.expires,
    5000,
    () => `device.cert still expires at ${kept}, not ${renewed.expires}`,
    20,
  );
});

test('POST /api/device makes the asking tab a member device of the user, and refuses a malformed request', async () => {
  const daemon = await start();
  const tab = createIdentity();
  const answer = await fetch(`${daemon.info.http}/api/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await daemon.bearer()) },
    body: JSON.stringify({ node: tab.id, name: 'Chrome on Linux' }),
  });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { user: string; certificate: string };
  expect(body.user).toBe(TEST_USER.id);
  const certificate = decodeCertificate(fromBase64url(body.certificate)!);
  const device = verifyCertificate(certificate, Date.now());
  expect(isDevice(device) && device).toEqual(expect.objectContaining({ user: TEST_USER.id, node: tab.id, name: 'Chrome on Linux', roles: ['member'] }));

  const bad = await fetch(`${daemon.info.http}/api/device`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await daemon.bearer()) }, body: JSON.stringify({ node: 'not an id', name: 'x' }) });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { code: string }).code).toBe('badarg');
  // The daemon goes on.
  expect((await daemon.op({ op: 'whoami' })).user).toBe(TEST_USER.id);
});

test('a certificate file of another node stops the start with a clear home error, leaving the file alone', async () => {
  const home = await tempHome();
  const first = await start({ home });
  await daemons.stop(first);
  const cert = await readFile(join(home, 'device.cert'), 'utf8');
  // A new node key in the same home: the certificate is not this node's.
  await rm(join(home, 'node.key'));
  const daemon = daemons.keep(DaemonProcess.spawn({ home }));
  expect((await daemon.exited).code).toBe(3);
  expect(daemon.stderr).toMatch(/certifies another node/);
  expect(await readFile(join(home, 'device.cert'), 'utf8')).toBe(cert);
});
