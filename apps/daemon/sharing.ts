/**
 * Friends and grants, as the control channel's operations run them (`glow friends`, `glow share`,
 * `glow grants`, `glow revoke`): who may link to this user's devices, and what of theirs another
 * user may reach. Grants and revocations are signed here, with the user key when this device
 * holds it and otherwise with this node's key and certificate; the trust store keeps them,
 * writes them to `trust.json` and spreads them.
 */
import { nanoid } from 'nanoid';
import type { Node } from '../../src/actors/node.js';
import { grantId, issueGrant, type Grant, type GrantFields, type GrantSubject } from '../../src/actors/trust/grant.js';
import { revokeGrant } from '../../src/actors/trust/grantRevocation.js';
import type { HeldGrant } from '../../src/actors/trust/grants.js';
import type { Trust } from '../../src/actors/trust/trust.js';
import { formatResourceId, parseResourceId, type ResourceId } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import type { UserId } from '../../src/transport/certificate.js';
import { publicKeyOf, type NodeIdentity } from '../../src/transport/identity.js';
import type { FriendValue, GrantValue } from './control.js';
import type { LoadedDevice } from './userHome.js';

/** What a share asks for (the `share` control op). */
export interface ShareRequest {
  /** REF|URI: a name or resource id, optionally followed by a path inside it. */
  ref: string;
  /** A user id, a friend's handle, or the node id of one of a friend's devices. */
  with: string;
  access?: 'read' | 'write';
  methods?: string[];
  /** How long it holds, in ms. */
  expires?: number;
  delegate?: boolean;
}

/** How long a grant holds when the share says nothing. */
export const DEFAULT_GRANT_LIFETIME = 30 * 24 * 3600_000;
const HANDLE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** The friends of this user, with how many of their devices this node reaches. */
export function friends(trust: Trust, reachable: (node: string) => boolean): FriendValue[] {
  const devices = trust.knownDevices();
  return trust.friendList().map(({ user, handle }) => {
    const theirs = devices.filter((device) => device.user === user);
    return { user, ...(handle ? { handle } : {}), devices: theirs.length, online: theirs.filter((device) => reachable(device.node)).length };
  });
}

/** Adds a friend: their devices may link to this user's, and reach what grants allow. */
export function addFriend(trust: Trust, user: string, handle: string | undefined): FriendValue {
  if (!publicKeyOf(user)) throw new GlowError('badarg', `not a user id: ${JSON.stringify(user.slice(0, 64))} (glow whoami on their device shows it)`);
  checkHandle(trust, handle, user);
  trust.addFriend(user, handle);
  return { user, ...(handle ? { handle } : {}), devices: 0, online: 0 };
}

/** `badarg` unless `handle` (if any) is well formed and no friend but `user` has it. */
export function checkHandle(trust: Trust, handle: string | undefined, user?: string): void {
  if (handle !== undefined && !HANDLE.test(handle)) throw new GlowError('badarg', 'a handle is 1–32 letters, digits, "_", "." or "-", starting with a letter or digit');
  if (handle !== undefined && trust.friendList().some((friend) => friend.handle === handle && friend.user !== user)) {
    throw new GlowError('badarg', `another friend already has the handle ${handle}`);
  }
}

/** Removes a friend (by user id or handle): their devices' links are refused from now on. */
export function removeFriend(trust: Trust, which: string): FriendValue {
  const friend = findFriend(trust, which);
  trust.removeFriend(friend.user);
  return { user: friend.user, ...(friend.handle ? { handle: friend.handle } : {}), devices: 0, online: 0 };
}

function findFriend(trust: Trust, which: string): { user: UserId; handle?: string } {
  const friend = trust.friendList().find((f) => f.user === which || f.handle === which);
  if (!friend) throw new GlowError('badarg', `${JSON.stringify(which.slice(0, 64))} is not a friend (glow friends ls lists them; glow friends add USER adds one)`);
  return friend;
}

