/**
 * The web app's Sync view in real Chromium (Playwright), against real daemons of one user: `a`
 * serves the page, `b` links to `a`. A folder of `a` is synced from the page's form, `b` joins it
 * through its sync service, the page shows both devices in sync; concurrent edits make a conflict
 * copy, which the page lists (from the status) and shows as announced (from a replica's events
 * channel). A folder `b` syncs is then joined from the page's join form. Run under netguard:
 * nothing may leave loopback.
 */
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '../../helpers/waitFor.js';
import type { DaemonProcess } from '../daemon/helpers.js';
import { STEP } from './pageWaits.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

/** Two daemons, a page, two folders and a conflict; bounded well above what it takes. */
const TEST_TIMEOUT = 150_000;
/** A wait for replicas to meet and agree: two processes on a busy machine, so longer than a page step. */
const CONVERGE = 20_000;

const web = useWebMesh();
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `glow-sync-view-${name}-`));
  dirs.push(dir);
  return dir;
}

/** Calls `ref` on `daemon` through its control API. */
function call<T = unknown>(daemon: DaemonProcess, ref: string, method: string, args: object = {}): Promise<T> {
  return daemon.op<T>({ op: 'call', ref, method, args, timeout: 60_000 });
}

const service = (daemon: DaemonProcess) => `glow.sync/${daemon.id}`;
const replica = (name: string, daemon: DaemonProcess) => `sync/${name}/${daemon.id}`;

/** Waits until `daemon`'s sync service lists a folder named `name` (its directory learnt the first replica's name). */
async function knows(daemon: DaemonProcess, name: string): Promise<void> {
  await waitFor(async () => (await call<{ name: string }[]>(daemon, service(daemon), 'folders')).some((folder) => folder.name === name), STEP, `${name} listed on ${daemon.id}`, 100);
}

/** Waits until `file` holds `content`. */
async function holds(file: string, content: string): Promise<void> {
  await waitFor(async () => (await readFile(file, 'utf8').catch(() => undefined)) === content, CONVERGE, `${file} to hold ${JSON.stringify(content)}`, 100);
}

/** The conflict copies in `dir`. */
async function conflictCopies(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.includes('.sync-conflict-'));
}

/** The row of `daemon`'s replica in the card of `folder`. */
function row(page: Page, folder: string, daemon: DaemonProcess, state?: string) {
  return page.locator(`#sync-folders article[data-folder="${folder}"] tr[data-node="${daemon.id}"]${state ? `[data-state="${state}"]` : ''}`);
}

