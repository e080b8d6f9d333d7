/**
 * The daemon's home directory (DIR): created on first start (mode 0700), it holds
 *
 * | file | what | lifetime |
 * | --- | --- | --- |
 * | `node.key` | the node's Ed25519 secret key (mode 0600); the node id derives from it | created once, never replaced |
 * | `user.key` | the user's Ed25519 secret key (mode 0600), on the device that created the user | created once, never replaced |
 * | `device.cert` | this device's certificate, signed by the user (see userHome.ts) | renewed while it runs |
 * | `trust.json` | friends, and devices the user removed | kept current while it runs |
 * | `config.json` | optional settings (see options.ts) | written by the user |
 * | `inviter.json` | the inviter this device joined through, dialled at every start (pairing/inviterFile.ts) | written by `glow join` |
 * | `control.token` | the control channel's bearer token (mode 0600) | new at every start |
 * | `daemon.json`, `daemon.lock` | where the running daemon is (see daemonFile.ts) | while it runs |
 * | `processes.json` | processes spawned with `--persist` (see persist.ts) | until they are killed |
 * | `tls.cert`, `tls.key` | with `--tls`: a certificate bound to the node key and its key (mode 0600; see tls.ts) | made again when its names change or it nears its end |
 */
import { errorMessage } from '../../src/firefly/errors.js';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBase64url, toBase64url } from '../../src/transport/base64url.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import { syncDirectory, writeFileAtomic } from './atomicFile.js';
import { DaemonError } from './errors.js';
import { parseConfig, type DaemonConfig } from './options.js';

/** File names inside DIR. */
export const HOME_FILES = Object.freeze({
  key: 'node.key',
  userKey: 'user.key',
  certificate: 'device.cert',
  trust: 'trust.json',
  config: 'config.json',
  inviter: 'inviter.json',
  token: 'control.token',
  info: 'daemon.json',
  lock: 'daemon.lock',
  processes: 'processes.json',
  sync: 'sync.json',
  tlsCert: 'tls.cert',
  tlsKey: 'tls.key',
  publicLinks: 'public-links.json',
  appPasswords: 'app-passwords.json',
  davProps: 'dav-props.json',
});

/** Creates DIR (mode 0700) if needed and checks that this user can read and write it. */
export async function prepareHome(home: string): Promise<void> {
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    if (!(await stat(home)).isDirectory()) throw new Error('not a directory');
    await access(home, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new DaemonError('home', `cannot use ${home} as the daemon's home: ${errorMessage(error)}`);
  }
}

/** Reads `DIR/config.json`; no file means no settings. */
export async function readConfig(home: string): Promise<DaemonConfig> {
  const file = join(home, HOME_FILES.config);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new DaemonError('home', `cannot read ${file}: ${errorMessage(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DaemonError('usage', `${file} is not valid JSON: ${errorMessage(error)}`);
  }
  return parseConfig(value, file);
}

/** What `node.key` holds. The id is kept beside the key so that a damaged key is noticed. */
interface KeyFile {
  version: 1;
  type: 'ed25519';
  /** base64url of the 32-byte secret key. */
  secretKey: string;
  /** The node id the key derives to. */
  id: string;
}

/** The outcome of {@link loadIdentity}. */
export interface LoadedIdentity {
  identity: NodeIdentity;
  /** True when the key was made by this start. */
  created: boolean;
  /** Set when the key file is readable by others than its owner (it still loads). */
  warning?: string;
}

/**
 * The node's key pair from `DIR/node.key`, created (mode 0600) on first start and reused on
 * every later one. A key file that cannot be read or does not hold a valid key stops the start
 * with a `home` error and is left exactly as it is: replacing it would silently change the
 * node's id, and every peer and name that knows the old one.
 */
export async function loadIdentity(home: string): Promise<LoadedIdentity> {
  return loadKey(join(home, HOME_FILES.key), 'node', true) as Promise<LoadedIdentity>;
}

/**
 * An Ed25519 key pair from `file` (`node.key` and `user.key` alike: `what` names whose key it is
 * in errors). A missing file is created when `create` is set, and is undefined otherwise.
 */
export async function loadKey(file: string, what: 'node' | 'user', create: boolean): Promise<LoadedIdentity | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DaemonError('home', `cannot read the key file ${file}: ${errorMessage(error)} (it was left untouched)`);
      }
      if (!create) return undefined;
      const created = await createKeyFile(file);
      if (created) return { identity: created, created: true };
      continue; // another daemon created it at the same instant: read theirs
    }
    const identity = parseKeyFile(text, file, what);
    const mode = (await stat(file)).mode & 0o777;
    const warning = mode & 0o077 ? `${file} has mode ${mode.toString(8)}: others can read the ${what}'s key (chmod 600 it)` : undefined;
    return { identity, created: false, ...(warning ? { warning } : {}) };
  }
  throw new DaemonError('home', `cannot create the key file ${file}`);
}

function parseKeyFile(text: string, file: string, what: 'node' | 'user'): NodeIdentity {
  const consequence = what === 'node' ? 'to start as a new node (a new node id)' : 'and pair this device with your user again (glow join)';
  const corrupt = (why: string) =>
    new DaemonError('home', `the key file ${file} is corrupt (${why}); it was left untouched — restore it, or move it away ${consequence}`);
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw corrupt('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.type !== 'ed25519' || typeof parsed.secretKey !== 'string') {
    throw corrupt('no ed25519 secretKey');
  }
  const secret = fromBase64url(parsed.secretKey);
  if (!secret || secret.length !== 32) throw corrupt('the secret key is not 32 bytes of base64url');
  const identity = createIdentity(secret);
  if (parsed.id !== identity.id) throw corrupt(`the key does not match the ${what} id stored beside it`);
  return identity;
}

/**
 * Writes a fresh key to a temporary file (0600, fsynced) and links it into place, which fails if
 * a key file appeared meanwhile: the key file is never seen half-written and never overwritten.
 * Returns undefined when another process created it first.
 */
async function createKeyFile(file: string): Promise<NodeIdentity | undefined> {
  const identity = createIdentity();
  const contents: KeyFile = { version: 1, type: 'ed25519', secretKey: toBase64url(identity.secretKey), id: identity.id };
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(contents)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    }
    await syncDirectory(join(file, '..'));
    return identity;
  } catch (error) {
    throw new DaemonError('home', `cannot create the key file ${file}: ${errorMessage(error)}`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Writes a fresh control token (mode 0600) and returns it. */
export async function writeControlToken(home: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  try {
    await writeFileAtomic(join(home, HOME_FILES.token), `${token}\n`, 0o600);
  } catch (error) {
    throw new DaemonError('home', `cannot write ${join(home, HOME_FILES.token)}: ${errorMessage(error)}`);
  }
  return token;
}

