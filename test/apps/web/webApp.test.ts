/**
 * The web app in real Chromium (Playwright): a daemon serves the page, a second daemon links to
 * the first; the tab is a node of that mesh. Two tabs are two browser contexts (two IndexedDBs,
 * two node ids). One file, so one jest worker builds dist/web. Run under netguard: nothing may
 * leave loopback.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Page } from 'playwright-core';
import { glow, startGlow } from '../cli/glowProcess.js';
import { freeTcpPort, tempHome } from '../daemon/helpers.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

/** Each test starts two daemons and a browser page: bounded well above what it takes (~5–10 s). */
const TEST_TIMEOUT = 60_000;

const web = useWebMesh();
const { start, twoDaemons, openTab } = web;

const tabId = (page: Page) => page.locator('#self').textContent().then((text) => text!.trim());
const deviceId = (page: Page) => page.locator('#self').getAttribute('data-device').then((value) => value!);

test('the page is a node: both daemons in the mesh view by name, a form call reaches the second daemon, a direct WebRTC link opens', async () => {
  // A is named; B goes by its host name, as a daemon does by default.
  const { a, b } = await twoDaemons({ aArgs: ['--name', 'study-pc'] });
  expect(b.info.name).toBe(hostname());
  const counter = await b.op<{ ref: string }>({ op: 'spawn', kind: 'counter', args: { initial: 40 } });
  const errors: string[] = [];
  const page = await openTab(a, errors);
  // The app opens on Home; the mesh is one click away.
  await page.getByRole('tab', { name: 'Mesh' }).click();
  await page.locator(`#mesh-nodes li[data-node="${a.info.node}"]`).waitFor();
  await page.locator(`#mesh-nodes li[data-node="${b.info.node}"]`).waitFor();
  // The tab's link is to A; B, a device of the same user, is reached through it.
  await page.locator(`#mesh-nodes li[data-node="${a.info.node}"][data-path="direct"]`).waitFor();
  await page.locator(`#mesh-nodes li[data-node="${b.info.node}"][data-path="relayed"][data-via="${a.info.node}"]`, { hasText: 'relayed via study-pc' }).waitFor();
  // Devices by name; their ids only when asked for (the header's switch, remembered).
  const itemA = page.locator(`#mesh-nodes li[data-node="${a.info.node}"]`);
  expect(await itemA.textContent()).toMatch(/^study-pc/);
  expect((await page.locator(`#mesh-nodes li[data-node="${b.info.node}"]`).textContent())!.slice(0, b.info.name!.length)).toBe(b.info.name);
  expect(await itemA.locator('.node-id').isVisible()).toBe(false);
  // The header says which device this is (a tab: browser and OS); its node id too, on demand.
  expect(await page.locator('#device-name').textContent()).toMatch(/^Chrom\S* on Linux$/);
  expect(await page.locator('#self').isVisible()).toBe(false);
  await page.locator('#show-ids').check();
  expect(await page.locator('#self').isVisible()).toBe(true);
  expect(await itemA.locator('.node-id').isVisible()).toBe(true);
  expect(await itemA.locator('.node-id').textContent()).toBe(a.info.node);
  await page.screenshot({ path: `${ARTIFACTS}/mesh-ids.png`, fullPage: true });
  await page.locator('#show-ids').uncheck();
  expect(await itemA.locator('.node-id').isVisible()).toBe(false);
  await page.screenshot({ path: `${ARTIFACTS}/mesh.png`, fullPage: true });

  await page.getByRole('tab', { name: 'Resources' }).click();
  await page.locator('#resource-filter').fill(counter.ref.split('/').pop()!);
  const counterItem = page.locator('#resource-list li').first();
  // A resource as LOCAL on DEVICE.
  const shown = `glow.demo.Counter/1 — ${counter.ref.split('/').pop()!} on ${b.info.name}`;
  expect((await counterItem.textContent())!.slice(0, shown.length)).toBe(shown);
  await counterItem.click();
  const add = page.locator('form[data-method="add"]');
  await add.locator('input[name="by"]').fill('2');
  await add.getByRole('button', { name: 'Call add' }).click();
  await add.locator('.output pre', { hasText: '42' }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/resources.png`, fullPage: true });

  await page.getByRole('tab', { name: 'Mesh' }).click();
  await page.locator(`#mesh-nodes li[data-node="${b.info.node}"]`).click();
  await page.locator('#open-rtc').click();
  await page.locator('#rtc-result', { hasText: 'WebRTC link open' }).waitFor({ timeout: 15_000 });
  await page.locator(`#mesh-nodes li[data-node="${b.info.node}"][data-link="webrtc"][data-path="direct"]`).waitFor();
  const peers = await b.until<{ node: string; kind: string }[]>({ op: 'peers' }, (list) => list.some((peer) => peer.kind === 'webrtc'));
  expect(peers).toContainEqual(expect.objectContaining({ node: await tabId(page), kind: 'webrtc' }));
  await page.context().close();
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);

test('an actor spawned in the tab answers the CLI; closing the tab brings DOWN noconnection within 1.5 s', async () => {
  const { a } = await twoDaemons();
  const errors: string[] = [];
  const page = await openTab(a, errors);
  await page.getByRole('tab', { name: 'Processes' }).click();
  const self = await tabId(page);
  await page.locator(`#spawn-node option[value="${self}"]`).waitFor({ state: 'attached' });
  await page.locator('#spawn-node').selectOption(self);
  await page.locator('#spawn-kind option[value="tab.hash"]').waitFor({ state: 'attached' });
  await page.locator('#spawn-kind').selectOption('tab.hash');
  await page.locator('#spawn').click();
  const result = page.locator('#spawn-result[data-id]');
  await result.waitFor();
  const id = (await result.getAttribute('data-id'))!;
  await page.locator(`[data-process="${id}"]`).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/processes.png`, fullPage: true });

  const home = ['--home', a.info.home];
  const call = await glow(['call', id, 'sha256', '{"text":"glow"}', ...home]);
  expect(call.stderr).toBe('');
  expect(call.stdout.trim()).toBe(createHash('sha256').update('glow').digest('hex'));

  const monitor = startGlow(['monitor', id, '--timeout', '10000', ...home]);
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === self));
  // The monitor is in place once the tab's actor holds it (the daemon forwarded the CLI's monitor).
  await page.waitForFunction((ref) => ((globalThis as any).glow.mesh.node.monitorCount((globalThis as any).glow.mesh.node.ref(ref)) as number) > 0, id, { timeout: 15_000 });
  const closedAt = Date.now();
  await page.context().close();
  await monitor.waitFor('DOWN noconnection', 5000);
  expect(Date.now() - closedAt).toBeLessThan(1500);
  expect((await monitor.done).stdout.trim()).toBe('DOWN noconnection');
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);

test('two tabs link over WebRTC and call each other’s actors', async () => {
  const daemon = await start(['--embedded-signaling']);
  const errors: string[] = [];
  const [one, two] = [await openTab(daemon, errors), await openTab(daemon, errors)];
  // Registered at the signaling server too, so the other tab can dial it.
  for (const page of [one, two]) await page.waitForFunction(() => (globalThis as any).glow.signaling !== undefined, undefined, { timeout: 10_000 });
  const ids = await Promise.all([one, two].map((page) => page.evaluate(() => (globalThis as any).glow.mesh.id as string)));
  expect(ids[0]).not.toBe(ids[1]);
  // Each tab spawns a tab.hash actor in itself.
  const spawnHash = (page: Page) => page.evaluate(async () => String(await (globalThis as any).glow.mesh.node.spawn('tab.hash', {})));
  const [hashOne, hashTwo] = [await spawnHash(one), await spawnHash(two)];

  await one.evaluate((peer) => (globalThis as any).glow.connectRtc(peer), ids[1]!);
  const kindOf = (page: Page, peer: string) =>
    page.evaluate((node) => (globalThis as any).glow.mesh.router.neighbours().find((n: { node: string }) => n.node === node)?.kind as string | undefined, peer);
  expect(await kindOf(one, ids[1]!)).toBe('webrtc');
  await two.waitForFunction((node) => (globalThis as any).glow.mesh.router.neighbours().some((n: { node: string; kind: string }) => n.node === node && n.kind === 'webrtc'), ids[0]!, { timeout: 10_000 });

  const call = (page: Page, ref: string, text: string) =>
    page.evaluate(([target, value]) => (globalThis as any).glow.mesh.node.ref(target).call('sha256', { text: value }) as Promise<string>, [ref, text] as const);
  const expected = (text: string) => createHash('sha256').update(text).digest('hex');
  expect(await call(one, hashTwo, 'from one')).toBe(expected('from one'));
  expect(await call(two, hashOne, 'from two')).toBe(expected('from two'));
  // They answered over the direct link: each runs on the other tab.
  expect(await one.evaluate((ref) => (globalThis as any).glow.mesh.node.ref(ref).call('where', {}) as Promise<string>, hashTwo)).toBe(ids[1]);
  await one.context().close();
  await two.context().close();
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);

test('the page reconnects by itself when its daemon restarts as the same node; a reload is a new node of the same device, "forget this node" makes a new device', async () => {
  const home = await tempHome();
  const args = ['--embedded-signaling', '--http', `127.0.0.1:${await freeTcpPort()}`];
  const first = await start(args, home);
  const errors: string[] = [];
  const page = await openTab(first, errors);
  const id = await tabId(page);
  const device = await deviceId(page);
  await first.terminate();
  await page.locator('#state[data-state="reconnecting"]').waitFor({ timeout: 5000 });
  const second = await start(args, home);
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: 10_000 });
  // Reconnecting is not reloading: the page links in again as the node it was.
  await second.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === id));

  // Sessions live in the daemon's memory: after its restart a reload needs a new login.
  expect((await page.reload())?.status()).toBe(401);
  await page.goto(await second.loginUrl());
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: 10_000 });
  // Each page load runs as a fresh node whose key never leaves its memory; the device key stays.
  const reloaded = await tabId(page);
  expect(reloaded).not.toBe(id);
  expect(await deviceId(page)).toBe(device);
  await second.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === reloaded));
  await page.reload();
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: 10_000 });
  expect(await deviceId(page)).toBe(device);
  await page.getByRole('button', { name: 'Forget this node' }).click();
  await page.waitForFunction((old) => { const value = (globalThis as any).document.getElementById('self')?.dataset.device as string | undefined; return !!value && value !== old; }, device, { timeout: 10_000 });
  await page.locator('#state[data-state="connected"]').waitFor({ timeout: 10_000 });
  await page.context().close();
  // A dropped WebSocket is reported by Chromium itself as a console error while the daemon is down.
  expect(errors.filter((text) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(text))).toEqual([]);
}, TEST_TIMEOUT);
