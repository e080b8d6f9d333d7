/**
 * The session cookie's header text. Its name carries the HTTP port because browsers share
 * cookies between all ports of a host: two daemons on one machine must not overwrite each
 * other's session.
 */
import type { IncomingMessage } from 'node:http';

/** The session cookie's name for the daemon listening on `port`. */
export function sessionCookieName(port: number): string {
  return `glow_session_${port}`;
}

/**
 * `Set-Cookie` for a session: HttpOnly (page scripts never see it), SameSite=Strict (another
 * site's page or link never sends it), Path=/ (the app, the gateway and /fs alike), and no
 * expiry: it ends with the browser session, or before, with the daemon.
 */
export function sessionCookie(name: string, secret: string): string {
  return `${name}=${secret}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The value of cookie `name` in the request, if it sent one. */
export function readCookie(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
