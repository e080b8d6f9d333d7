/**
 * The control channel's public-link operations (`glow share URI --public`, `glow share links`,
 * `glow share revoke`): what a link opens is checked when it is made (a file or a folder of a
 * FileSystem export on one of this user's devices), and its URL is printed once.
 */
import { networkInterfaces } from 'node:os';
import { GlowError, toGlowError } from '../../src/firefly/errors.js';
import type { DaemonContext } from './operations.js';
import { linkExport, type PublicLink } from './publicLinks.js';
import { grantSubject } from './sharing.js';

/** A public link as the CLI shows it; `url` only when it was just made (the token is not kept). */
export interface PublicLinkValue {
  id: string;
  /** What it opens: `export/path`. */
  target: string;
  type: 'file' | 'dir';
  created: number;
  expires: number;
  url?: string;
}

/** Makes a link to `ref` (an export, or a file or folder in one), holding `lifetime` ms. */
export async function createPublicLink(ctx: DaemonContext, ref: string, lifetime?: number): Promise<PublicLinkValue> {
  const bare = ref.replace(/^glow:\/\//, '').replace(/\/+$/, '');
  const { subject } = grantSubject(ctx.mesh.node, ctx.device.trust, bare);
  let stat;
  try {
    stat = await linkExport(ctx.mesh.node, subject).call('stat', { path: subject.path ?? '' }, { timeout: 10_000 });
  } catch (error) {
    const failure = toGlowError(error);
    if (failure.code === 'nomethod' || failure.code === 'badarg') throw new GlowError('badarg', `${bare} is not in a FileSystem export: only files and folders have public links`);
    throw failure;
  }
  if (stat.type !== 'file' && stat.type !== 'dir') throw new GlowError('badarg', `${bare} is neither a file nor a folder`);
  const { link, token } = await ctx.publicLinks.create(subject, stat.type, lifetime);
  const name = stat.type === 'file' ? `/${encodeURIComponent(subject.path!.split('/').at(-1)!)}` : '/';
  return { ...linkValue(link), url: `${publicBase(ctx.info().http)}/s/${token}${name}` };
}

/** The links that still hold. */
export function publicLinkList(ctx: DaemonContext): PublicLinkValue[] {
  return ctx.publicLinks.list().map(linkValue);
}

/** Ends a link (by id, token or URL) at once. */
export async function revokePublicLink(ctx: DaemonContext, text: string): Promise<PublicLinkValue> {
  return linkValue(await ctx.publicLinks.revoke(text));
}

function linkValue(link: PublicLink): PublicLinkValue {
  const target = [link.target.name ?? link.target.resource, link.target.path].filter((part) => part !== undefined && part !== '').join('/');
  return { id: link.id, target, type: link.type, created: link.created, expires: link.expires };
}

/**
 * The daemon's HTTP origin as others reach it: a daemon listening on every interface is named by
 * its first non-loopback IPv4 address (a LAN's), else loopback.
 */
function publicBase(http: string): string {
  const url = new URL(http);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') {
    const address = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .find((entry) => entry.family === 'IPv4' && !entry.internal)?.address;
    url.hostname = address ?? '127.0.0.1';
  }
  return url.origin;
}
