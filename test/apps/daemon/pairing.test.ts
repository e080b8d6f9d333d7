/**
 * Pairing real daemons (`glow invite`, `glow join`) as OS processes on 127.0.0.1, under
 * netguard: by a typed code with --connect and by the link; a wrong, expired, reused or
 * over-guessed invitation fails with `denied` and its reason; the join endpoints refuse
 * malformed requests and the daemon keeps running.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import type { InviteValue } from '../../../apps/daemon/pairing/pairingOps.js';
import { TEST_USER } from '../../helpers/users.js';
import { freeUdpPort, tempHome, useDaemons, type DaemonProcess } from './helpers.js';
import { glowInProcess } from '../cli/inProcess.js';

const daemons = useDaemons();

const glow = glowInProcess;

async function invite(inviter: DaemonProcess, ...flags: string[]): Promise<InviteValue> {
  const { code, stdout, stderr } = await glow(['invite', '--home', inviter.home, '--json', ...flags]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as InviteValue;
}

/** `glow join … --json`: the answer, or the error object the CLI prints. */
async function join(joiner: DaemonProcess, ...args: string[]): Promise<{ code: number; value: any }> {
  const { code, stdout, stderr } = await glow(['join', '--home', joiner.home, '--json', ...args]);
  return { code, value: JSON.parse(code === 0 ? stdout : stderr) };
}

/** A daemon with a user of its own, as on a new device's first start (with mDNS on `mdnsPort`, if given). */
const newDevice = async (mdnsPort?: number) => daemons.start({ home: await tempHome(undefined, null), args: ['--name', 'new-laptop', ...mdnsArgs(mdnsPort)], mdns: mdnsPort !== undefined });

/** mDNS on 127.0.0.1 and a port of the test's own (see mdns.test.ts): only its daemons meet. */
const mdnsArgs = (port?: number) => (port === undefined ? [] : ['--mdns-port', String(port), '--mdns-interface', '127.0.0.1']);
const withMdns = async (port: number) => daemons.start({ mdns: true, args: mdnsArgs(port) });
const linked = (daemon: DaemonProcess, other: DaemonProcess) =>
  daemon.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === other.id), 10000);

test("two daemons pair by a typed code with --connect; the new one shows the inviter's user and they link and call each other", async () => {
  const a = await daemons.start();
  const b = await newDevice();
  const before = await b.op({ op: 'whoami' });
  expect(before.user).not.toBe(TEST_USER.id);

  const invitation = await invite(a);
  expect(invitation).toMatchObject({ role: 'member', tries: 3 });
  expect(invitation.code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  expect(invitation.link).toBe(`${a.info.http}/join#${invitation.code}`);

  const started = performance.now();
  const typed = invitation.code.toUpperCase().replace(/-/g, ' ');
  const joined = await join(b, typed, '--connect', a.info.http);
  const pairingMs = performance.now() - started;
  console.log(`pairing by code: ${pairingMs.toFixed(0)} ms (glow join, two OPAQUE steps and two round trips)`);
  expect(joined).toMatchObject({ code: 0, value: { user: TEST_USER.id, node: b.id, name: 'new-laptop', roles: ['member'], inviter: { node: a.id } } });
  expect(joined.value.oldUserKey).toMatch(/user\.key\.replaced-/);

  expect(await b.op({ op: 'whoami' })).toMatchObject({ user: TEST_USER.id, node: b.id, roles: ['member'], userKey: false });
  const files = await readdir(b.home);
  expect(files).not.toContain('user.key');
  expect(files.some((file) => file.startsWith('user.key.replaced-'))).toBe(true);

  // B dials A by itself; each calls the other's node resource through the mesh.
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === b.id));
  await b.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === a.id));
  expect(await a.op({ op: 'tree', node: b.id })).toMatchObject({ id: b.id });
  expect(await b.op({ op: 'tree', node: a.id })).toMatchObject({ id: a.id });
  const listed = await a.op<{ node: string; name: string; roles: string[] }[]>({ op: 'devices' });
  expect(listed).toContainEqual(expect.objectContaining({ node: b.id, name: 'new-laptop', roles: ['member'] }));

  // The human view: the code, the link and a QR code drawn with block characters.
  const shown = await glow(['invite', '--home', a.home, '--role', 'admin', '--expires', '2h']);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toMatch(/^code {5}[0-9a-z-]{14}\nlink {5}http:\/\/127\.0\.0\.1:\d+\/join#/);
  expect(shown.stdout).toMatch(/[█▀▄]{7}/);
  expect(shown.stdout).toMatch(/One admin device may join with it, within (2h|1h 59m)/);
});

