/**
 * Friend invitations between real daemons of two users (OS processes on 127.0.0.1, under
 * netguard): `glow invite --friend` on one, `glow friends add CODE --connect …` (or the link) on
 * the other; each becomes the other's friend with the handle its person gave, and the two link.
 * A device invitation is no friend invitation and the other way round; a wrong code is a try.
 */
import type { FriendInviteValue } from '../../../apps/daemon/pairing/friendInvite.js';
import type { InviteValue } from '../../../apps/daemon/pairing/pairingOps.js';
import { TEST_USER } from '../../helpers/users.js';
import { tempHome, useDaemons, type DaemonProcess } from './helpers.js';
import { glowInProcess } from '../cli/inProcess.js';

const daemons = useDaemons();

const glow = glowInProcess;

async function invite<T = FriendInviteValue>(inviter: DaemonProcess, ...flags: string[]): Promise<T> {
  const { code, stdout, stderr } = await glow(['invite', '--home', inviter.home, '--json', ...flags]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as T;
}

/** `glow <args> --json` on `daemon`: the answer, or the error object the CLI prints. */
async function run(daemon: DaemonProcess, ...args: string[]): Promise<{ code: number; value: any }> {
  const { code, stdout, stderr } = await glow([...args, '--home', daemon.home, '--json']);
  return { code, value: JSON.parse(code === 0 ? stdout : stderr) };
}

/** A daemon of a user of its own (not TEST_USER). */
const otherUser = async (name: string) => daemons.start({ home: await tempHome(undefined, null), args: ['--name', name] });

const wrongCode = (code: string) => `${code.slice(0, 5)}${code.slice(5).replace(/[0-9a-z]/g, (char) => (char === '0' ? '1' : '0'))}`;

test('two users become friends by glow invite --friend and glow friends add CODE --connect, and their daemons link', async () => {
  const a = await daemons.start();
  const b = await otherUser('bobs-laptop');
  const bob = (await b.op({ op: 'whoami' })).user as string;
  expect(bob).not.toBe(TEST_USER.id);

  const invitation = await invite(a, '--friend', '--handle', 'bob');
  expect(invitation).toMatchObject({ kind: 'friend', handle: 'bob', tries: 3 });
  expect(invitation.code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  expect(invitation.link).toBe(`${a.info.http}/join#${invitation.code}`);

  const added = await run(b, 'friends', 'add', invitation.code, '--connect', a.info.http, '--handle', 'alice');
  expect(added).toMatchObject({ code: 0, value: { user: TEST_USER.id, handle: 'alice', inviter: { node: a.id } } });

  // Each lists the other, under the handle its own person gave, and neither changed user.
  expect(await a.op({ op: 'friends' })).toEqual([expect.objectContaining({ user: bob, handle: 'bob' })]);
  expect(await b.op({ op: 'friends' })).toEqual([expect.objectContaining({ user: TEST_USER.id, handle: 'alice' })]);
  expect(await b.op({ op: 'whoami' })).toMatchObject({ user: bob, userKey: true });
  expect(await a.op({ op: 'devices' })).not.toContainEqual(expect.objectContaining({ node: b.id }));

  // B dialled A: the link holds, and each counts the other's device online.
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === b.id));
  await b.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === a.id));
  await a.until<{ online: number }[]>({ op: 'friends' }, (friends) => friends[0]?.online === 1);
  await b.until<{ online: number }[]>({ op: 'friends' }, (friends) => friends[0]?.online === 1);
  const listed = await glow(['friends', '--home', a.home]);
  expect(listed.stdout).toMatch(new RegExp(`bob +${bob.replace(/[-]/g, '\\-')} +1/1 online`));

  // Used up: a third user cannot reuse it.
  const c = await otherUser('carols-laptop');
  expect(await run(c, 'friends', 'add', invitation.link)).toMatchObject({ code: 1, value: { code: 'denied', details: { reason: 'invite used' } } });
  expect(await c.op({ op: 'friends' })).toEqual([]);

  // The human view says what it is for.
  const shown = await glow(['invite', '--home', a.home, '--friend']);
  expect(shown.stdout).toMatch(/One other user may become your friend with it, within/);
  expect(shown.stdout).toMatch(/glow friends add LINK/);
}, 60_000);

test('a device invitation is refused by friends add, and a friend invitation by glow join; neither spends a try', async () => {
  const a = await daemons.start();
  const b = await otherUser('bobs-laptop');
  const bob = (await b.op({ op: 'whoami' })).user as string;

  const device = await invite<InviteValue>(a);
  expect(await run(b, 'friends', 'add', device.link)).toMatchObject({ code: 1, value: { code: 'denied', details: { reason: 'not a friend invite' } } });
  const friend = await invite(a, '--friend');
  expect(await run(b, 'join', friend.code, '--connect', a.info.http)).toMatchObject({ code: 1, value: { code: 'denied', details: { reason: 'not a device invite' } } });
  expect(await a.op({ op: 'friends' })).toEqual([]);
  expect(await b.op({ op: 'whoami' })).toMatchObject({ user: bob, userKey: true });

  // Both still work for what they are (three refusals of the wrong kind spent nothing).
  for (let i = 0; i < 2; i++) expect(await run(b, 'friends', 'add', device.code, '--connect', a.info.http)).toMatchObject({ value: { details: { reason: 'not a friend invite' } } });
  expect(await run(b, 'friends', 'add', friend.link)).toMatchObject({ code: 0, value: { user: TEST_USER.id } });
  const c = await otherUser('new-laptop');
  expect(await run(c, 'join', device.link)).toMatchObject({ code: 0, value: { user: TEST_USER.id } });

  // --role and --friend do not go together.
  expect((await glow(['invite', '--home', a.home, '--friend', '--role', 'admin'])).code).not.toBe(0);
}, 60_000);

test('a wrong code spends a try: three kill the friend invitation, the right code then fails too', async () => {
  const a = await daemons.start();
  const b = await otherUser('bobs-laptop');
  const { code } = await invite(a, '--friend');
  for (let i = 0; i < 3; i++) {
    expect(await run(b, 'friends', 'add', wrongCode(code), '--connect', a.info.http)).toMatchObject({ code: 1, value: { code: 'denied', details: { reason: 'wrong code' } } });
  }
  expect(await run(b, 'friends', 'add', code, '--connect', a.info.http)).toMatchObject({ code: 1, value: { code: 'denied', details: { reason: 'too many wrong codes' } } });
  expect(await a.op({ op: 'friends' })).toEqual([]);
  expect(await b.op({ op: 'friends' })).toEqual([]);
  // A bare code without --connect says where to look.
  expect(await run(b, 'friends', 'add', code)).toMatchObject({ code: 1, value: { code: 'badarg' } });
}, 60_000);
