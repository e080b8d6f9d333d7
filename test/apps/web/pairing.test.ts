/**
 * Pairing in real Chromium: a tab that opens an invitation link becomes a device of the
 * inviter's user (the header shows the user), links to the daemon, and its Devices view works
 * over the mesh (the gateway refuses another machine's page): it lists the devices, and "Add a
 * device" shows the refusal a member device gets; a tab that is not a device
 * (opened by a name that is not loopback, so the daemon treats it as another machine's page) gets
 * the Join screen, nothing of the mesh, and a link attempt of its node is `denied`. A paired tab
 * keeps its certificate across reloads, and forgets it (Join screen) once the daemon refuses it. The name
 * maps to 127.0.0.1 in Chromium's resolver: every packet stays on loopback (run under netguard).
 */
import type { Browser, Page } from 'playwright-core';
import type { InviteValue } from '../../../apps/daemon/pairing/pairingOps.js';
import { TEST_USER } from '../../helpers/users.js';
import { freeTcpPort, useDaemons, type DaemonProcess } from '../daemon/helpers.js';
import { launchChromium } from './browser.js';
import { buildWebApp } from './webBuild.js';

/** A name that is not loopback to the daemon's Host check, and 127.0.0.1 to Chromium. */
const REMOTE_NAME = 'glow-phone.test';
const PAGE_STEP = 15_000;

const daemons = useDaemons();
let browser: Browser;
beforeAll(async () => {
  await buildWebApp();
  browser = await launchChromium([REMOTE_NAME]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

/** A phone-sized page with its console errors collected. */
async function newPage(errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

/**
 * The inviting daemon, with its web app reachable as REMOTE_NAME too (`--origin`, as a LAN name
 * would be): its pages may link and register like those of 127.0.0.1.
 */
async function startInviter(): Promise<DaemonProcess> {
  const port = await freeTcpPort();
  return daemons.start({ args: ['--embedded-signaling', '--http', `127.0.0.1:${port}`, '--origin', `http://${REMOTE_NAME}:${port}`] });
}

/** The daemon's page as another machine sees it. */
const remoteUrl = (daemon: DaemonProcess, path: string) => `${daemon.info.http.replace('127.0.0.1', REMOTE_NAME)}${path}`;

test("a tab of another machine opens the invitation link and becomes a device: the header shows the user and it links", async () => {
  const a = await startInviter();
  const invitation = await a.op<InviteValue>({ op: 'invite' });
  const errors: string[] = [];
  const page = await newPage(errors);
  const started = performance.now();
  await page.goto(remoteUrl(a, `/join#${invitation.code}`));
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
  console.log(`tab pairing by link: connected ${(performance.now() - started).toFixed(0)} ms after opening it`);
  expect(await page.locator('#user').getAttribute('title')).toContain(TEST_USER.id);
  // The spent code left the address bar; the tab stays on /join, which needs no login session.
  expect(new URL(page.url()).pathname).toBe('/join');
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.locator('#join').isHidden()).toBe(true);
  const tab = (await page.locator('#self').textContent())!.trim();
  // An http:// page of a LAN name is no secure context, so it has no WebCrypto: the tab keeps its
  // node key readable in IndexedDB, as before, and says so (tabKey.test.ts has the device key).
  expect(await page.locator('#self').getAttribute('data-key')).toBe('readable');
  const devices = await a.until<{ node: string; roles: string[] }[]>({ op: 'devices' }, (list) => list.some((device) => device.node === tab));
  expect(devices).toContainEqual(expect.objectContaining({ node: tab, roles: ['member'] }));
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === tab));

  // The gateway refuses another machine's page (401), so the Devices view asks the daemon's
  // glow.Account/1 over the tab's mesh, as the member device it is: it lists the devices, this
  // tab among them…
  await page.getByRole('tab', { name: 'Devices' }).click();
  const daemonRow = page.locator(`#devices-list tr[data-node="${a.info.node}"][data-self]`);
  const tabRow = page.locator(`#devices-list tr[data-node="${tab}"][data-tab]`);
  await daemonRow.waitFor({ timeout: PAGE_STEP });
  await tabRow.waitFor({ timeout: PAGE_STEP });
  expect(await daemonRow.textContent()).toMatch(/this daemon.*admin.*online/);
  expect(await tabRow.textContent()).toMatch(/this tab.*member.*online/);
  // …and "Add a device" shows the daemon's typed refusal: a member cannot add devices.
  await page.locator('#invite-create').click();
  const refusal = page.locator('#invite-result .error[data-code="denied"][data-reason="not an admin device"]');
  await refusal.waitFor({ timeout: PAGE_STEP });
  expect(await refusal.textContent()).toContain('not an admin');
  expect(await page.locator('#invite-code').count()).toBe(0);
  await page.screenshot({ path: 'test-artifacts/web/phone-devices.png', fullPage: true });

  // A reload keeps the tab a device: the certificate it paired with is kept with its identity
  // (the gateway would not sign it another), so no Join screen, the same node and user, linked again.
  await page.reload();
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
  expect(await page.locator('#join').isHidden()).toBe(true);
  expect(await page.locator('nav[role=tablist]').isHidden()).toBe(false);
  expect((await page.locator('#self').textContent())!.trim()).toBe(tab);
  expect(await page.locator('#user').getAttribute('title')).toContain(TEST_USER.id);
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === tab));
  await page.context().close();
  expect(errors).toEqual([]);
}, 90_000);