/**
 * What a REF|URI names for a grant: the longest prefix that is a registered name, else
 * `<node>/<id>`, and the rest as a path. It must be a resource of this user's devices.
 */
export function grantSubject(node: Node, trust: Trust, text: string): { subject: GrantSubject; target: ResourceId } {
  const bare = text.startsWith('glow://') ? text.slice('glow://'.length) : text;
  if (bare.endsWith('/') && bare.length > 1) return prefixSubject(node, trust, bare);
  const segments = bare.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) throw new GlowError('badarg', 'share what? a name (docs), a path in it (docs/2026) or a resource id');
  const path = (take: number) => segments.slice(take).join('/');
  let found: { subject: GrantSubject; target: ResourceId } | undefined;
  for (let take = segments.length; take >= 1 && !found; take--) {
    const name = segments.slice(0, take).join('/');
    const target = node.whereis(name);
    if (target) found = { subject: { name, ...(path(take) ? { path: path(take) } : {}) }, target };
  }
  if (!found && segments.length >= 2 && publicKeyOf(segments[0]!)) {
    const target = parseResourceId(`glow://${segments[0]}/${segments[1]}`);
    found = { subject: { resource: formatResourceId(target), ...(path(2) ? { path: path(2) } : {}) }, target };
  }
  if (!found && node.isAlive({ node: node.id, local: segments[0]! })) {
    const target = { node: node.id, local: segments[0]! };
    found = { subject: { resource: formatResourceId(target), ...(path(1) ? { path: path(1) } : {}) }, target };
  }
  if (!found) throw new GlowError('noproc', `nothing is named ${JSON.stringify(bare.slice(0, 200))}`);
  const holder = trust.deviceOf(found.target.node);
  if (!holder || holder.user !== trust.user) throw new GlowError('badarg', `${bare} is not on a device of yours: only its owner can share it`);
  return found;
}

/**
 * A grant on every resource this user names under `prefix` (`sync/docs/`: every replica of the
 * synced folder `docs`, wherever it runs, including replicas added later). Refused when no name
 * of this user starts with it: a typo would grant nothing, silently.
 */
function prefixSubject(node: Node, trust: Trust, prefix: string): { subject: GrantSubject; target: ResourceId } {
  const named = node.directory.list().find((entry) => entry.name.startsWith(prefix) && trust.deviceOf(entry.node)?.user === trust.user);
  if (!named) throw new GlowError('noproc', `no name of yours starts with ${JSON.stringify(prefix.slice(0, 200))}`);
  return { subject: { name: prefix }, target: parseResourceId(named.id) };
}

/**
 * Grants `user` (a friend) write on every resource this user names under `prefix`: how a friend's
 * synced folder joined here lets the friend's replicas call ours.
 */
export function grantPrefix(identity: NodeIdentity, device: LoadedDevice, user: UserId, prefix: string, now = Date.now()): void {
  const { trust } = device;
  const fields = { issuer: trust.user, audience: audienceOf(trust, user), subject: { name: prefix }, abilities: { access: 'write' as const }, notBefore: now, expires: now + DEFAULT_GRANT_LIFETIME, delegate: false, nonce: nanoid() };
  signAndKeep(identity, device, fields);
}

/** Signs a grant as this device's user (or as `identity`, this device) and keeps it (the trust store spreads it). */
export function share(node: Node, identity: NodeIdentity, device: LoadedDevice, request: ShareRequest, now = Date.now()): GrantValue {
  const { trust } = device;
  const audience = audienceOf(trust, request.with);
  const { subject } = grantSubject(node, trust, request.ref);
  const methods = request.methods?.filter((m) => m !== '');
  const access = request.access ?? (methods?.length ? undefined : 'read');
  const fields = {
    issuer: trust.user,
    audience,
    subject,
    abilities: { ...(access ? { access } : {}), ...(methods?.length ? { methods } : {}) },
    notBefore: now,
    expires: now + (request.expires ?? DEFAULT_GRANT_LIFETIME),
    delegate: request.delegate ?? false,
    nonce: nanoid(),
  };
  return grantValue(trust, signAndKeep(identity, device, fields));
}

