/**
 * The web app's Devices and Sharing views in real Chromium (Playwright), against a real daemon:
 * the Devices view lists the daemon and the tab's own device, shows the daemon's refusal to
 * remove itself, removes another tab, and "Add a device" shows a code, a link (which pairs a new
 * tab) and a QR code; the Sharing view adds a friend, shares a path of an `fs` export with them,
 * lists the grant, revokes it and shows it revoked. Run under netguard: nothing leaves loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceValue, GrantValue, WhoamiValue } from '../../../apps/daemon/control.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { STEP, waitForCount } from './pageWaits.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

/** A daemon and up to three tabs; bounded well above what it takes (~10 s). */
const TEST_TIMEOUT = 90_000;
const DESKTOP = { width: 1200, height: 900 };

const web = useWebMesh();

/** The console errors but the one Chromium logs for a refusal the test asked for (an HTTP `status` answer). */
const besides = (errors: string[], status: number) => errors.filter((text) => text !== `Failed to load resource: the server responded with a status of ${status} (${status === 400 ? 'Bad Request' : 'Not Found'})`);

test('Devices: lists the daemon and this tab, shows the refusal to remove the daemon, removes another tab, and Add a device shows a code, a link that pairs and a QR', async () => {
  const a = await web.start(['--embedded-signaling']);
  const errors: string[] = [];
  // A second tab first: another device of the user, for the first to remove.
  const other = await web.openTab(a, errors);
  const otherId = (await other.locator('#self').textContent())!.trim();
  const page = await web.openTab(a, errors);
  const tabId = (await page.locator('#self').textContent())!.trim();
  // The header shows the user (the daemon's own, by whoami).
  const me = await a.op<WhoamiValue>({ op: 'whoami' });
  expect(await page.locator('#user').getAttribute('title')).toContain(me.user);
  expect(await page.locator('#user').textContent()).toContain(me.user.slice(0, 8));

  await page.getByRole('tab', { name: 'Devices' }).click();
  const daemonRow = page.locator(`#devices-list tr[data-node="${a.info.node}"][data-self]`);
  const tabRow = page.locator(`#devices-list tr[data-node="${tabId}"][data-tab]`);
  await daemonRow.waitFor({ timeout: STEP });
  await tabRow.waitFor({ timeout: STEP });
  await page.locator(`#devices-list tr[data-node="${otherId}"]`).waitFor({ timeout: STEP });
  expect(await daemonRow.textContent()).toMatch(/this daemon.*admin.*online/);
  expect(await tabRow.textContent()).toMatch(/this tab.*member.*online/);
  // The node id is shortened, the whole id on hover.
  expect(await tabRow.locator('code[data-id]').getAttribute('title')).toBe(tabId);
  expect((await tabRow.locator('code[data-id]').textContent())!.length).toBeLessThan(tabId.length);

  // Removing the daemon itself: confirm, then the daemon's typed refusal is shown.
  await page.locator(`[data-remove="${a.info.node}"]`).click();
  await page.locator(`[data-confirm-remove="${a.info.node}"]`).click();
  await page.locator('#devices-result .error[data-code="badarg"]', { hasText: 'cannot remove itself' }).waitFor({ timeout: STEP });

  // Removing the other tab: it leaves the list and the daemon's devices.
  await page.locator(`[data-remove="${otherId}"]`).click();
  await page.locator(`[data-confirm-remove="${otherId}"]`).click();
  await page.locator(`#devices-result [data-removed="${otherId}"]`).waitFor({ timeout: STEP });
  await waitForCount(page, `#devices-list tr[data-node="${otherId}"]`, 0);
  expect((await a.op<DeviceValue[]>({ op: 'devices' })).map((device) => device.node)).not.toContain(otherId);
  await other.context().close();

  // Add a device: a code, a link with it, and the link's QR drawn on a canvas.
  await page.locator('#invite-role').selectOption('member');
  await page.locator('#invite-create').click();
  await page.locator('#invite-qr').waitFor({ timeout: STEP });
  const code = (await page.locator('#invite-code').textContent())!.trim();
  const link = (await page.locator('#invite-link').getAttribute('href'))!;
  expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  expect(link).toBe(`${a.info.http}/join#${code}`);
  const qr = await page.locator('#invite-qr').evaluate((canvas: any) => ({ width: canvas.width as number, height: canvas.height as number, label: canvas.getAttribute('aria-label') as string }));
  expect(qr.width).toBeGreaterThan(100);
  expect(qr.width).toBe(qr.height);
  expect(qr.label).toContain(link);
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `${ARTIFACTS}/devices.png`, fullPage: true });

  // The link pairs: a new tab that opens it is a device of the user.
  const context = await web.browser().newContext({ viewport: { width: 390, height: 844 } });
  const joining = await context.newPage();
  joining.on('pageerror', (error) => errors.push(error.message));
  await joining.goto(link);
  await joining.locator('#state[data-state="connected"]').waitFor({ timeout: STEP });
  const joinedId = (await joining.locator('#self').textContent())!.trim();
  await a.until<DeviceValue[]>({ op: 'devices' }, (list) => list.some((device) => device.node === joinedId));
  await context.close();
  await page.context().close();
  // The daemon's refusal to remove itself (badarg) is a 400.
  expect(besides(errors, 400)).toEqual([]);
}, TEST_TIMEOUT);

