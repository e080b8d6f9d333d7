/**
 * Who may use the daemon's HTTP port.
 *
 * - `POST /control` always needs the bearer token from `DIR/control.token`: only the user who owns
 *   DIR can read it, so only they can drive the daemon, whatever their address.
 * - The gateway (`/api/…`) and the status page need no token from this machine, and the token from
 *   anywhere else. "From this machine" is stricter than a loopback source address, because a web
 *   page in the user's own browser also connects from loopback:
 *   - the `Host` header must name a loopback address (`127.x`, `localhost`, `[::1]`), which defeats
 *     DNS rebinding (a hostile name that resolves to 127.0.0.1 sends its own name as Host);
 *   - an `Origin` header, when present, must be this very origin, so another site's page cannot
 *     call resources (a cross-site `fetch` of JSON also needs a CORS preflight, never granted).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './options.js';

/** True when the request carries `Authorization: Bearer <token>`. */
export function hasToken(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return false;
  // Compared in constant time, over digests so that the lengths match.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/** True when the request comes from this machine and not from a web page of another origin. */
export function isLocalRequest(request: IncomingMessage): boolean {
  const remote = request.socket.remoteAddress ?? '';
  if (!isLoopbackHost(remote)) return false;
  const host = request.headers.host;
  if (typeof host !== 'string') return false;
  const hostname = /^\[([^\]]+)\](?::\d+)?$/.exec(host)?.[1] ?? host.replace(/:\d+$/, '');
  if (!isLoopbackHost(hostname.toLowerCase())) return false;
  const origin = request.headers.origin;
  return origin === undefined || origin === `http://${host}`;
}

/** The gateway's and status page's rule: local requests pass, others need the token. */
export function mayUseGateway(request: IncomingMessage, token: string): boolean {
  return isLocalRequest(request) || hasToken(request, token);
}