/** Signs `fields` as this device's user (or as `identity`, this device) and keeps the grant (the trust store spreads it). */
function signAndKeep(identity: NodeIdentity, { trust, userKey }: LoadedDevice, fields: GrantFields): HeldGrant {
  const held = trust.grants.add(userKey ? issueGrant(fields, userKey) : issueGrant(fields, identity, trust.certificate));
  if (!held || 'refused' in held) throw new GlowError('badarg', `the grant was refused: ${held ? held.refused : 'it concerns no one here'}`);
  return held;
}

function audienceOf(trust: Trust, text: string): { user: UserId; node?: string } {
  const device = trust.deviceOf(text);
  if (device && device.user !== trust.user) {
    if (!trust.isFriend(device.user)) throw new GlowError('badarg', 'that device belongs to someone who is not a friend: glow friends add USER first');
    return { user: device.user, node: device.node };
  }
  const friend = trust.friendList().find((f) => f.user === text || f.handle === text);
  if (friend) return { user: friend.user };
  if (text === trust.user || device) throw new GlowError('badarg', 'your own devices reach everything already: a grant is for another user');
  if (publicKeyOf(text)) throw new GlowError('badarg', 'that user is not a friend: their devices could not link to yours (glow friends add USER first)');
  throw new GlowError('badarg', `${JSON.stringify(text.slice(0, 64))} is neither a friend's handle nor a user id`);
}

/** Every grant this device holds: given by this user, or given to it. */
export function grantList(trust: Trust): GrantValue[] {
  return trust.grants
    .list()
    .filter((held) => held.grant.issuer === trust.user || held.grant.audience.user === trust.user)
    .map((held) => grantValue(trust, held))
    .sort((a, b) => a.direction.localeCompare(b.direction) || b.expires - a.expires);
}

/** Revokes a grant this user gave (by id or a unique prefix of one): signed, kept, spread. */
export function revoke(identity: NodeIdentity, device: LoadedDevice, id: string, now = Date.now()): GrantValue {
  const { trust, userKey } = device;
  const held = trust.grants.find(id);
  if (!held) throw new GlowError('badarg', `no grant ${JSON.stringify(id.slice(0, 64))} here (glow grants lists them)`);
  if (held.grant.issuer !== trust.user) throw new GlowError('denied', 'only the user who gave a grant revokes it', { reason: 'not the issuer' });
  const revocation = userKey ? revokeGrant(held.id, trust.user, now, userKey) : revokeGrant(held.id, trust.user, now, identity, trust.certificate);
  trust.grants.revoke(revocation);
  return grantValue(trust, held);
}

function handleOf(trust: Trust, user: UserId): string | undefined {
  return trust.friendList().find((friend) => friend.user === user)?.handle;
}

function grantValue(trust: Trust, held: HeldGrant): GrantValue {
  const grant: Grant = held.grant;
  const given = grant.issuer === trust.user;
  const other = given ? grant.audience.user : grant.issuer;
  const handle = handleOf(trust, other);
  const { subject, abilities } = grant;
  return {
    id: held.id,
    direction: given ? 'given' : 'received',
    user: other,
    ...(handle ? { handle } : {}),
    ...(grant.audience.node ? { device: grant.audience.node } : {}),
    subject: `${subject.name ?? subject.resource}${subject.path ? `/${subject.path}` : ''}`,
    abilities: [...(abilities.access ? [abilities.access] : []), ...(abilities.methods ?? [])],
    expires: held.verified.expires,
    delegate: grant.delegate,
    ...(grant.parent ? { parent: grantId(grant.parent) } : {}),
    revoked: trust.grants.isRevoked(held),
  };
}
