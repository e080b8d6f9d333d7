/**
 * The web UI's login (apps/daemon/login.ts, sessions.ts, auth.ts): the start line's one-time
 * URL and `glow open`'s each log one browser in once, with an HttpOnly, SameSite=Strict session
 * cookie; pages and the API without it get 401, and the cookie counts only on requests of the
 * daemon's own pages.
 */
import { glowInProcess } from '../cli/inProcess.js';
import { useDaemons, type DaemonProcess } from './helpers.js';

const daemons = useDaemons();

/** GET `path` on the daemon with `headers`; the status. */
async function status(daemon: DaemonProcess, path: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${daemon.info.http}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  return response.status;
}

test('the start line prints a login URL that works once: a session cookie, a redirect that drops the secret, then 401', async () => {
  const daemon = await daemons.start();
  const start = daemon.lines.find((line) => line.event === 'daemon.started')!;
  const port = new URL(daemon.info.http).port;
  expect(start.login).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?login=[A-Za-z0-9_-]{43}$`));
  expect(start.msg).toContain(start.login);
  // After the link, what to do next, in plain words (with this home, as it is not the default).
  expect(start.msg).toContain(`what next:\n  1. open the web UI with the link above (a new link any time: glow open)\n  2. share a folder with your devices: glow export ~/Documents --home ${daemon.home}\n  3. add a device: glow invite --home ${daemon.home} prints a link`);

  const first = await fetch(start.login, { redirect: 'manual' });
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe('/');
  const cookie = first.headers.get('set-cookie')!;
  expect(cookie).toMatch(new RegExp(`^glow_session_${port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
  const session = cookie.split(';')[0]!;

  const second = await fetch(start.login, { redirect: 'manual' });
  expect(second.status).toBe(401);
  expect(second.headers.get('set-cookie')).toBeNull();
  expect(await second.text()).toContain('glow open');

  for (const path of ['/', '/status', '/api/ls', '/fs/nothing/x']) {
    // A session opens every page and the API (a missing export is a 404, not a 401)…
    expect({ path, status: await status(daemon, path, { cookie: session }) }).toEqual({ path, status: path.startsWith('/fs/') ? 404 : 200 });
    // …and nothing opens without it, from this machine too.
    expect({ path, status: await status(daemon, path) }).toEqual({ path, status: 401 });
    expect({ path, status: await status(daemon, path, { cookie: `glow_session_${port}=forged` }) }).toEqual({ path, status: 401 });
  }
  // What needs no session: what a device to be must load to pair.
  expect(await status(daemon, '/api/info')).toBe(200);
});

test('the session cookie counts only on requests of the daemon own pages: not from another origin, site or port', async () => {
  const daemon = await daemons.start();
  const cookie = await daemon.sessionCookie();
  const own = daemon.info.http;
  expect(await status(daemon, '/api/ls', { cookie, origin: own, 'sec-fetch-site': 'same-origin' })).toBe(200);
  expect(await status(daemon, '/api/ls', { cookie, origin: own.replace('127.0.0.1', 'localhost') })).toBe(200);
  expect(await status(daemon, '/', { cookie, 'sec-fetch-site': 'none' })).toBe(200);
  expect(await status(daemon, '/api/ls', { cookie, origin: 'https://evil.example' })).toBe(401);
  // Another port of 127.0.0.1 is the same site to the browser, which sends the cookie along.
  expect(await status(daemon, '/api/ls', { cookie, origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' })).toBe(401);
  expect(await status(daemon, '/', { cookie, 'sec-fetch-site': 'cross-site' })).toBe(401);
});

test('glow open prints a fresh one-time login URL that logs in; --browser without a display says so', async () => {
  const daemon = await daemons.start();
  const opened = await glowInProcess(['open', '--home', daemon.home]);
  expect(opened).toMatchObject({ code: 0, stderr: '' });
  const url = opened.stdout.trim();
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?login=[A-Za-z0-9_-]{43}$/);
  const login = await fetch(url, { redirect: 'manual' });
  expect(login.status).toBe(303);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  expect(await status(daemon, '/api/ls', { cookie })).toBe(200);
  expect((await fetch(url, { redirect: 'manual' })).status).toBe(401);

  const headless = await glowInProcess(['open', '--browser', '--home', daemon.home]);
  expect(headless.code).toBe(0);
  expect(headless.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?login=/);
  expect(headless.stderr).toContain('no display');
  // Without the token, no login URL.
  expect(await glowInProcess(['open', '--daemon', daemon.info.http, '--token', 'wrong'])).toMatchObject({ code: 7 });
});
