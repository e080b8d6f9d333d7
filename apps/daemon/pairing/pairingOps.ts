/**
 * The control operations of pairing: `invite` (on a device of the user: opens an invitation)
 * and `join` (on the new device: pairs with the inviter and becomes a device of its user).
 */
import { hostname } from 'node:os';
import { GlowError } from '../../../src/firefly/errors.js';
import type { DeviceRole } from '../../../src/transport/certificate.js';
import type { DaemonContext } from '../operations.js';
import { adoptUser } from './adoptUser.js';
import { formatInviteCode, inviteLink, MAX_TRIES, parseInvitation } from './inviteCode.js';
import { joinNearby, type Nearby } from './findInviter.js';
import type { RememberedInviter } from './inviterFile.js';
import type { Invites } from './invites.js';
import { joinInviter } from './joinClient.js';

/** What pairing needs from the daemon. */
export interface PairingContext {
  /** The daemon's home (the certificate and user key live there). */
  readonly home: string;
  readonly invites: Invites;
  /** Keeps a link to `url` up from now on (a joined daemon links to its inviter). */
  linkTo(url: string): void;
  /** Remembers the inviter (inviterFile.ts) and keeps a link to it up, now and after every start. */
  keepInviter(inviter: RememberedInviter): Promise<void>;
  /** The daemons mDNS finds, where a bare code looks for its inviter; undefined when mDNS is off. */
  nearby(): Nearby | undefined;
}

/** `invite`: a one-time invitation. */
export interface InviteValue {
  /** The code to type: `xxxx-xxxx-xxxx`. */
  code: string;
  /** `http://HOST:PORT/join#CODE`: opens the Join screen, or `glow join LINK`. */
  link: string;
  role: DeviceRole;
  /** ms since the epoch. */
  expires: number;
  /** Wrong codes it survives, minus one. */
  tries: number;
}

/** `join`: this daemon is now a device of the inviter's user. */
export interface JoinedValue {
  user: string;
  node: string;
  name: string;
  roles: string[];
  inviter: { node: string; link: string; name?: string };
  /** Where this daemon's old user key went, when it had one. */
  oldUserKey?: string;
}

/** `invite`: `denied` on a member device (it cannot sign certificates). */
export async function invite(ctx: DaemonContext, role: DeviceRole, lifetime: number): Promise<InviteValue> {
  const { trust, userKey } = ctx.device;
  if (!userKey && !trust.certificate.roles.includes('admin')) {
    throw new GlowError('denied', 'this device is a member of its user, not an admin: it cannot add devices', { reason: 'not an admin device' });
  }
  const { code, expires } = await ctx.pairing.invites.create(role, lifetime);
  ctx.log.info({ event: 'invite.created', invite: code.id, role, expires }, `opened invitation ${code.id} for a ${role} device`);
  return { code: formatInviteCode(code), link: inviteLink(reachableHttp(ctx.info().http), code), role, expires, tries: MAX_TRIES };
}

/** A daemon listening on every interface names itself by its host name in links. */
export function reachableHttp(http: string): string {
  const url = new URL(http);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = hostname();
  return url.origin;
}

/**
 * `join`: pairs with the inviter found in the link, at `connect` (its HTTP address), or for a
 * bare code among the daemons mDNS finds (findInviter.ts), then becomes a device of its user,
 * remembers the inviter and links to it.
 */
export async function join(ctx: DaemonContext, invitation: string, connect: string | undefined): Promise<JoinedValue> {
  const { code, inviter } = parseInvitation(invitation);
  const base = inviter ?? (connect === undefined ? undefined : httpOrigin(connect));
  const nearby = base ? undefined : ctx.pairing.nearby();
  if (!base && !nearby) throw new GlowError('badarg', "mDNS is off on this daemon, so a code alone does not say where the inviter is: give --connect http://HOST:PORT (the inviter's HTTP address) or the link");
  const own = ctx.device.trust.certificate;
  const device = { node: ctx.mesh.identity.id, name: own.name };
  const joined = base ? { ...(await joinInviter(base, code, device)), via: base } : await joinNearby(nearby!, code, device);
  const { oldUserKey } = await adoptUser(ctx.pairing.home, ctx.device, joined.certificate);
  ctx.log.info({ event: 'device.joined', user: joined.user, inviter: joined.inviter.node, oldUserKey }, `joined user ${joined.user}: this is now one of its devices`);
  const link = reachableLink(joined.inviter.link, joined.via);
  await ctx.pairing.keepInviter({ node: joined.inviter.node, link });
  const c = joined.certificate;
  return { user: c.user, node: c.node, name: c.name, roles: [...c.roles], inviter: { ...joined.inviter, link }, ...(oldUserKey ? { oldUserKey } : {}) };
}

/** An inviter listening on every interface is reached at the host its HTTP gateway was. */
function reachableLink(link: string, via: string): string {
  const url = new URL(link);
  if (url.hostname !== '0.0.0.0' && url.hostname !== '[::]') return link;
  url.hostname = new URL(via).hostname;
  return url.href.replace(/\/$/, '');
}

/** The inviter's HTTP origin from `--connect`; `badarg` for anything but an http(s) URL. */
export function httpOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GlowError('badarg', `--connect takes the inviter's HTTP address, like http://HOST:PORT (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GlowError('badarg', `--connect takes the inviter's http:// address, not ${url.protocol}`);
  return url.origin;
}
