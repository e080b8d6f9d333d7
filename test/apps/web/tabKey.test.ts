/**
 * The tab's key in real Chromium (150: WebCrypto Ed25519): a tab that pairs keeps a
 * non-extractable device key in IndexedDB — a CryptoKey no script can export, and no raw secret
 * bytes anywhere in its store — and every load runs as a new node that key delegates to, while
 * the daemon keeps listing one device for the tab, with its role. Paired on 127.0.0.1 (a secure
 * context, so WebCrypto is there) without a login session, through the invitation link.
 */
import type { Browser, Page } from 'playwright-core';
import type { InviteValue } from '../../../apps/daemon/pairing/pairingOps.js';
import type { DeviceValue } from '../../../apps/daemon/control.js';
import { useDaemons } from '../daemon/helpers.js';
import { launchChromium } from './browser.js';
import { buildWebApp } from './webBuild.js';

const PAGE_STEP = 15_000;

const daemons = useDaemons();
let browser: Browser;
beforeAll(async () => {
  await buildWebApp();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

/** What the page's IndexedDB holds, as a page script would find it. */
function readStore(page: Page) {
  return page.evaluate(async () => {
    // Runs in the page: the browser's own globals (these tests compile without the DOM types).
    const { indexedDB, crypto, CryptoKey } = globalThis as any;
    const db = await new Promise<any>((resolve, reject) => {
      const request = indexedDB.open('glow');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const entries = await new Promise<[string, unknown][]>((resolve, reject) => {
      const store = db.transaction('identity').objectStore('identity');
      const keys = store.getAllKeys();
      const values = store.getAll();
      values.onsuccess = () => resolve(keys.result.map((key: string, i: number) => [key, values.result[i]]));
      values.onerror = () => reject(values.error);
    });
    db.close();
    // Every byte string anywhere in the store, by size: a 32-byte one could be a raw Ed25519 secret.
    const byteSizes: number[] = [];
    const walk = (value: unknown): void => {
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) byteSizes.push(value.byteLength);
      else if (value && typeof value === 'object' && !(value instanceof CryptoKey)) Object.values(value).forEach(walk);
    };
    entries.forEach(([, value]) => walk(value));
    const key = (entries.find(([name]) => name === 'deviceKey')?.[1] as { privateKey?: any } | undefined)?.privateKey;
    const exports = await Promise.all(
      ['pkcs8', 'jwk', 'raw'].map((format) =>
        key ? crypto.subtle.exportKey(format, key).then(() => `${format}: exported`, (error: Error) => `${format}: ${error.name}`) : `${format}: no key`,
      ),
    );
    // A script may still use the key while the page is open: that is what the daemon vouches for, for a day at most.
    const signs: number = key ? (await crypto.subtle.sign('Ed25519', key, new Uint8Array(8))).byteLength : 0;
    return {
      names: entries.map(([name]) => name).sort(),
      isCryptoKey: key instanceof CryptoKey,
      extractable: key?.extractable as boolean | undefined,
      algorithm: key?.algorithm.name as string | undefined,
      exports,
      signs,
      byteSizes,
    };
  });
}

const shown = async (page: Page) => ({ node: (await page.locator('#self').textContent())!.trim(), device: (await page.locator('#self').getAttribute('data-device'))! });

test('a paired tab keeps a non-extractable device key and no raw secret; a reload is a new node of the same device', async () => {
  const a = await daemons.start({ args: ['--embedded-signaling'] });
  const invitation = await a.op<InviteValue>({ op: 'invite' });
  const errors: string[] = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${a.info.http}/join#${invitation.code}`);
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
  const first = await shown(page);
  expect(first.device).not.toBe(first.node);
  expect(await page.locator('#self').getAttribute('data-key')).toBeNull();

  const store = await readStore(page);
  expect(store).toMatchObject({ names: ['certificate', 'deviceKey'], isCryptoKey: true, extractable: false, algorithm: 'Ed25519', signs: 64 });
  expect(store.exports).toEqual(['pkcs8: InvalidAccessError', 'jwk: InvalidAccessError', 'raw: InvalidAccessError']);
  // The certificate's bytes only: no 32-byte secret, no stored node key.
  expect(store.byteSizes).toHaveLength(1);
  expect(store.byteSizes[0]).toBeGreaterThan(200);

  // The daemon certified the device key; the node presents the key's delegation and links as that device.
  const listed = await a.until<DeviceValue[]>({ op: 'devices' }, (list) => list.some((device) => device.node === first.node));
  expect(listed.filter((device) => device.key === first.device)).toEqual([expect.objectContaining({ node: first.node, roles: ['member'], online: true })]);

  await page.reload();
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
  const second = await shown(page);
  expect(second.device).toBe(first.device);
  expect(second.node).not.toBe(first.node);
  expect(await page.locator('#join').isHidden()).toBe(true);
  expect((await readStore(page)).names).toEqual(['certificate', 'deviceKey']);
  // Still one device for the tab, as the node it runs as now, with its role: a member, whose
  // Devices view (over the mesh: this page has no login session) gets a member's refusal.
  const relisted = await a.until<DeviceValue[]>({ op: 'devices' }, (list) => list.some((device) => device.node === second.node));
  expect(relisted.filter((device) => device.key === first.device)).toEqual([expect.objectContaining({ node: second.node, roles: ['member'], online: true })]);
  await page.getByRole('tab', { name: 'Devices' }).click();
  await page.locator(`#devices-list tr[data-node="${second.node}"][data-tab]`).waitFor({ timeout: PAGE_STEP });
  await page.locator('#invite-create').click();
  await page.locator('#invite-result .error[data-code="denied"][data-reason="not an admin device"]').waitFor({ timeout: PAGE_STEP });

  // Removing the device (by the node it runs as) removes its key: the tab is cut and pairs again.
  expect(await a.op({ op: 'removeDevice', device: second.node })).toMatchObject({ node: second.node });
  await page.locator('#join-form').waitFor({ timeout: PAGE_STEP });
  await context.close();
  expect(errors).toEqual([]);
}, 90_000);