test('two daemons pair by the link, as an admin device; the invitation then never works again', async () => {
  const a = await daemons.start();
  const b = await newDevice();
  const { link } = await invite(a, '--role', 'admin');
  expect(await join(b, link)).toMatchObject({ code: 0, value: { user: TEST_USER.id, roles: ['admin'] } });
  expect(await b.op({ op: 'whoami' })).toMatchObject({ user: TEST_USER.id, roles: ['admin'] });
  // An admin device may invite in turn.
  expect((await invite(b)).role).toBe('member');

  const c = await newDevice();
  expect(await join(c, link)).toMatchObject({ code: 1, value: { code: 'denied', details: { reason: 'invite used' } } });
  expect((await c.op({ op: 'whoami' })).user).not.toBe(TEST_USER.id);
});

test('a wrong code fails; three wrong codes kill the invitation, and the right code then fails too', async () => {
  const a = await daemons.start();
  const b = await newDevice();
  const { code } = await invite(a);
  const wrong = `${code.slice(0, 5)}${code.slice(5).replace(/[0-9a-z]/g, (char) => (char === '0' ? '1' : '0'))}`;
  for (let i = 0; i < 3; i++) {
    expect(await join(b, wrong, '--connect', a.info.http)).toMatchObject({ value: { code: 'denied', details: { reason: 'wrong code' } } });
  }
  expect(await join(b, code, '--connect', a.info.http)).toMatchObject({ value: { code: 'denied', details: { reason: 'too many wrong codes' } } });
  expect((await b.op({ op: 'whoami' })).user).not.toBe(TEST_USER.id);
  // A code that names no invitation at all.
  expect(await join(b, 'zzzz-zzzz-zzzz', '--connect', a.info.http)).toMatchObject({ value: { code: 'denied', details: { reason: 'no such invite' } } });
});

test('an expired invitation fails', async () => {
  const a = await daemons.start();
  const b = await newDevice();
  const invitation = await invite(a, '--expires', '1s');
  // Wait for the invitation's own deadline (the daemon's clock is this machine's).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, invitation.expires - Date.now()) + 50));
  expect(await join(b, invitation.link)).toMatchObject({ value: { code: 'denied', details: { reason: 'invite expired' } } });
});

test('a bare code without --connect, or a link of another shape, is refused as badarg', async () => {
  const b = await newDevice();
  expect(await join(b, 'abcd-efgh-jkmn')).toMatchObject({ value: { code: 'badarg' } });
  expect(await join(b, 'http://127.0.0.1:1/elsewhere#abcd-efgh-jkmn')).toMatchObject({ value: { code: 'badarg' } });
  expect(await join(b, 'not a code')).toMatchObject({ value: { code: 'badarg' } });
});