test('Sharing: adds a friend, shares a path of an fs export with them, lists the grant, revokes it and shows it revoked', async () => {
  const a = await web.start(['--embedded-signaling']);
  const root = await mkdtemp(join(tmpdir(), 'glow-share-'));
  try {
    await a.op({ op: 'spawn', kind: 'fs', args: { root }, name: 'docs' });
    const bob = createIdentity().id;
    const errors: string[] = [];
    const page = await web.openTab(a, errors);
    await page.getByRole('tab', { name: 'Sharing' }).click();
    await page.locator('#grants-given').waitFor({ timeout: STEP });

    // A friend, by user id and handle.
    await page.locator('#friend-user').fill(bob);
    await page.locator('#friend-handle').fill('bob');
    await page.locator('#friend-add').click();
    await page.locator(`#friends-list tr[data-user="${bob}"]`, { hasText: 'bob' }).waitFor({ timeout: STEP });
    await page.locator(`#share-with option[value="${bob}"]`).waitFor({ state: 'attached', timeout: STEP });

    // Something that is not there: the daemon's typed error is shown.
    await page.locator('#share-what').fill('nothing-here');
    await page.locator('#share-submit').click();
    await page.locator('#share-result .error[data-code="noproc"]').waitFor({ timeout: STEP });

    // docs/2026, read, for a day.
    await page.locator('#share-what').fill('docs/2026');
    await page.locator('#share-with').selectOption(bob);
    await page.locator('#share-access').selectOption('read');
    await page.locator('#share-expires').selectOption({ label: '1 day' });
    await page.locator('#share-submit').click();
    const id = (await page.locator('#share-result p[data-grant]').getAttribute('data-grant', { timeout: STEP }))!;
    const row = page.locator(`#grants-given tr[data-grant="${id}"]`);
    await row.and(page.locator('[data-state="active"]')).waitFor({ timeout: STEP });
    expect(await row.textContent()).toMatch(/bob.*docs\/2026.*read/);
    const given = (await a.op<GrantValue[]>({ op: 'grants' })).find((grant) => grant.id === id);
    expect(given).toMatchObject({ direction: 'given', user: bob, handle: 'bob', subject: 'docs/2026', abilities: ['read'], revoked: false });
    expect(Math.abs(given!.expires - Date.now() - 24 * 3600_000)).toBeLessThan(60_000);
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: `${ARTIFACTS}/sharing.png`, fullPage: true });

    // Revoke: the row shows it revoked, with no Revoke button left; the daemon agrees.
    await page.locator(`[data-revoke="${id}"]`).click();
    await row.and(page.locator('[data-revoked="true"][data-state="revoked"]')).waitFor({ timeout: STEP });
    expect(await page.locator(`[data-revoke="${id}"]`).count()).toBe(0);
    expect((await a.op<GrantValue[]>({ op: 'grants' })).find((grant) => grant.id === id)?.revoked).toBe(true);
    await page.context().close();
    // Sharing what is not there (noproc) is a 404.
    expect(besides(errors, 404)).toEqual([]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}, TEST_TIMEOUT);
