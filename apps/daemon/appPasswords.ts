/**
 * App passwords (`glow token create --name laptop-finder [--read-only] [--export NAME]`): what an
 * operating system's WebDAV client (Finder, Windows Explorer, GNOME Files, rclone) sends as Basic
 * auth, since it can hold no device key. Each is 32 random bytes, shown once; the daemon keeps
 * its SHA-256 only (`DIR/app-passwords.json`, mode 0600), with what it may do: read only, and
 * one export only. `glow token revoke` ends one at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { nanoid } from 'nanoid';
import * as v from 'valibot';
import { systemWallClock, type Clock } from '../../src/firefly/clock.js';
import { GlowError } from '../../src/firefly/errors.js';
import { toBase64url } from '../../src/transport/base64url.js';
import { writeFileAtomic } from './atomicFile.js';
import { readHomeFile } from './homeFile.js';

/** What an app password may do. */
export interface AppPassword {
  readonly id: string;
  /** Who it is for, as the user named it (unique). */
  readonly name: string;
  readonly digest: string;
  readonly readOnly: boolean;
  /** The only export it reaches, when it is limited to one. */
  readonly export?: string;
  readonly created: number;
}

const PasswordSchema = v.object({
  id: v.string(),
  name: v.string(),
  digest: v.string(),
  readOnly: v.boolean(),
  export: v.optional(v.string()),
  created: v.number(),
});
const FileSchema = v.object({ version: v.literal(1), passwords: v.array(PasswordSchema) });
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_PASSWORDS = 256;

/** The daemon's app passwords, persisted in `file`. */
export class AppPasswords {
  private constructor(
    private readonly file: string,
    private passwords: AppPassword[],
    private readonly clock: Clock,
  ) {}

  /** Loads `file` (none yet: no passwords). */
  static async open(file: string, clock: Clock = systemWallClock): Promise<AppPasswords> {
    const saved = await readHomeFile(file, FileSchema, 'a list of app passwords');
    return new AppPasswords(file, saved?.passwords ?? [], clock);
  }

  /** Makes a password named `name`; answers it and its secret (the only time the secret exists). */
  async create(name: string, options: { readOnly?: boolean; export?: string } = {}): Promise<{ password: AppPassword; secret: string }> {
    if (!NAME.test(name)) throw new GlowError('badarg', 'an app password’s name is 1-64 letters, digits, "_", "." or "-"');
    if (this.passwords.some((p) => p.name === name)) throw new GlowError('badarg', `an app password is named ${name} already (glow token revoke ${name} first)`, { reason: 'exists' });
    if (this.passwords.length >= MAX_PASSWORDS) throw new GlowError('busy', `${MAX_PASSWORDS} app passwords exist: revoke some first`);
    const secret = toBase64url(randomBytes(32));
    const password: AppPassword = {
      id: nanoid(10),
      name,
      digest: digest(secret),
      readOnly: options.readOnly ?? false,
      ...(options.export ? { export: options.export } : {}),
      created: this.clock.now(),
    };
    this.passwords = [...this.passwords, password];
    await this.save();
    return { password, secret };
  }

  list(): AppPassword[] {
    return [...this.passwords];
  }

  /** The password `secret` is, if any (compared as digests, in constant time). */
  check(secret: string): AppPassword | undefined {
    const key = Buffer.from(digest(secret));
    return this.passwords.find((p) => {
      const known = Buffer.from(p.digest);
      return known.length === key.length && timingSafeEqual(known, key);
    });
  }

  /** Ends the password named `text` (its name or id) at once. */
  async revoke(text: string): Promise<AppPassword> {
    const found = this.passwords.find((p) => p.name === text || p.id === text);
    if (!found) throw new GlowError('badarg', `no app password is ${JSON.stringify(text.slice(0, 80))} (glow token ls lists them)`, { reason: 'notfound' });
    this.passwords = this.passwords.filter((p) => p !== found);
    await this.save();
    return found;
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, passwords: this.passwords }, null, 2)}\n`);
  }
}

function digest(secret: string): string {
  return toBase64url(createHash('sha256').update(secret).digest());
}