test('the join endpoints refuse malformed requests with a JSON error and the daemon keeps running', async () => {
  const a = await daemons.start();
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${a.info.http}/api/join/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, body: (await response.json()) as { code: string; message: string; details?: { reason?: string } } };
  };
  expect(await post('start', 'not json')).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await post('start', '')).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await post('start', '[]')).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await post('start', JSON.stringify({ invite: 'abcd' }))).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await post('start', JSON.stringify({ invite: '__proto__', request: 'AAAA' }))).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await post('start', JSON.stringify({ invite: 'abcd', request: 'AAAA' }))).toMatchObject({ status: 403, body: { code: 'denied', details: { reason: 'no such invite' } } });
  expect(await post('start', JSON.stringify({ invite: 'abcd', request: 'A'.repeat(20_000) }))).toMatchObject({ status: 413, body: { code: 'badarg' } });
  expect(await post('finish', JSON.stringify({ session: 'nope', finish: 'AAAA', sealed: 'AAAA' }))).toMatchObject({ status: 403, body: { code: 'denied', details: { reason: 'no such login' } } });
  expect(await post('elsewhere', '{}')).toMatchObject({ status: 404, body: { code: 'nomethod' } });
  expect((await fetch(`${a.info.http}/api/join/start`)).status).toBe(404);

  // A live invitation: garbage where OPAQUE's message goes is badarg, and spends a try.
  const { code } = await invite(a);
  expect(await post('start', JSON.stringify({ invite: code.slice(0, 4), request: 'AAAA' }))).toMatchObject({ status: 400, body: { code: 'badarg' } });
  // Another site's page may not spend tries.
  expect(await post('start', JSON.stringify({ invite: code.slice(0, 4), request: 'AAAA' }), { origin: 'http://evil.example' })).toMatchObject({ status: 403, body: { code: 'denied' } });
  expect(await a.op({ op: 'status' })).toMatchObject({ node: a.id });
});

test('a bare code finds its inviter by mDNS: no --connect, the daemons pair and link', async () => {
  const port = await freeUdpPort();
  // A daemon that holds no invitation is on the network too: asking it costs nothing.
  const [a, bystander] = [await withMdns(port), await withMdns(port)];
  const b = await newDevice(port);
  const { code } = await invite(a);
  const joined = await join(b, code);
  expect(joined).toMatchObject({ code: 0, value: { user: TEST_USER.id, node: b.id, roles: ['member'], inviter: { node: a.id, link: a.info.link } } });
  await linked(b, a);
  await linked(a, b);
  expect(await b.op({ op: 'whoami' })).toMatchObject({ user: TEST_USER.id });
  expect(bystander.lines.filter((line) => line.event === 'device.paired')).toEqual([]);
}, 40000);

test('a bare code nobody holds fails with a typed error within the bound, and spends no try of anyone', async () => {
  const port = await freeUdpPort();
  const a = await withMdns(port);
  const b = await newDevice(port);
  const { code } = await invite(a);
  const nobody = `${code.startsWith('z') ? 'y' : 'z'}zzz-zzzz-zzzz`;
  const started = performance.now();
  const failed = await join(b, nobody);
  const ms = performance.now() - started;
  expect(failed).toMatchObject({ code: 1, value: { code: 'noconnection', details: { reason: 'no inviter found' } } });
  expect(failed.value.message).toMatch(/no daemon on this network holds this invitation; give --connect URL/);
  expect(failed.value.details.tried).toBeGreaterThanOrEqual(1);
  expect(ms).toBeLessThan(8000);
  // A's invitation still has all its tries: two wrong codes (found by mDNS too), then the right one.
  const wrong = `${code.slice(0, 5)}${code.slice(5).replace(/[0-9a-z]/g, (char) => (char === '0' ? '1' : '0'))}`;
  for (let i = 0; i < 2; i++) expect(await join(b, wrong)).toMatchObject({ value: { code: 'denied', details: { reason: 'wrong code' } } });
  expect(await join(b, code)).toMatchObject({ code: 0, value: { user: TEST_USER.id } });
}, 40000);

test('a joined daemon remembers its inviter: restarted without --connect or mDNS, it links back', async () => {
  const a = await daemons.start();
  const b = await newDevice();
  const { link } = await invite(a);
  expect(await join(b, link)).toMatchObject({ code: 0 });
  await linked(b, a);
  const file = joinPath(b.home, 'inviter.json');
  expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, node: a.id, link: a.info.link });
  expect((await stat(file)).mode & 0o777).toBe(0o600);

  await daemons.stop(b);
  await a.until<unknown[]>({ op: 'peers' }, (peers) => peers.length === 0, 5000);
  const again = await daemons.start({ home: b.home, args: ['--name', 'new-laptop'] });
  expect(again.id).toBe(b.id);
  await linked(again, a);
  await linked(a, again);
  expect(await again.op({ op: 'tree', node: a.id })).toMatchObject({ id: a.id });
}, 40000);
