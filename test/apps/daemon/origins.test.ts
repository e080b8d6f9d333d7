/**
 * Every listener of the daemon checks `Origin`: the link listener, the embedded signaling server
 * (403 before the upgrade, logged) and the control channel (403) let in programs (no `Origin`)
 * and the daemon's own web pages, and refuse a page of any other site.
 */
import { upgradeStatus } from '../../fixtures/originProbe.js';
import { useDaemons } from './helpers.js';

const daemons = useDaemons();
const EVIL = 'https://evil.example';

test('the link listener and the embedded signaling server refuse a page of another origin with 403, and log it', async () => {
  const daemon = await daemons.start({ args: ['--embedded-signaling'] });
  const own = daemon.info.http;
  const port = new URL(own).port;
  for (const url of [daemon.info.link, daemon.info.signaling!]) {
    expect({ url, status: await upgradeStatus(url, EVIL) }).toEqual({ url, status: 403 });
    // Another port of this host, a DNS-rebinding name: other origins all the same.
    expect({ url, status: await upgradeStatus(url, `http://127.0.0.1:${Number(port) + 1}`) }).toEqual({ url, status: 403 });
    expect({ url, status: await upgradeStatus(url, `http://evil.example:${port}`) }).toEqual({ url, status: 403 });
    // Programs, and the daemon's own web app by each loopback name, get in.
    for (const origin of [undefined, own, `http://localhost:${port}`]) expect({ url, origin, status: await upgradeStatus(url, origin) }).toEqual({ url, origin, status: 101 });
  }
  await daemon.waitLine((line) => line.event === 'link.originRefused' && line.origin === EVIL);
  await daemon.waitLine((line) => line.event === 'signaling.limited' && line.reason === 'origin' && line.origin === EVIL);
});

test('an --origin (a name the web app is reached by) is let in like the daemon own', async () => {
  const daemon = await daemons.start({ args: ['--origin', 'http://glow-box.test:7717'] });
  expect(await upgradeStatus(daemon.info.link, 'http://glow-box.test:7717')).toBe(101);
  expect(await upgradeStatus(daemon.info.link, 'http://glow-box.test:7718')).toBe(403);
});

test('the control channel refuses a page of another origin even with the token; programs and own pages pass', async () => {
  const daemon = await daemons.start();
  const control = async (headers: Record<string, string>) => {
    const response = await fetch(`${daemon.info.http}/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await daemon.bearer()), ...headers },
      body: JSON.stringify({ op: 'status' }),
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, body: (await response.json()) as { ok: boolean; code?: string } };
  };
  expect(await control({ origin: EVIL })).toEqual({ status: 403, body: expect.objectContaining({ ok: false, code: 'denied' }) });
  await daemon.waitLine((line) => line.event === 'http.originRefused' && line.origin === EVIL);
  expect(await control({})).toMatchObject({ status: 200, body: { ok: true } });
  expect(await control({ origin: daemon.info.http })).toMatchObject({ status: 200, body: { ok: true } });
});
