/**
 * A browser tab as a replica of a synced folder, in real Chromium against real daemons of one
 * user: `a` serves the page, `b` holds a folder. The tab keeps a copy (its Origin Private File
 * System) from the Sync view's button, and shows and opens the files it holds. Then `b` is
 * killed and `a` joins the folder: everything `a` gets comes from the tab (store and forward,
 * with `a` and `b` never holding the folder at once). After a reload (a fresh node: each page
 * load is one) the tab is the same replica, its files still there, and it catches up with what `a` changed meanwhile. Run under
 * netguard: nothing may leave loopback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '../../helpers/waitFor.js';
import type { DaemonProcess } from '../daemon/helpers.js';
import { STEP } from './pageWaits.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

const TEST_TIMEOUT = 150_000;
/** A wait for replicas to meet and agree: processes and a browser on a busy machine. */
const CONVERGE = 30_000;

const web = useWebMesh();
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `glow-tab-replica-${name}-`));
  dirs.push(dir);
  return dir;
}

function call<T = unknown>(daemon: DaemonProcess, ref: string, method: string, args: object = {}): Promise<T> {
  return daemon.op<T>({ op: 'call', ref, method, args, timeout: 30_000 });
}

const service = (node: string) => `glow.sync/${node}`;
const replica = (name: string, node: string) => `sync/${name}/${node}`;
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The SHA-256 of file `path` of the tab's copy of `folder`, read from OPFS, or null when it is not there. */
function tabFileHash(page: Page, folder: string, path: string): Promise<string | null> {
  return page.evaluate(
    async ([folder, path]) => {
      try {
        const storage = (globalThis as any).navigator.storage;
        let dir = await (await (await storage.getDirectory()).getDirectoryHandle('glow-sync')).getDirectoryHandle(folder!);
        dir = await dir.getDirectoryHandle('files');
        const segments = path!.split('/');
        for (const segment of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(segment);
        const file = await (await dir.getFileHandle(segments[segments.length - 1]!)).getFile();
        const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
        return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      } catch {
        return null;
      }
    },
    [folder, path],
  );
}

async function tabHolds(page: Page, folder: string, path: string, hash: string): Promise<void> {
  await waitFor(async () => (await tabFileHash(page, folder, path)) === hash, CONVERGE, `the tab to hold ${path} at ${hash.slice(0, 8)}`, 100);
}

async function holds(file: string, hash: string): Promise<void> {
  await waitFor(async () => sha256(await readFile(file).catch(() => '')) === hash, CONVERGE, `${file} to hold ${hash.slice(0, 8)}`, 100);
}

test('a tab keeps a copy of a synced folder in its storage, shows it, carries it to a device that never met the first, and is the same replica after a reload', async () => {
  const { a, b } = await web.twoDaemons();
  const [dirA, dirB] = [await tempDir('a'), await tempDir('b')];
  const big = randomBytes(3 * 1024 * 1024 + 17); // several blocks
  await writeFile(join(dirB, 'notes.txt'), 'from b');
  await writeFile(join(dirB, 'big.bin'), big);
  await call(b, service(b.id), 'add', { root: dirB, name: 'docs' });
  const errors: string[] = [];
  const page = await web.openTab(a, errors, { reaches: b });
  try {
    const tab = await page.evaluate(() => (globalThis as any).glow.mesh.node.id as string);
    await page.getByRole('tab', { name: 'Sync' }).click();
    const docs = page.locator('#sync-folders article[data-folder="docs"]');
    await docs.locator('section.sync-tab[data-held="false"]').waitFor({ timeout: CONVERGE });

    // Kept from the card's button: the tab's replica takes every file, and lists them.
    await docs.locator('button.sync-keep').click();
    await page.locator('#sync-result', { hasText: 'keeping docs in this tab' }).waitFor({ timeout: STEP });
    await docs.locator('section.sync-tab[data-held="true"][data-files="2"]').waitFor({ timeout: CONVERGE });
    await tabHolds(page, 'docs', 'notes.txt', sha256('from b'));
    await tabHolds(page, 'docs', 'big.bin', sha256(big));
    // b's replica sees the tab, as the device the tab says it is, in sync.
    const tabRow = docs.locator(`tr[data-node="${tab}"]`);
    await tabRow.locator('.badge', { hasText: 'this tab' }).waitFor({ timeout: STEP });
    await docs.locator(`tr[data-node="${tab}"][data-state="in-sync"]`).waitFor({ timeout: CONVERGE });
    expect(await tabRow.getAttribute('data-device')).toMatch(/^Chrome on Linux$/);
    // A file is opened from the tab's own storage.
    const download = page.waitForEvent('download', { timeout: STEP });
    await docs.locator('li[data-path="notes.txt"] button').click();
    expect((await download).suggestedFilename()).toBe('notes.txt');
    await page.screenshot({ path: `${ARTIFACTS}/sync-tab.png`, fullPage: true });

    // An edit on b reaches the tab; a root that is not /NAME is refused by the tab's service, called from a daemon.
    await writeFile(join(dirB, 'notes.txt'), 'edit on b');
    await call(b, replica('docs', b.id), 'rescan');
    await tabHolds(page, 'docs', 'notes.txt', sha256('edit on b'));
    await expect(call(a, service(tab), 'add', { root: '/x/y', name: 'other' })).rejects.toThrow(/"code":"badarg".*"reason":"notdir"/);
    await expect(call(a, service(tab), 'join', { root: '/docs-again', name: 'docs' })).rejects.toThrow(/"code":"badarg".*"reason":"exists"/);

    // b goes for good; a joins the folder, and the only replica it can meet is the tab.
    await b.kill();
    await call(a, service(a.id), 'join', { root: dirA, name: 'docs' });
    await holds(join(dirA, 'notes.txt'), sha256('edit on b'));
    await holds(join(dirA, 'big.bin'), sha256(big));
    const before = await call<{ replica: string }>(a, replica('docs', tab), 'status');
    // a met the tab as a member, and the tab tells b's (dead) replica apart from live ones.
    const members = await call<{ replica: string; node: string }[]>(a, replica('docs', a.id), 'members');
    expect(members.map((member) => member.node).sort()).toEqual([a.id, b.id, tab].sort());

    // Reloaded: the same replica, its files kept; a change made on a meanwhile arrives.
    await writeFile(join(dirA, 'later.txt'), 'after the reload');
    await page.reload();
    await page.locator('#state[data-state="connected"]').waitFor({ timeout: STEP });
    await call(a, replica('docs', a.id), 'rescan');
    await tabHolds(page, 'docs', 'later.txt', sha256('after the reload'));
    // Each page load runs as a fresh node (tabIdentity.ts); the replica is the same.
    const reloaded = await page.evaluate(() => (globalThis as any).glow.mesh.node.id as string);
    expect(reloaded).not.toBe(tab);
    const after = await call<{ replica: string; files: number }>(a, replica('docs', reloaded), 'status');
    expect(after.replica).toBe(before.replica);
    expect(after.files).toBe(3);
    expect(await tabFileHash(page, 'docs', 'big.bin')).toBe(sha256(big));
  } finally {
    await page.context().close();
  }
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);
