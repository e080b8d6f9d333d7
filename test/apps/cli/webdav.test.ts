/**
 * WebDAV (apps/daemon/dav) with real clients against real daemons: B exports a folder, A serves
 * it at `/dav/docs/` through the mesh. Debian's litmus runs all of its suites (basic, copymove,
 * props, locks, http) against it; rclone copies and syncs both ways and the checksums match; app
 * passwords (`glow token`) are what lets a client in, read only or for one export when so made,
 * and nothing once revoked. Run under netguard.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { ResourceValue, RouteValue } from '../../../apps/daemon/control.js';
import { waitFor } from '../../helpers/waitFor.js';
import { ask, glow, startDaemon, stopAll, tempHome, type DaemonProcess } from './glowProcess.js';

const run = promisify(execFile);

let a: DaemonProcess;
let b: DaemonProcess;
let scratch: string;
let docs: string;
let photos: string;

async function onA(args: string[]): Promise<string> {
  const result = await glow([...args, '--home', a.home], { timeout: 30_000 });
  if (result.code !== 0) throw new Error(`glow ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** `glow token create` on A: the password and the URL it prints. */
async function appPassword(name: string, extra: string[] = []): Promise<{ secret: string; url: string }> {
  const out = await onA(['token', 'create', '--name', name, ...extra]);
  const secret = /: (\S+)\n/.exec(out)![1]!;
  const url = /^mount (\S+) with user/m.exec(out)![1]!;
  return { secret, url };
}

const basic = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });

async function knows(name: string): Promise<boolean> {
  return (await ask<ResourceValue[]>(a, { op: 'ls', node: b.info.node }).catch(() => [] as ResourceValue[])).some((r) => r.name === name);
}

/** Every file under `dir`: relative path → SHA-256 (the export's own `.glow-versions` aside). */
async function checksums(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (entry.name.startsWith('.glow-')) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glow-dav-'));
  docs = join(scratch, 'docs');
  photos = join(scratch, 'photos');
  await mkdir(docs);
  await mkdir(photos);
  await writeFile(join(photos, 'beach.jpg'), 'a beach');
  a = await startDaemon(await tempHome('glow-dav-a-'), ['--no-mdns']);
  b = await startDaemon(await tempHome('glow-dav-b-'), ['--no-mdns', '--connect', a.info.link]);
  await waitFor(async () => (await ask<RouteValue[]>(a, { op: 'routes' })).some((route) => route.destination === b.info.node), 10_000, 'A has no route to B', 50);
  for (const [name, root] of [
    ['docs', docs],
    ['photos', photos],
  ]) {
    const spawned = await glow(['spawn', 'fs', JSON.stringify({ root }), '--name', name!, '--home', b.home]);
    expect(spawned.code).toBe(0);
  }
  await waitFor(async () => (await knows('docs')) && (await knows('photos')), 10_000, 'A never learnt the exports', 50);
}, 60_000);

afterAll(async () => {
  await stopAll();
  await rm(scratch, { recursive: true, force: true });
});

