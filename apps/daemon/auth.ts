/**
 * Who may use the daemon's HTTP port. Nothing is open to a request because of where it comes
 * from: every local Unix user reaches 127.0.0.1, so a loopback address proves nothing.
 *
 * - `POST /control` needs the bearer token from `DIR/control.token`: only the user who owns DIR
 *   can read it.
 * - The gateway (`/api/…`), `/fs/…`, the web app's page and the status page need that token too
 *   (`Authorization: Bearer …`, for programs), or a login session (sessions.ts: the web UI's
 *   HttpOnly cookie). A session counts only for the daemon's own pages: a request that says it
 *   comes from another origin (`Origin`), or from another site or port of this host
 *   (`Sec-Fetch-Site`: browsers share cookies across ports), is not the web app's.
 * - What needs neither (http.ts): the Join screen's static files, pairing (`/api/join/…`,
 *   guarded by the invitation) and `/api/info` (what a stranger's handshake tells anyway).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { originAllowed } from '../../src/transport/originCheck.js';
import { readCookie } from './cookies.js';
import type { Sessions } from './sessions.js';
import type { WebOrigins } from './webOrigins.js';

/** What the checks need. */
export interface HttpAuth {
  /** The control token. */
  token: string;
  sessions: Sessions;
  origins: WebOrigins;
  /** The session cookie's name (cookies.ts). */
  cookie: string;
}

/** True when the request carries `Authorization: Bearer <token>`. */
export function hasToken(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return false;
  // Compared in constant time, over digests so that the lengths match.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/** True when the request's `Origin`, if it sends one, is one of the daemon's own pages. */
export function fromOwnOrigin(request: IncomingMessage, origins: WebOrigins): boolean {
  return originAllowed(origins.allows, request.headers.origin);
}

/** True when the request carries a live session and comes from the daemon's own pages. */
export function hasSession(request: IncomingMessage, auth: HttpAuth): boolean {
  const session = readCookie(request, auth.cookie);
  if (session === undefined || !auth.sessions.has(session)) return false;
  const site = request.headers['sec-fetch-site'];
  // `none`: the user opened it (address bar, bookmark); `same-origin`: the app itself.
  const ownSite = site === undefined || site === 'same-origin' || site === 'none';
  return ownSite && fromOwnOrigin(request, auth.origins);
}

/** The gateway's rule: the token, or a session of the web UI. */
export function mayUseGateway(request: IncomingMessage, auth: HttpAuth): boolean {
  return hasToken(request, auth.token) || hasSession(request, auth);
}