test('Sync: a folder added from the page is joined by another device, shown in sync, and its conflict copies are listed as they are announced; a folder is joined from the page', async () => {
  const { a, b } = await web.twoDaemons({ aArgs: ['--name', 'alpha'] });
  const [dirA, dirB] = [await tempDir('a'), await tempDir('b')];
  await writeFile(join(dirA, 'hello.txt'), 'hello from a');
  const errors: string[] = [];
  const page = await web.openTab(a, errors, { reaches: b });
  try {
    await page.getByRole('tab', { name: 'Sync' }).click();
    await page.locator('#sync-empty').waitFor({ timeout: STEP });
    await page.locator('#sync-join-name option[value=""]', { hasText: 'no folder to join' }).waitFor({ state: 'attached', timeout: STEP });

    // A path that is not a folder of the daemon's machine is refused, with its code and reason, as text in the view.
    await page.locator('#sync-add-path').fill(join(dirA, 'missing'));
    await page.locator('#sync-add').click();
    await page.locator('#sync-error[data-code="badarg"][data-reason="notdir"]', { hasText: 'is not a folder' }).waitFor({ timeout: STEP });

    // Added from the form: the card shows the folder at its path on this device, its file, and this device's replica.
    await page.locator('#sync-add-path').fill(dirA);
    await page.locator('#sync-add-name').fill('docs');
    await page.locator('#sync-add').click();
    await page.locator('#sync-result', { hasText: 'syncing' }).waitFor({ timeout: STEP });
    expect(await page.locator('#sync-error').textContent()).toBe('');
    const docs = page.locator('#sync-folders article[data-folder="docs"]');
    await docs.locator('.sync-path', { hasText: dirA }).waitFor({ timeout: STEP });
    await docs.locator('.sync-totals', { hasText: '1 file, 12 B' }).waitFor({ timeout: STEP });
    await row(page, 'docs', a, 'self').waitFor({ timeout: STEP });
    expect(await row(page, 'docs', a).textContent()).toContain('this device');

    // b joins through its sync service (as `glow sync join docs DIR` does on b): both devices, then b in sync, and the file on b.
    await knows(b, 'docs');
    await call(b, service(b), 'join', { root: dirB, name: 'docs' });
    await row(page, 'docs', b).waitFor({ timeout: STEP });
    await holds(join(dirB, 'hello.txt'), 'hello from a');
    await row(page, 'docs', b, 'in-sync').waitFor({ timeout: CONVERGE });
    expect(await row(page, 'docs', b, 'in-sync').locator('.sync-state').textContent()).toBe('in sync');
    expect(await docs.locator('tbody tr').count()).toBe(2);
    await docs.locator('.sync-no-conflicts').waitFor({ timeout: STEP });
    // The page follows the events channels of both replicas.
    await page.locator('#sync-folders[data-subscriptions="2"]').waitFor({ state: 'attached', timeout: STEP });

    // Concurrent edits: b's is older, so a's stays at the path and b's becomes the conflict copy.
    await writeFile(join(dirA, 'hello.txt'), 'edit on a, later');
    await writeFile(join(dirB, 'hello.txt'), 'edit on b, earlier');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(dirB, 'hello.txt'), past, past);
    await Promise.all([call(a, replica('docs', a), 'rescan'), call(b, replica('docs', b), 'rescan')]);
    await holds(join(dirB, 'hello.txt'), 'edit on a, later');
    await waitFor(async () => (await conflictCopies(dirA)).length === 1 && (await conflictCopies(dirB)).length === 1, CONVERGE, 'one conflict copy on each side', 100);
    const [copy] = await conflictCopies(dirA);
    expect(await readFile(join(dirA, copy!), 'utf8')).toBe('edit on b, earlier');
    // Listed from the status, and shown as announced by the replica that made it.
    await docs.locator(`ul.sync-conflicts li[data-conflict="${copy}"]`).waitFor({ timeout: STEP });
    await docs.locator(`ol.sync-events li[data-event="conflict"][data-copy="${copy}"]`).waitFor({ timeout: STEP });
    expect(await docs.locator('li[data-conflict]').count()).toBe(1);
    await row(page, 'docs', b, 'in-sync').waitFor({ timeout: CONVERGE });
    await page.screenshot({ path: `${ARTIFACTS}/sync.png`, fullPage: true });
    // At phone width nothing pushes the page sideways.
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(390);

    // A folder b syncs is offered by the join form, and joined from the page into a folder of a.
    const [photosB, photosA] = [await tempDir('photos-b'), await tempDir('photos-a')];
    await writeFile(join(photosB, 'cat.txt'), 'meow');
    await call(b, service(b), 'add', { root: photosB, name: 'photos' });
    await page.locator('#sync-join-name option[value="photos"]').waitFor({ state: 'attached', timeout: STEP });
    expect(await page.locator('#sync-join-name option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))).toEqual(['photos']);
    const photos = page.locator('#sync-folders article[data-folder="photos"]');
    // Not on this device yet: shown as b's replica has it.
    await photos.locator('.sync-root', { hasText: 'Not on this device' }).waitFor({ timeout: STEP });
    await page.locator('#sync-join-name').selectOption('photos');
    await page.locator('#sync-join-path').fill(photosA);
    await page.locator('#sync-join').click();
    await page.locator('#sync-result', { hasText: 'joined photos' }).waitFor({ timeout: STEP });
    await photos.locator('.sync-path', { hasText: photosA }).waitFor({ timeout: STEP });
    await holds(join(photosA, 'cat.txt'), 'meow');
    await row(page, 'photos', b, 'in-sync').waitFor({ timeout: CONVERGE });
    await page.locator('#sync-join-name option[value=""]', { hasText: 'no folder to join' }).waitFor({ state: 'attached', timeout: STEP });

    // Leaving the view ends its subscriptions; coming back opens them again.
    await page.getByRole('tab', { name: 'Mesh' }).click();
    await page.locator('#sync-folders:not([data-subscriptions])').waitFor({ state: 'attached', timeout: STEP });
    await page.getByRole('tab', { name: 'Sync' }).click();
    await page.locator('#sync-folders[data-subscriptions="4"]').waitFor({ state: 'attached', timeout: STEP });
  } finally {
    await page.context().close();
  }
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);
