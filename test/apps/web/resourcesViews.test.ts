/**
 * The web app's Files and Channels views in real Chromium (Playwright), against real daemons:
 * `a` serves the page, `b` links to `a` and owns an `fs` export (`docs`) and a channel (`news`),
 * so every file and every message crosses the mesh (page → a → b). Modelled on webApp.test.ts;
 * run under netguard: nothing may leave loopback.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { refreshCount, STEP, waitForAttributes, waitForCount, waitForRefresh } from './pageWaits.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

/** Each test starts two daemons and a page; bounded well above what it takes (~10 s). */
const TEST_TIMEOUT = 90_000;

/** A 1×1 PNG, so the image preview has something real to decode. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const web = useWebMesh();
const { twoDaemons } = web;
const folders: string[] = [];

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/**
 * Chooses `value` in a picker once it lists it with `label` in its text. The tab learns about
 * names through the directory's sync, which may trail the route by a moment: "Refresh" again,
 * each time waiting for that listing to be drawn (bounded), rather than assume it is there at the
 * first listing.
 */
async function pickWhenListed(page: Page, select: string, refresh: string, value: string, label: string): Promise<void> {
  const option = page.locator(`${select} option[value="${value}"]`, { hasText: label });
  const deadline = Date.now() + STEP;
  while ((await option.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`${select} never listed ${value} as ${label}: ${await page.locator(select).innerHTML()}`);
    const seen = await refreshCount(page, select);
    await page.locator(refresh).click();
    await waitForRefresh(page, select, seen, 1, Math.max(1, deadline - Date.now()));
  }
  await page.locator(select).selectOption(value);
}

/** The offsets of the messages the Channels view shows, in order. */
const waitForOffsets = (page: Page, offsets: number[]) => waitForAttributes(page, '#channel-messages li[data-offset]', 'data-offset', offsets.map(String));

const rows = (page: Page): Locator => page.locator('#fs-entries tbody tr[data-name]');

