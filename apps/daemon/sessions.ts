/**
 * Login sessions of the web UI, like Jupyter's: the daemon hands out one-time login URLs (one at
 * start, one per `glow open`: both need what only DIR's owner has, the terminal or the control
 * token), and the first visit to one trades it for a session, carried by an HttpOnly cookie.
 * Both live in memory only: a restart ends every session and every unused login.
 *
 * Secrets are 32 random bytes; they are kept as SHA-256 digests, so that a lookup compares
 * digests, never the secret itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { systemWallClock, type Clock } from '../../src/firefly/clock.js';
import { toBase64url } from '../../src/transport/base64url.js';

/** How long a login URL may wait for its one use. */
export const LOGIN_LIFETIME = 60 * 60_000;

/** Unused logins kept at once; beyond that the oldest is forgotten (its URL stops working). */
const MAX_LOGINS = 32;

/** Sessions kept at once; beyond that the oldest ends (its tab gets 401 and needs a new login). */
const MAX_SESSIONS = 256;

/** A login that was just issued. */
export interface Login {
  /** The secret for `?login=`. */
  secret: string;
  /** ms since the epoch after which it no longer works. */
  expires: number;
}

/** The daemon's open logins and sessions. */
export class Sessions {
  private readonly logins = new Map<string, number>();
  private readonly sessions = new Set<string>();

  constructor(private readonly clock: Clock = systemWallClock) {}

  /** A new one-time login. */
  issueLogin(): Login {
    const secret = toBase64url(randomBytes(32));
    const expires = this.clock.now() + LOGIN_LIFETIME;
    this.logins.set(digest(secret), expires);
    if (this.logins.size > MAX_LOGINS) this.logins.delete(this.logins.keys().next().value!);
    return { secret, expires };
  }

  /** Spends a login: a new session's secret, or undefined when it is unknown, used or expired. */
  redeem(secret: string): string | undefined {
    const key = digest(secret);
    const expires = this.logins.get(key);
    this.logins.delete(key);
    if (expires === undefined || this.clock.now() > expires) return undefined;
    const session = toBase64url(randomBytes(32));
    this.sessions.add(digest(session));
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.values().next().value!);
    return session;
  }

  /** True for the secret of a live session. */
  has(session: string): boolean {
    return this.sessions.has(digest(session));
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
