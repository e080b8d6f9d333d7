/**
 * The web UI's way in: `GET /?login=SECRET` trades a one-time login (sessions.ts) for a session
 * cookie and redirects to `/`, so the secret leaves the address bar (and the history entry) at
 * once; a used, unknown or expired secret gets 401. A page asked for without a session gets
 * 401 and says how to log in.
 */
import type { ServerResponse } from 'node:http';
import { sessionCookie } from './cookies.js';
import type { Logger } from './log.js';
import type { Sessions } from './sessions.js';

/**
 * The login URL for `secret` on the daemon at `http` (its `http://host:port`). A daemon
 * listening on every interface is logged into through 127.0.0.1: the browser that opens the URL
 * runs on this machine.
 */
export function loginUrl(http: string, secret: string): string {
  const url = new URL(http);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  return `${url.origin}/?login=${secret}`;
}

/** Answers `GET /?login=SECRET`: a session and a redirect to `/`, or 401. */
export function serveLogin(secret: string, sessions: Sessions, cookie: string, response: ServerResponse, log: Logger): void {
  const session = sessions.redeem(secret);
  if (session === undefined) {
    log.warn({ event: 'http.login.refused' }, 'a login URL was used again, is unknown or has expired');
    return sendPage(response, 401, 'This login link was used already, or has expired.');
  }
  log.info({ event: 'http.login' }, 'a browser logged in to the web UI');
  response.writeHead(303, {
    location: '/',
    'set-cookie': sessionCookie(cookie, session),
    'cache-control': 'no-store',
    // The secret is spent, but it should not travel to anything the next page loads either.
    'referrer-policy': 'no-referrer',
    'content-length': 0,
  });
  response.end();
}

/** 401 for a page asked for without a session. */
export function sendLoginNeeded(response: ServerResponse, head: boolean): void {
  sendPage(response, 401, 'This page needs a login.', head);
}

function sendPage(response: ServerResponse, status: number, why: string, head = false): void {
  const html = `<!doctype html>
<meta charset="utf-8"><title>Glow: log in</title>
<h1>Glow</h1>
<p>${why} Run <code>glow open</code> on this machine, as the user who runs the daemon: it prints a
one-time login link (<code>glow open --browser</code> opens it).</p>
<p>To make this browser a device of another machine's user, open the invitation link of
<code>glow invite</code> (<code>/join#CODE</code>).</p>
`;
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  response.end(head ? undefined : html);
}