test('Files: an export of another daemon is browsed, previewed, downloaded, uploaded to, and restored from its history', async () => {
  const { a, b } = await twoDaemons();
  const root = await mkdtemp(join(tmpdir(), 'glow-web-fs-'));
  folders.push(root);
  await writeFile(join(root, 'readme.txt'), 'hello from docs\nsecond line\n');
  await writeFile(join(root, 'pixel.png'), PNG);
  await mkdir(join(root, 'sub'));
  await writeFile(join(root, 'sub', 'inner.txt'), 'inside the folder');
  const docs = await b.op<{ ref: string }>({ op: 'spawn', kind: 'fs', args: { root }, name: 'docs' });

  const errors: string[] = [];
  const page = await web.openTab(a, errors, { reaches: b, acceptDownloads: true });
  await page.getByRole('tab', { name: 'Files' }).click();
  await pickWhenListed(page, '#fs-export', '#fs-refresh', docs.ref, 'docs');
  await page.locator('#fs-entries tr[data-name="readme.txt"]').waitFor({ timeout: STEP });
  // Folders first, then files by name.
  expect(await rows(page).evaluateAll((list) => list.map((row) => row.getAttribute('data-name')))).toEqual(['sub', 'pixel.png', 'readme.txt']);

  // Into the subfolder and back through the breadcrumbs.
  await page.locator('#fs-entries button[data-open="sub"]').click();
  await page.locator('#fs-entries tr[data-name="inner.txt"]').waitFor({ timeout: STEP });
  await expect(rows(page).count()).resolves.toBe(1);
  await page.locator('#fs-crumbs button[aria-current]', { hasText: 'sub' }).waitFor({ timeout: STEP });
  await page.locator('#fs-crumbs button[data-depth="0"]').click();
  await page.locator('#fs-entries tr[data-name="readme.txt"]').waitFor({ timeout: STEP });

  // Text preview (a Range request), then the image preview (an <img> on the /fs URL).
  await page.locator('#fs-entries button[data-open="readme.txt"]').click();
  await page.locator('#fs-preview-text', { hasText: 'hello from docs' }).waitFor({ timeout: STEP });
  await page.locator('#fs-entries button[data-open="pixel.png"]').click();
  await page.locator('#fs-preview-image').waitFor({ timeout: STEP });
  await page.waitForFunction(() => {
    const image = (globalThis as any).document.getElementById('fs-preview-image') as { complete: boolean; naturalWidth: number } | null;
    return !!image && image.complete && image.naturalWidth > 0;
  }, undefined, { timeout: STEP });
  await page.screenshot({ path: `${ARTIFACTS}/files.png`, fullPage: true });

  // Download: a plain link to /fs/… with `download`, streamed by `a` from `b`.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: STEP }), page.locator('#fs-entries tr[data-name="readme.txt"] a[download]').click()]);
  expect(download.suggestedFilename()).toBe('readme.txt');
  expect(await readFile((await download.path())!)).toEqual(await readFile(join(root, 'readme.txt')));

  // Upload (larger than one 1 MiB chunk, so the daemon writes it in several calls), then check the disk.
  const first = randomBytes(1536 * 1024);
  await page.locator('#fs-upload').setInputFiles({ name: 'upload.bin', mimeType: 'application/octet-stream', buffer: first });
  await page.locator('#fs-upload-status', { hasText: 'uploaded upload.bin' }).waitFor({ timeout: STEP });
  await page.locator('#fs-entries tr[data-name="upload.bin"]').waitFor({ timeout: STEP });
  expect((await readFile(join(root, 'upload.bin'))).equals(first)).toBe(true);

  // A second upload of the same name is a new version; the history lists both, newest first.
  await page.locator('#fs-entries button[data-open="upload.bin"]').click();
  await page.locator('#fs-versions tbody tr[data-current]').waitFor({ timeout: STEP });
  const second = Buffer.from('the second content');
  await page.locator('#fs-upload').setInputFiles({ name: 'upload.bin', mimeType: 'application/octet-stream', buffer: second });
  await waitForCount(page, '#fs-versions tbody tr', 2);
  expect((await readFile(join(root, 'upload.bin'))).equals(second)).toBe(true);
  await page.locator('#fs-preview-text', { hasText: 'the second content' }).waitFor({ timeout: STEP });

  // Restore the first content: it becomes the current one again (and the second one is kept).
  await page.locator('#fs-versions tbody tr:not([data-current]) button[data-restore]').click();
  await page.locator('#fs-restore-result', { hasText: 'restored' }).waitFor({ timeout: STEP });
  await waitForCount(page, '#fs-versions tbody tr', 3);
  expect((await readFile(join(root, 'upload.bin'))).equals(first)).toBe(true);
  await page.screenshot({ path: `${ARTIFACTS}/files-versions.png`, fullPage: true });

  await page.context().close();
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);

test('Files: a failure shows the gateway’s code', async () => {
  const { a, b } = await twoDaemons();
  const root = await mkdtemp(join(tmpdir(), 'glow-web-fs-'));
  folders.push(root);
  await writeFile(join(root, 'gone.txt'), 'soon gone');
  const docs = await b.op<{ ref: string }>({ op: 'spawn', kind: 'fs', args: { root } });
  const errors: string[] = [];
  const page = await web.openTab(a, errors, { reaches: b, acceptDownloads: true });
  await page.getByRole('tab', { name: 'Files' }).click();
  // Unnamed: listed and addressed by its id (/fs/<node>/<local>/…).
  await pickWhenListed(page, '#fs-export', '#fs-refresh', docs.ref, docs.ref);
  await page.locator('#fs-entries tr[data-name="gone.txt"]').waitFor({ timeout: STEP });
  expect(await page.locator('#fs-entries tr[data-name="gone.txt"] a[download]').getAttribute('href')).toBe(`/fs/${docs.ref.slice('glow://'.length)}/gone.txt`);
  await rm(join(root, 'gone.txt'));
  await page.locator('#fs-entries button[data-open="gone.txt"]').click();
  // The preview's Range request answers 404 with {code, message, details: {reason: 'notfound'}}.
  const shown = await page.locator('#fs-preview .error').textContent({ timeout: STEP });
  expect(shown).toMatch(/^\w+: .*\(notfound\)/);
  await page.context().close();
  // Chromium itself logs the 404 of the failed request; nothing else may fail.
  expect(errors.filter((text) => !/Failed to load resource: the server responded with a status of 404/.test(text))).toEqual([]);
}, TEST_TIMEOUT);

test('Channels: live messages from the page and from outside, replay from an offset, stop when the view is left', async () => {
  const { a, b } = await twoDaemons();
  const news = await b.op<{ ref: string }>({ op: 'spawn', kind: 'channel', args: { history: 100 }, name: 'news' });
  const errors: string[] = [];
  const page = await web.openTab(a, errors, { reaches: b, acceptDownloads: true });
  await page.getByRole('tab', { name: 'Channels' }).click();
  await pickWhenListed(page, '#channel-select', '#channel-refresh', news.ref, 'news');
  await page.locator('#channel-status[data-state="subscribed"]').waitFor({ timeout: STEP });

  // Published from the page: answered with its offset, and seen in the live list.
  await page.locator('#channel-message').fill('{"from": "page", "n": 1}');
  await page.locator('#channel-publish').click();
  await page.locator('#channel-publish-result', { hasText: 'published at offset 0' }).waitFor({ timeout: STEP });
  await page.locator('#channel-messages li[data-offset="0"]', { hasText: '{"from":"page","n":1}' }).waitFor({ timeout: STEP });

  // Invalid JSON is refused in the page.
  await page.locator('#channel-message').fill('{oops');
  await page.locator('#channel-publish').click();
  await page.locator('#channel-publish-result[data-code="badjson"]', { hasText: 'invalid JSON' }).waitFor({ timeout: STEP });

  // Published from outside (b's control channel): arrives live.
  expect(await b.op({ op: 'call', ref: 'news', method: 'publish', args: { message: { from: 'outside' } } })).toBe(1);
  await page.locator('#channel-messages li[data-offset="1"]', { hasText: '{"from":"outside"}' }).waitFor({ timeout: STEP });

  // Replay from 0: the list is drawn again from the history, in order.
  await page.locator('#channel-from').fill('0');
  await page.locator('#channel-replay').click();
  await page.locator('#channel-status', { hasText: 'replaying from offset 0' }).waitFor({ timeout: STEP });
  await waitForOffsets(page, [0, 1]);
  await page.screenshot({ path: `${ARTIFACTS}/channels.png`, fullPage: true });

  // Leaving the view ends the subscription: the channel ends up with no subscriber (the tab's relay idles out).
  const info = { op: 'call', ref: 'news', method: 'info' };
  const unsubscribed = () => b.until<{ subscribers: number }>(info, (state) => state.subscribers === 0, STEP);
  expect((await b.op<{ subscribers: number }>(info)).subscribers).toBe(1);
  await page.getByRole('tab', { name: 'Mesh' }).click();
  await unsubscribed();
  expect(await b.op({ op: 'call', ref: 'news', method: 'publish', args: { message: 'while away' } })).toBe(2);

  // Back on the view: it resumes after the last offset it showed, so nothing is skipped.
  await page.getByRole('tab', { name: 'Channels' }).click();
  await page.locator('#channel-messages li[data-offset="2"]', { hasText: '"while away"' }).waitFor({ timeout: STEP });
  expect(await page.locator('#channel-messages li[data-offset]').count()).toBe(3);

  // Another channel that keeps only 2 messages: switching to it ends the first subscription, and
  // a replay from 0 says which offsets are gone before it shows the rest.
  const tiny = await b.op<{ ref: string }>({ op: 'spawn', kind: 'channel', args: { history: 2 }, name: 'tiny' });
  for (let n = 0; n < 4; n++) await b.op({ op: 'call', ref: 'tiny', method: 'publish', args: { message: n } });
  await pickWhenListed(page, '#channel-select', '#channel-refresh', tiny.ref, 'tiny');
  await page.locator('#channel-status', { hasText: 'live from offset 4' }).waitFor({ timeout: STEP });
  await unsubscribed();
  await page.locator('#channel-from').fill('0');
  await page.locator('#channel-from').press('Enter');
  await page.locator('#channel-messages li[data-gap="0-1"]', { hasText: 'offsets 0–1 are no longer kept' }).waitFor({ timeout: STEP });
  await waitForOffsets(page, [2, 3]);
  await page.context().close();
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);
