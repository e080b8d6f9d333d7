/**
 * Public links (`glow share URI --public`): a URL that anyone who can reach the daemon opens
 * without an account, reading one file or one folder of an export (publicLinkServe.ts answers
 * it). The token is 32 random bytes; the daemon keeps only its SHA-256 (in
 * `DIR/public-links.json`, mode 0600), so the file never hands out a working link, and the URL is
 * shown once, when the link is made. A link ends when it expires or is revoked (at once: the next
 * request is refused).
 */
import { createHash, randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';
import * as v from 'valibot';
import type { Node } from '../../src/actors/node.js';
import type { ResourceRef } from '../../src/actors/ref.js';
import type { GrantSubject } from '../../src/actors/trust/grant.js';
import { parseResourceId } from '../../src/firefly/address.js';
import { systemWallClock, type Clock } from '../../src/firefly/clock.js';
import { GlowError } from '../../src/firefly/errors.js';
import { FileSystemInterface } from '../../src/resources/fs/interface.js';
import { toBase64url } from '../../src/transport/base64url.js';
import { writeFileAtomic } from './atomicFile.js';
import { readHomeFile } from './homeFile.js';

/** How long a link holds when the share says nothing, ms. */
export const DEFAULT_LINK_LIFETIME = 7 * 24 * 3600_000;
/** The longest a link may hold, ms: a public door is not for ever. */
export const MAX_LINK_LIFETIME = 365 * 24 * 3600_000;
/** Links kept at once (expired ones are dropped first). */
const MAX_LINKS = 1000;

/** What a link opens: an export (by name or resource id) and a path in it. */
export type LinkTarget = GrantSubject;

/** A link as the daemon keeps it (never its token). */
export interface PublicLink {
  /** A short id, to list and revoke it by. */
  readonly id: string;
  /** SHA-256 of the token, base64url. */
  readonly digest: string;
  readonly target: LinkTarget;
  /** `file` or `dir`: what the target was when the link was made. */
  readonly type: 'file' | 'dir';
  readonly created: number;
  readonly expires: number;
}

const LinkSchema = v.object({
  id: v.string(),
  digest: v.string(),
  target: v.object({ name: v.optional(v.string()), resource: v.optional(v.string()), path: v.optional(v.string()) }),
  type: v.picklist(['file', 'dir']),
  created: v.number(),
  expires: v.number(),
});
const FileSchema = v.object({ version: v.literal(1), links: v.array(LinkSchema) });

/** The daemon's public links, persisted in `file`. */
export class PublicLinks {
  private constructor(
    private readonly file: string,
    private links: PublicLink[],
    private readonly clock: Clock,
  ) {}

  /** Loads `file` (none yet: no links). A file that is not ours is an error, not an empty list. */
  static async open(file: string, clock: Clock = systemWallClock): Promise<PublicLinks> {
    const saved = await readHomeFile(file, FileSchema, 'a list of public links');
    return new PublicLinks(file, saved?.links ?? [], clock);
  }

  /** Makes a link to `target`; answers it and its token (the only time the token exists). */
  async create(target: LinkTarget, type: 'file' | 'dir', lifetime = DEFAULT_LINK_LIFETIME): Promise<{ link: PublicLink; token: string }> {
    if (!(lifetime >= 1000 && lifetime <= MAX_LINK_LIFETIME)) throw new GlowError('badarg', 'a public link holds from 1 s to 365 days');
    const token = toBase64url(randomBytes(32));
    const now = this.clock.now();
    const link: PublicLink = { id: nanoid(10), digest: digest(token), target, type, created: now, expires: now + lifetime };
    const kept = this.live();
    if (kept.length >= MAX_LINKS) throw new GlowError('busy', `${MAX_LINKS} public links are open: revoke some first (glow share revoke)`);
    this.links = [...kept, link];
    await this.save();
    return { link, token };
  }

  /** The links that still hold, oldest first. */
  list(): PublicLink[] {
    return this.live();
  }

  /** The live link a request's token opens, if any. */
  find(token: string): PublicLink | undefined {
    const key = digest(token);
    return this.live().find((link) => link.digest === key);
  }

  /** Ends the link named by its id, its token or its URL, at once. */
  async revoke(text: string): Promise<PublicLink> {
    const token = /\/s\/([A-Za-z0-9_-]{43})(?:\/|$)/.exec(text)?.[1] ?? text;
    const key = digest(token);
    const found = this.links.find((link) => link.id === text || link.digest === key);
    if (!found) throw new GlowError('badarg', `no public link is ${JSON.stringify(text.slice(0, 80))} (glow share links lists them)`, { reason: 'notfound' });
    this.links = this.links.filter((link) => link !== found);
    await this.save();
    return found;
  }

  private live(): PublicLink[] {
    const now = this.clock.now();
    return this.links.filter((link) => link.expires > now);
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, links: this.links }, null, 2)}\n`);
  }
}

/** The export a link's target names: by name (it follows the name wherever it runs) or by id. */
export function linkExport(node: Node, target: LinkTarget): ResourceRef<typeof FileSystemInterface> {
  if (target.name !== undefined) return node.named(target.name, FileSystemInterface);
  return node.ref(parseResourceId(target.resource!), FileSystemInterface);
}

function digest(token: string): string {
  return toBase64url(createHash('sha256').update(token).digest());
}
