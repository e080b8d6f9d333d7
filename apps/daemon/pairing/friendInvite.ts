/**
 * Becoming friends with no user ids to copy: `glow invite --friend` opens an invitation like a
 * device's (the same one-time code, OPAQUE login, three tries and expiry: invites.ts), and
 * `glow friends add CODE|LINK` on a device of the other user runs the same exchange
 * (joinClient.ts `pairingExchange`) with the kind `friend`. Under the session key each side
 * tells the other its user id (and the joiner's node, for the log); each then adds the other as
 * a friend, with the handle its own person gave, and the joiner links to the inviter. Nothing is
 * certified: a friend is another user, not a device, and its devices keep their own
 * certificates. An invite of one kind never serves the other (the inviter refuses it at the
 * login start, and the sealed messages use other directions).
 */
import * as v from 'valibot';
import { isIdSegment, type NodeId } from '../../../src/firefly/address.js';
import { GlowError } from '../../../src/firefly/errors.js';
import { validate } from '../../../src/firefly/validate.js';
import { publicKeyOf } from '../../../src/transport/identity.js';
import type { FriendValue } from '../control.js';
import type { DaemonContext } from '../operations.js';
import { addFriend, checkHandle } from '../sharing.js';
import { formatInviteCode, inviteLink, MAX_TRIES, parseInvitation } from './inviteCode.js';
import type { Invite } from './invites.js';
import { DIRECTIONS, pairingExchange } from './joinClient.js';
import { httpOrigin, reachableHttp } from './pairingOps.js';
import { open, seal } from './pairingCrypto.js';

/** What the joining user sends inside the sealed request. */
export interface FriendRequest {
  user: string;
  node: NodeId;
}

/** What the inviting user sends back inside the sealed answer. */
export interface FriendAnswer {
  user: string;
  /** The inviter's node id and WebSocket link URL, to link to it at once. */
  inviter: { node: NodeId; link: string; name?: string };
}

/** `inviteFriend`: a one-time invitation for another user to become a friend. */
export interface FriendInviteValue {
  kind: 'friend';
  /** The code to type: `xxxx-xxxx-xxxx`. */
  code: string;
  /** `http://HOST:PORT/join#CODE`, for `glow friends add LINK`. */
  link: string;
  /** What this user will call the friend. */
  handle?: string;
  /** ms since the epoch. */
  expires: number;
  tries: number;
}

/** `befriend`: the inviter's user is a friend now. */
export interface BefriendedValue extends FriendValue {
  inviter: { node: string; link: string; name?: string };
}

const UserSchema = v.pipe(v.string(), v.maxLength(256), v.check((text: string) => publicKeyOf(text) !== undefined, 'a user id'));
const NodeSchema = v.pipe(v.string(), v.check((text: string) => isIdSegment(text), 'a node id'));
const RequestSchema = v.strictObject({ user: UserSchema, node: NodeSchema });
const AnswerSchema = v.object({
  user: UserSchema,
  inviter: v.object({ node: NodeSchema, link: v.pipe(v.string(), v.maxLength(2048), v.regex(/^wss?:\/\//, 'a ws:// URL')), name: v.optional(v.pipe(v.string(), v.maxLength(128))) }),
});

/** `inviteFriend`: any device of the user may open one (it adds a friend, as `friends add` does). */
export async function inviteFriend(ctx: DaemonContext, lifetime: number, handle: string | undefined): Promise<FriendInviteValue> {
  checkHandle(ctx.device.trust, handle);
  const { code, expires } = await ctx.pairing.invites.create('member', lifetime, { ...(handle ? { handle } : {}) });
  ctx.log.info({ event: 'invite.created', invite: code.id, kind: 'friend', expires }, `opened invitation ${code.id} for a friend`);
  return { kind: 'friend', code: formatInviteCode(code), link: inviteLink(reachableHttp(ctx.info().http), code), ...(handle ? { handle } : {}), expires, tries: MAX_TRIES };
}

/**
 * The inviter's side of a friend's finished login (`/api/join/finish` with a friend invite,
 * already used up): opens the joiner's user id, adds it as a friend, answers its own sealed.
 */
export async function answerFriend(ctx: DaemonContext, invite: Invite, sessionKey: string, session: string, sealed: string): Promise<string> {
  const [requestDirection, answerDirection] = DIRECTIONS.friend;
  const request = await validate<FriendRequest>(RequestSchema, open(sessionKey, session, requestDirection, sealed));
  const { trust } = ctx.device;
  if (request.user === trust.user) throw new GlowError('denied', 'that is a device of this very user: glow invite (without --friend) adds devices', { reason: 'same user' });
  const friend = addFriend(trust, request.user, handleFor(ctx, request.user, invite.handle));
  ctx.log.info({ event: 'friend.added', user: request.user, handle: friend.handle, node: request.node, invite: invite.id }, `user ${request.user} is a friend now (invitation ${invite.id})`);
  const info = ctx.info();
  const answer: FriendAnswer = { user: trust.user, inviter: { node: info.node, link: info.link, ...(info.name ? { name: info.name } : {}) } };
  return seal(sessionKey, session, answerDirection, answer);
}

/**
 * `befriend` (`glow friends add CODE|LINK`): runs the friend exchange with the inviter found in
 * the link, or at `connect` for a bare code; adds the inviter's user as a friend and links to it.
 */
export async function befriend(ctx: DaemonContext, invitation: string, connect: string | undefined, handle: string | undefined): Promise<BefriendedValue> {
  const { trust } = ctx.device;
  checkHandle(trust, handle);
  const { code, inviter } = parseInvitation(invitation);
  const base = inviter ?? (connect === undefined ? undefined : httpOrigin(connect));
  if (!base) throw new GlowError('badarg', "a code alone does not say where the inviter is: give --connect http://HOST:PORT (the inviter's HTTP address) or the link");
  const request: FriendRequest = { user: trust.user, node: ctx.mesh.identity.id };
  const answer = await validate<FriendAnswer>(AnswerSchema, await pairingExchange(base, code, 'friend', request), 'the inviter\'s answer');
  if (answer.user === trust.user) throw new GlowError('denied', 'the inviter is this very user: a friend is another user', { reason: 'same user' });
  const friend = addFriend(trust, answer.user, handleFor(ctx, answer.user, handle));
  ctx.log.info({ event: 'friend.added', user: answer.user, handle: friend.handle, inviter: answer.inviter.node }, `user ${answer.user} is a friend now (their invitation)`);
  ctx.pairing.linkTo(answer.inviter.link);
  return { ...friend, inviter: answer.inviter };
}

/** The handle to give `user`: the one asked for while still free, else the one it had. */
function handleFor(ctx: DaemonContext, user: string, wanted: string | undefined): string | undefined {
  const friends = ctx.device.trust.friendList();
  if (wanted !== undefined && !friends.some((friend) => friend.handle === wanted && friend.user !== user)) return wanted;
  return friends.find((friend) => friend.user === user)?.handle;
}