test('litmus passes all of its suites against an export of another daemon, through the mesh', async () => {
  const { secret, url } = await appPassword('litmus');
  expect(url).toBe(`${a.info.http}/dav/`);
  const cwd = await mkdtemp(join(scratch, 'litmus-'));
  const { stdout } = await run('litmus', [`${url}docs/`, 'litmus', secret], { cwd, env: { ...process.env, TESTS: 'basic copymove props locks http' }, timeout: 240_000, maxBuffer: 16 << 20 }).catch((error: { stdout?: string }) => {
    throw new Error(`litmus failed:\n${error.stdout?.split('\n').filter((line) => !/ pass$/.test(line)).join('\n')}`);
  });
  const summaries = stdout.split('\n').filter((line) => line.startsWith('<- summary'));
  console.log(`litmus through the mesh:\n${summaries.join('\n')}`);
  expect(summaries.map((line) => /for `(\w+)'.* (\d+) failed/.exec(line)!.slice(1))).toEqual([
    ['basic', '0'],
    ['copymove', '0'],
    ['props', '0'],
    ['locks', '0'],
    ['http', '0'],
  ]);
}, 300_000);

test('rclone copies and syncs both ways, and every checksum matches', async () => {
  const { secret } = await appPassword('rclone');
  const { stdout: obscured } = await run('rclone', ['obscure', '--', secret]);
  const config = join(scratch, 'rclone.conf');
  await writeFile(config, `[glow]\ntype = webdav\nurl = ${a.info.http}/dav/docs/\nvendor = other\nuser = rclone\npass = ${obscured.trim()}\n`);
  const rclone = (...args: string[]) => run('rclone', ['--config', config, '--low-level-retries', '1', '--retries', '1', ...args], { timeout: 120_000 });
  // Up: a tree with a large file, an empty file and a name that needs encoding.
  const local = join(scratch, 'local');
  await mkdir(join(local, 'deep', 'er'), { recursive: true });
  await writeFile(join(local, 'large.bin'), randomBytes(12 << 20));
  await writeFile(join(local, 'empty.txt'), '');
  await writeFile(join(local, 'deep', 'er', 'naïve & odd #1.txt'), 'unicode and reserved characters');
  await rclone('copy', local, 'glow:');
  expect(await checksums(docs)).toEqual(await checksums(local));
  // Down: into an empty folder.
  const back = join(scratch, 'back');
  await rclone('copy', 'glow:', back);
  expect(await checksums(back)).toEqual(await checksums(local));
  // Sync up: a change and a deletion arrive; sync down: a change made on B arrives.
  await writeFile(join(local, 'empty.txt'), 'not empty any more');
  await rm(join(local, 'deep'), { recursive: true });
  await rclone('sync', local, 'glow:');
  expect(await checksums(docs)).toEqual(await checksums(local));
  await writeFile(join(docs, 'from-b.txt'), 'written on B');
  await rclone('sync', 'glow:', back);
  expect(await checksums(back)).toEqual(await checksums(docs));
  expect(Object.keys(await checksums(back)).sort()).toEqual(['empty.txt', 'from-b.txt', 'large.bin']);
  // rclone's own comparison agrees (by content, as WebDAV gives no hashes).
  await rclone('check', '--download', back, 'glow:');
}, 180_000);

test('only an app password lets a client in: read only and one-export passwords are held to that, and a revoked one opens nothing', async () => {
  const none = await fetch(`${a.info.http}/dav/docs/`, { method: 'PROPFIND', headers: { depth: '0' } });
  expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="Glow", charset="UTF-8"']);
  const wrong = await fetch(`${a.info.http}/dav/docs/`, { method: 'PROPFIND', headers: { depth: '0', ...basic('x', 'not-a-password') } });
  expect(wrong.status).toBe(401);

  const reader = await appPassword('reader', ['--read-only']);
  const asReader = basic('reader', reader.secret);
  expect((await fetch(`${a.info.http}/dav/photos/beach.jpg`, { headers: asReader })).status).toBe(200);
  const put = await fetch(`${a.info.http}/dav/photos/new.txt`, { method: 'PUT', headers: asReader, body: 'no' });
  expect(put.status).toBe(403);
  expect((await fetch(`${a.info.http}/dav/photos/beach.jpg`, { method: 'DELETE', headers: asReader })).status).toBe(403);
  expect(Object.keys(await checksums(photos))).toEqual(['beach.jpg']);

  // A page in an export is served sandboxed: it can never script the daemon's origin.
  await writeFile(join(photos, 'page.html'), '<script>parent.document</script>');
  const page = await fetch(`${a.info.http}/dav/photos/page.html`, { headers: asReader });
  expect([page.status, page.headers.get('content-security-policy'), page.headers.get('x-content-type-options')]).toEqual([200, 'sandbox', 'nosniff']);
  await rm(join(photos, 'page.html'));

  const camera = await appPassword('camera', ['--export', 'photos']);
  expect(camera.url).toBe(`${a.info.http}/dav/photos/`);
  const asCamera = basic('camera', camera.secret);
  expect((await fetch(`${a.info.http}/dav/photos/upload.jpg`, { method: 'PUT', headers: asCamera, body: 'a new photo' })).status).toBe(201);
  expect(await readFile(join(photos, 'upload.jpg'), 'utf8')).toBe('a new photo');
  expect((await fetch(`${a.info.http}/dav/docs/`, { method: 'PROPFIND', headers: { depth: '1', ...asCamera } })).status).toBe(403);
  // The root shows it only its export.
  const root = await (await fetch(`${a.info.http}/dav/`, { method: 'PROPFIND', headers: { depth: '1', ...asCamera } })).text();
  expect(root).toContain('/dav/photos/');
  expect(root).not.toContain('/dav/docs/');
  // Nor may it copy out of its export.
  const copy = await fetch(`${a.info.http}/dav/photos/upload.jpg`, { method: 'COPY', headers: { destination: `${a.info.http}/dav/docs/stolen.jpg`, ...asCamera } });
  expect(copy.status).toBe(403);
  expect(Object.keys(await checksums(docs))).not.toContain('stolen.jpg');

  expect(await onA(['token', 'ls'])).toMatch(/^camera +\S+ +read and write, export photos only$/m);
  expect(await onA(['token', 'revoke', 'camera'])).toContain('app password camera ended');
  expect((await fetch(`${a.info.http}/dav/photos/beach.jpg`, { headers: asCamera })).status).toBe(401);
}, 60_000);