test('a paired tab that the daemon then refuses (its device removed) forgets its certificate and shows the Join screen, on reload too', async () => {
  const a = await startInviter();
  const invitation = await a.op<InviteValue>({ op: 'invite' });
  const errors: string[] = [];
  const page = await newPage(errors);
  await page.goto(remoteUrl(a, `/join#${invitation.code}`));
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
  const tab = (await page.locator('#self').textContent())!.trim();
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === tab));

  expect(await a.op({ op: 'removeDevice', device: tab })).toMatchObject({ node: tab });
  // The link is cut with `denied`: the tab drops the certificate and loads again, into the Join screen.
  await page.locator('#join-form').waitFor({ timeout: PAGE_STEP });
  expect(await page.locator('main').isHidden()).toBe(true);
  await page.reload();
  await page.locator('#join-form').waitFor({ timeout: PAGE_STEP });
  expect(await page.locator('#state').getAttribute('data-state')).toBe('join');
  await page.context().close();
  expect(errors).toEqual([]);
}, 60_000);

test('a tab that is not a device gets the Join screen and nothing of the mesh; its link is denied; a wrong code is refused, the right one joins', async () => {
  const a = await startInviter();
  const errors: string[] = [];
  const page = await newPage(errors);
  // Without a login session, `/` is refused; /join is the page of a device to be.
  expect((await page.goto(remoteUrl(a, '/')))?.status()).toBe(401);
  await page.goto(remoteUrl(a, '/join'));
  await page.locator('#join-form').waitFor({ timeout: PAGE_STEP });
  expect(await page.locator('nav[role=tablist]').isHidden()).toBe(true);
  expect(await page.locator('main').isHidden()).toBe(true);
  expect(await page.locator('#state').getAttribute('data-state')).toBe('join');
  await page.screenshot({ path: 'test-artifacts/web/join.png', fullPage: true });

  // Its node is a stranger to the daemon: the handshake refuses it, and the gateway refuses its calls.
  const refused = await page.evaluate(async (url) => {
    const lab = (globalThis as any).glowLab;
    try {
      const link = await lab.connectWebSocket(url, lab.createIdentity());
      return await new Promise<string>((resolve) => link.onClose((close: { reason: string }) => resolve(close.reason)));
    } catch (error) {
      return String(error);
    }
  }, a.info.link);
  expect(refused).toMatch(/denied/);
  const call = await page.evaluate(async () => {
    const response = await fetch('/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'node', method: 'info', args: {} }) });
    return { status: response.status, body: await response.json() };
  });
  expect(call.status).toBe(401);
  expect(await a.op({ op: 'peers' })).toEqual([]);

  const invitation = await a.op<InviteValue>({ op: 'invite' });
  const wrong = `${invitation.code.slice(0, 5)}${invitation.code.slice(5).replace(/[0-9a-z]/g, (char) => (char === '0' ? '1' : '0'))}`;
  await page.locator('#join-code').fill(wrong);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#join-error[data-reason="wrong code"]').waitFor({ timeout: PAGE_STEP });
  expect(await page.locator('#join-error').getAttribute('data-code')).toBe('denied');

  await page.locator('#join-code').fill(invitation.code);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
  expect(await page.locator('nav[role=tablist]').isHidden()).toBe(false);
  expect(await page.locator('#user').getAttribute('title')).toContain(TEST_USER.id);
  await page.context().close();
  expect(errors).toEqual([]);
}, 60_000);
