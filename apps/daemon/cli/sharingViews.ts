/**
 * The human rendering of the friends and grants answers (`--json` bypasses it). Like views.ts,
 * every view reads defensively and never throws.
 */
import type { FriendValue, GrantValue } from '../control.js';
import type { PublicLinkValue } from '../publicLinkOps.js';
import type { AppPasswordValue } from '../appPasswordOps.js';
import { cell, duration, table } from './format.js';
import { list, record, type Loose } from './views.js';

/** `friends`: HANDLE, USER, DEVICES (online/known). */
export function friendsView(value: unknown): string {
  const rows = list(value).map((f: Loose<FriendValue>) => [cell(f.handle), cell(f.user), `${cell(f.online)}/${cell(f.devices)} online`]);
  return rows.length ? table(['HANDLE', 'USER', 'DEVICES'], rows) : 'no friends yet: glow friends add USER [--handle NAME]\n';
}

/** `friends add` / `friends remove`. */
export function friendView(verb: 'added' | 'removed'): (value: unknown) => string {
  return (value) => {
    const f = record(value) as Loose<FriendValue>;
    const who = typeof f.handle === 'string' ? `${f.handle} (${cell(f.user)})` : cell(f.user);
    return verb === 'added'
      ? `${who} is a friend: their devices may link to yours and reach what you share with them\n`
      : `${who} is no friend any more: their devices' links are cut and refused\n`;
  };
}

function who(g: Loose<GrantValue>): string {
  const user = typeof g.handle === 'string' ? g.handle : typeof g.user === 'string' ? `${g.user.slice(0, 8)}…` : '-';
  return typeof g.device === 'string' ? `${user} (device ${g.device.slice(0, 8)}…)` : user;
}

function expires(g: Loose<GrantValue>, now: number): string {
  if (g.revoked === true) return 'revoked';
  if (typeof g.expires !== 'number') return '-';
  return g.expires <= now ? 'expired' : `in ${duration(g.expires - now)}`;
}

/** `grants`: ID, GIVEN/RECEIVED, WHO, WHAT, ABILITIES, EXPIRES. */
export function grantsView(value: unknown, now = Date.now()): string {
  const rows = list(value).map((g: Loose<GrantValue>) => [
    cell(g.id),
    g.direction === 'given' ? 'to' : 'from',
    who(g),
    cell(g.subject),
    `${Array.isArray(g.abilities) ? g.abilities.map(String).join(',') : '-'}${g.delegate === true ? ' +delegate' : ''}`,
    expires(g, now),
  ]);
  return rows.length ? table(['GRANT', '', 'USER', 'WHAT', 'ABILITIES', 'EXPIRES'], rows) : 'no grants given or received\n';
}

/** `share`: the new grant, and how to take it back. */
export function sharedView(value: unknown, now = Date.now()): string {
  const g = record(value) as Loose<GrantValue>;
  const abilities = Array.isArray(g.abilities) ? g.abilities.map(String).join(', ') : '-';
  return `shared ${cell(g.subject)} with ${who(g)}: ${abilities}, expires ${expires(g, now)}\ngrant ${cell(g.id)} (glow revoke ${cell(g.id)} takes it back)\n`;
}

/** `revoke`. */
export function revokedView(value: unknown): string {
  const g = record(value) as Loose<GrantValue>;
  return `revoked grant ${cell(g.id)} (${cell(g.subject)} for ${who(g)}): every node that hears of it refuses it\n`;
}

function linkExpires(l: Loose<PublicLinkValue>, now: number): string {
  return typeof l.expires === 'number' ? (l.expires <= now ? 'expired' : `in ${duration(l.expires - now)}`) : '-';
}

/** `share --public`: the URL (shown this once), and how to end it. */
export function publicLinkView(value: unknown, now = Date.now()): string {
  const l = record(value) as Loose<PublicLinkValue>;
  return `${cell(l.url)}\nanyone with this link reads the ${l.type === 'dir' ? 'folder' : 'file'} ${cell(l.target)} (expires ${linkExpires(l, now)}); it is shown only now\nlink ${cell(l.id)} (glow share revoke ${cell(l.id)} ends it)\n`;
}

/** `share links`: ID, WHAT, EXPIRES. */
export function publicLinksView(value: unknown, now = Date.now()): string {
  const rows = list(value).map((l: Loose<PublicLinkValue>) => [cell(l.id), `${cell(l.target)}${l.type === 'dir' ? '/' : ''}`, linkExpires(l, now)]);
  return rows.length ? table(['LINK', 'WHAT', 'EXPIRES'], rows) : 'no public links: glow share URI --public makes one\n';
}

/** `share revoke`. */
export function publicLinkRevokedView(value: unknown): string {
  const l = record(value) as Loose<PublicLinkValue>;
  return `public link ${cell(l.id)} to ${cell(l.target)} ended: it opens nothing from now on\n`;
}

function scope(t: Loose<AppPasswordValue>): string {
  return `${t.readOnly === true ? 'read only' : 'read and write'}, ${typeof t.export === 'string' ? `export ${t.export} only` : 'every export'}`;
}

/** `token create`: the password (shown this once) and where to mount. */
export function tokenCreatedView(value: unknown): string {
  const t = record(value) as Loose<AppPasswordValue>;
  return `app password ${cell(t.name)} (${scope(t)}): ${cell(t.secret)}\nmount ${cell(t.url)} with user ${cell(t.name)} and this password; it is shown only now (glow token revoke ${cell(t.name)} ends it)\n`;
}

/** `token ls`: NAME, ID, MAY. */
export function tokensView(value: unknown): string {
  const rows = list(value).map((t: Loose<AppPasswordValue>) => [cell(t.name), cell(t.id), scope(t)]);
  return rows.length ? table(['NAME', 'ID', 'MAY'], rows) : 'no app passwords: glow token create --name NAME makes one\n';
}

/** `token revoke`. */
export function tokenRevokedView(value: unknown): string {
  const t = record(value) as Loose<AppPasswordValue>;
  return `app password ${cell(t.name)} ended: it opens nothing from now on\n`;
}
