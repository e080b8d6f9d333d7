/**
 * How the CLI finds its daemon: `--daemon URL` (token from `--token` or `$GLOW_TOKEN`), or a home
 * directory (`--home DIR`, else `$GLOW_HOME`, else `~/.glow`) whose `daemon.json` names the
 * control URL and whose `control.token` holds the bearer token. Discovery only reads: it never
 * creates, fixes or removes anything in the home (a stale daemon.json is the daemon's to clean).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorMessage } from '../../../src/firefly/errors.js';
import type { DaemonInfo } from '../control.js';
import { CliError, EXIT } from './exitCodes.js';

/** Where to find the daemon, as the user said it. */
export interface DiscoveryOptions {
  home?: string;
  daemon?: string;
  token?: string;
}

/** A daemon to talk to. */
export interface DaemonTarget {
  /** Base URL of the daemon's HTTP port (`http://host:port`). */
  http: string;
  token: string;
  /** The home it was found through, if any. */
  home?: string;
  /** Its daemon.json, when found through a home. */
  info?: DaemonInfo;
  /** For `https://`: the certificate to trust (the daemon's own, from its home), instead of the CAs. */
  ca?: string;
}

/**
 * TLS options for a request to `target`: its own certificate as the only one trusted (a pin, so
 * the name in the URL, such as 0.0.0.0 or a LAN address, need not be one the certificate lists);
 * none when the daemon's certificate comes from a CA.
 */
export function pinnedTls(target: DaemonTarget): { ca?: string; checkServerIdentity?: () => undefined } {
  return target.ca ? { ca: target.ca, checkServerIdentity: () => undefined } : {};
}

/** The home directory: `--home`, else `$GLOW_HOME`, else `~/.glow` (the daemon's rule, options.ts). */
export function resolveHome(home: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(home ?? (env.GLOW_HOME || join(env.HOME || homedir(), '.glow')));
}

/** Finds the daemon to talk to; throws a {@link CliError} with the matching exit code when it cannot. */
export async function findDaemon(options: DiscoveryOptions, env: NodeJS.ProcessEnv = process.env): Promise<DaemonTarget> {
  if (options.daemon !== undefined) {
    const token = options.token ?? env.GLOW_TOKEN;
    if (!token) throw new CliError(EXIT.unauthorized, 'no control token: pass --token or set $GLOW_TOKEN (it is in DIR/control.token)');
    return { http: options.daemon, token };
  }
  const home = resolveHome(options.home, env);
  const info = await readDaemonInfo(home);
  if (!isAlive(info.pid)) {
    throw new CliError(EXIT.noDaemon, `no daemon running for ${home}: daemon.json is stale (pid ${info.pid} is gone)`);
  }
  const token = options.token ?? (await readToken(home));
  // A daemon with a certificate bound to its key (--tls) keeps it in its home: trust exactly that.
  const ca = info.http.startsWith('https:') ? await readFile(join(home, 'tls.cert'), 'utf8').catch(() => undefined) : undefined;
  return { http: info.http, token, home, info, ...(ca ? { ca } : {}) };
}

/** Reads and checks `DIR/daemon.json`. */
export async function readDaemonInfo(home: string): Promise<DaemonInfo> {
  const file = join(home, 'daemon.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(EXIT.noDaemon, `no daemon running for ${home} (no daemon.json); start one with: glow daemon --home ${home}`);
    throw new CliError(EXIT.badHome, `cannot read ${file}: ${describeFsError(error)}`);
  }
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    throw new CliError(EXIT.badHome, `${file} is not valid JSON`);
  }
  if (!isDaemonInfo(info)) throw new CliError(EXIT.badHome, `${file} does not describe a daemon (needs pid, node and an http URL)`);
  return info;
}

/** Reads `DIR/control.token` (mode 0600: readable only by the user who owns DIR). */
export async function readToken(home: string): Promise<string> {
  const file = join(home, 'control.token');
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new CliError(EXIT.unauthorized, `cannot read ${file}: only the user who owns ${home} may control its daemon`);
    throw new CliError(EXIT.badHome, `cannot read ${file}: ${describeFsError(error)}`);
  }
  if (!token) throw new CliError(EXIT.badHome, `${file} is empty`);
  return token;
}

function isDaemonInfo(value: unknown): value is DaemonInfo {
  if (typeof value !== 'object' || value === null) return false;
  const { pid, node, http } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0 || typeof node !== 'string' || typeof http !== 'string') return false;
  try {
    const url = new URL(http);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** True when a process with that pid exists (EPERM: it exists but belongs to someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `ENOTDIR`-style errors as short human text. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOTDIR':
      return 'the home is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return code ?? errorMessage(error);
  }
}
