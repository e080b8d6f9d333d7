/**
 * The first hour, as a person would (issue 18): a daemon started from an empty home, its web app
 * in real Chromium opening on Home (this device, no folders), a folder added from the Files view's
 * form, its file listed under the export's and the device's names, Home listing it; a folder the
 * daemon must refuse (its own home) refused with the reason.
 * Screenshots at phone and desktop widths go to test-artifacts/web. Run under netguard.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STEP } from './pageWaits.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

const web = useWebMesh();
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'glow-first-hour-'));
  await writeFile(join(folder, 'notes.txt'), 'my first shared file');
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

test('from an empty home, a folder is added in the Files view and its file is listed under its name and the device’s', async () => {
  const daemon = await web.start([]);
  const { name: device } = await daemon.op<{ name: string }>({ op: 'whoami' });
  const errors: string[] = [];
  const page = await web.openTab(daemon, errors);
  // The app opens on Home: this device, online, and nothing shared yet.
  await page.locator(`#home-devices li[data-node="${daemon.info.node}"][data-online="true"]`).waitFor({ timeout: STEP });
  expect(await page.locator(`#home-devices li[data-node="${daemon.info.node}"] strong`).textContent()).toBe(device);
  await page.locator('#home-folders li.empty').waitFor({ timeout: STEP });
  await page.screenshot({ path: `${ARTIFACTS}/home-empty-phone.png`, fullPage: true });
  await page.locator('#view-home button[data-open="files"]').click();
  await page.locator('#fs-export option', { hasText: 'no FileSystem export in the mesh' }).waitFor({ state: 'attached', timeout: STEP });

  // The daemon's own home is refused, with the reason, and nothing is exported.
  await page.locator('#fs-add-path').fill(daemon.home);
  await page.locator('#fs-add-submit').click();
  await page.locator('#fs-add-outcome[data-code="home"]').waitFor({ timeout: STEP }).catch(async (error: unknown) => {
    throw new Error(`${String(error)}\noutcome: ${await page.locator('#fs-add-outcome').getAttribute('data-code')} ${await page.locator('#fs-add-outcome').textContent()}`);
  });
  expect(await page.locator('#fs-add-outcome').textContent()).toContain("is or holds the daemon's home");

  await page.locator('#fs-add-path').fill(folder);
  await page.locator('#fs-add-name').fill('notes');
  await page.locator('#fs-add-submit').click();
  await page.locator('#fs-add-outcome[data-code="ok"]').waitFor({ timeout: STEP });
  expect(await page.locator('#fs-add-outcome').textContent()).toBe(`${folder} is shared as notes`);
  // Chosen at once, named by its name and the device it lives on; its file listed.
  await page.locator('#fs-entries tr[data-name="notes.txt"]').waitFor({ timeout: STEP });
  expect(await page.locator('#fs-export option:checked').textContent()).toBe(`notes on ${device}`);
  await page.screenshot({ path: `${ARTIFACTS}/add-folder-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${ARTIFACTS}/add-folder-desktop.png`, fullPage: true });
  // Home lists the folder now.
  await page.getByRole('tab', { name: 'Home' }).click();
  await page.locator('#home-folders li[data-export="notes"]').waitFor({ timeout: STEP });
  expect(await page.locator('#home-folders li[data-export="notes"]').textContent()).toBe(`notes ${folder}`);
  await page.screenshot({ path: `${ARTIFACTS}/home-desktop.png`, fullPage: true });

  expect((await daemon.op<{ name: string; path: string }[]>({ op: 'exports' })).map((entry) => [entry.name, entry.path])).toEqual([['notes', folder]]);
  // The only error the page saw is the refusal's own 403.
  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
}, 90_000);
