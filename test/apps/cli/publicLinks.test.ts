/**
 * Public links (`glow share URI --public`) across real daemons: B exports a folder, A makes the
 * links, and anyone (no token, no cookie) opens them on A's HTTP port: a file with Range, a folder
 * as a page and as JSON, nothing else; `glow share revoke` and expiry end a link at once. Run
 * under netguard.
 */
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceValue, RouteValue } from '../../../apps/daemon/control.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { waitFor } from '../../helpers/waitFor.js';
import { ask, glow, startDaemon, stopAll, tempHome, type DaemonProcess } from './glowProcess.js';

let a: DaemonProcess;
let b: DaemonProcess;
let scratch: string;
let exported: string;
const report = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));

/** `glow ARGS --home` A's home; fails the test on a non-zero exit. */
async function onA(args: string[]): Promise<string> {
  const result = await glow([...args, '--home', a.home], { timeout: 30_000 });
  if (result.code !== 0) throw new Error(`glow ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** A link's URL, from `glow share … --public`'s first line. */
async function makeLink(args: string[]): Promise<{ url: string; id: string }> {
  const out = await onA(['share', ...args, '--public']);
  const url = out.split('\n')[0]!;
  expect(url).toMatch(new RegExp(`^${a.info.http}/s/[A-Za-z0-9_-]{43}/`));
  return { url, id: /^link (\S+) /m.exec(out)![1]! };
}

/** A request sent as is: the path is not normalised (fetch would resolve `..` itself). */
function raw(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const { hostname, port, origin } = new URL(url);
  return rawPath(hostname, Number(port), url.slice(origin.length), method, headers);
}

function rawPath(host: string, port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glow-links-'));
  exported = join(scratch, 'export');
  await mkdir(join(exported, 'photos', 'summer'), { recursive: true });
  await writeFile(join(exported, 'report.bin'), report);
  await writeFile(join(exported, 'secret.txt'), 'not shared');
  await writeFile(join(exported, 'photos', 'beach.jpg'), 'a beach');
  await writeFile(join(exported, 'photos', '<b>odd & "named".txt'), 'odd');
  await writeFile(join(exported, 'photos', 'summer', 'sea.jpg'), 'the sea');
  a = await startDaemon(await tempHome('glow-links-a-'), ['--no-mdns']);
  b = await startDaemon(await tempHome('glow-links-b-'), ['--no-mdns', '--connect', a.info.link]);
  await waitFor(async () => (await ask<RouteValue[]>(a, { op: 'routes' })).some((route) => route.destination === b.info.node), 10_000, 'A has no route to B', 50);
  const result = await glow(['spawn', 'fs', JSON.stringify({ root: exported }), '--name', 'docs', '--home', b.home]);
  expect(result.code).toBe(0);
  await waitFor(async () => (await ask<ResourceValue[]>(a, { op: 'ls', node: b.info.node }).catch(() => [] as ResourceValue[])).some((r) => r.name === 'docs'), 10_000, 'A never learnt docs', 50);
}, 60_000);

afterAll(async () => {
  await stopAll();
  await rm(scratch, { recursive: true, force: true });
});

test('a file link opens the file for anyone, with Range and HEAD, and nothing but GET and HEAD', async () => {
  const { url } = await makeLink(['glow://docs/report.bin', '--expires', '1h']);
  expect(url.endsWith('/report.bin')).toBe(true);
  const whole = await fetch(url);
  expect(whole.status).toBe(200);
  expect(Buffer.from(await whole.arrayBuffer()).equals(report)).toBe(true);
  expect(whole.headers.get('content-security-policy')).toBe('sandbox');
  expect(whole.headers.get('referrer-policy')).toBe('no-referrer');
  const part = await fetch(url, { headers: { range: 'bytes=50000-50099' } });
  expect(part.status).toBe(206);
  expect(part.headers.get('content-range')).toBe(`bytes 50000-50099/${report.length}`);
  expect(Buffer.from(await part.arrayBuffer()).equals(report.subarray(50_000, 50_100))).toBe(true);
  const head = await fetch(url, { method: 'HEAD' });
  expect([head.status, head.headers.get('content-length')]).toEqual([200, String(report.length)]);
  // The token alone opens it too; another name after it does not.
  expect((await fetch(url.slice(0, url.lastIndexOf('/')))).status).toBe(200);
  expect((await fetch(url.replace(/report\.bin$/, 'secret.txt'))).status).toBe(404);
  // Read only: a write is denied, typed, and nothing changed.
  for (const method of ['PUT', 'DELETE', 'POST']) {
    const refused = await fetch(url, { method, body: method === 'DELETE' ? undefined : 'x' });
    expect([refused.status, refused.headers.get('allow'), ((await refused.json()) as { code: string }).code]).toEqual([405, 'GET, HEAD', 'denied']);
  }
  expect((await readFile(join(exported, 'report.bin'))).equals(report)).toBe(true);
}, 60_000);

test('a folder link shows the folder as a page and as JSON, its files and subfolders, and never what is outside it', async () => {
  const { url } = await makeLink(['glow://docs/photos/']);
  expect(url.endsWith('/')).toBe(true);
  const page = await fetch(url);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await page.text();
  expect(html).toContain('<a href="beach.jpg">beach.jpg</a>');
  expect(html).toContain('<a href="summer/">summer/</a>');
  // Names are text, never markup.
  expect(html).toContain('&#60;b&#62;odd &#38; &#34;named&#34;.txt');
  expect(html).not.toContain('<b>odd');
  const listing = (await (await fetch(url, { headers: { accept: 'application/json' } })).json()) as { entries: { name: string; type: string; href: string }[] };
  expect(listing.entries.map((entry) => [entry.name, entry.type, entry.href])).toEqual([
    ['<b>odd & "named".txt', 'file', '%3Cb%3Eodd%20%26%20%22named%22.txt'],
    ['beach.jpg', 'file', 'beach.jpg'],
    ['summer', 'dir', 'summer/'],
  ]);
  expect(((await (await fetch(`${url}summer/?format=json`)).json()) as { entries: { name: string }[] }).entries.map((entry) => entry.name)).toEqual(['sea.jpg']);
  expect(await (await fetch(`${url}summer/sea.jpg`)).text()).toBe('the sea');
  // A folder without its slash is redirected to it, so relative links work.
  const bare = await fetch(`${url}summer`, { redirect: 'manual' });
  expect([bare.status, bare.headers.get('location')]).toEqual([301, `${new URL(url).pathname}summer/`]);
  // Out of the folder: `..` (plain or encoded: the URL resolves it, and leaves the token behind)
  // and an encoded slash are refused; what is outside is never sent.
  for (const [path, status] of [['../secret.txt', 404], ['%2e%2e/secret.txt', 404], ['..%2Fsecret.txt', 400], ['summer%2F..%2F..%2Fsecret.txt', 400]] as const) {
    const answer = await raw(`${url}${path}`);
    expect([path, answer.status]).toEqual([path, status]);
    expect(answer.body.toString()).not.toContain('not shared');
  }
  expect((await fetch(`${url}nothing.txt`)).status).toBe(404);
}, 60_000);

test('an unknown token gets 404; glow share links lists the links without their URLs; revoke and expiry end a link at once', async () => {
  const { url, id } = await makeLink(['glow://docs/photos/beach.jpg']);
  const token = /\/s\/([^/]+)\//.exec(url)![1]!;
  const forged = url.replace(token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
  const unknown = await fetch(forged);
  expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'denied']);
  const listed = await onA(['share', 'links']);
  expect(listed).toMatch(new RegExp(`^${id} +docs/photos/beach\\.jpg +in 6d`, 'm'));
  expect(listed).not.toContain(token);
  expect(await readFile(join(a.home, 'public-links.json'), 'utf8')).not.toContain(token);

  expect(await onA(['share', 'revoke', url])).toContain(`public link ${id} to docs/photos/beach.jpg ended`);
  expect((await fetch(url)).status).toBe(404);
  expect(await onA(['share', 'links'])).not.toContain(id);
  const again = await glow(['share', 'revoke', id, '--home', a.home]);
  expect([again.code, again.stderr]).toEqual([EXIT.failed, expect.stringContaining(`no public link is "${id}"`)]);

  const brief = await makeLink(['glow://docs/photos/beach.jpg', '--expires', '2s']);
  expect(await (await fetch(brief.url)).text()).toBe('a beach');
  await waitFor(async () => (await fetch(brief.url)).status === 404, 5000, 'the link to expire', 100);
}, 60_000);

test('a public link is for files and folders only, read only, and for anyone: conflicting options are refused', async () => {
  const withFriend = await glow(['share', 'glow://docs/photos/', '--public', '--with', 'bob', '--home', a.home]);
  expect([withFriend.code, withFriend.stderr]).toEqual([EXIT.usage, expect.stringContaining('a public link is read only and for anyone')]);
  const nothing = await glow(['share', 'glow://docs/nothing-here', '--public', '--home', a.home]);
  expect(nothing.code).not.toBe(0);
  expect(nothing.stderr).toContain('nothing-here');
  const notFs = await glow(['share', 'glow.sync', '--public', '--home', a.home]);
  expect(notFs.code).not.toBe(0);
  // The gateway itself stays closed to a browser with no session.
  expect((await fetch(`${a.info.http}/api/ls`)).status).toBe(401);
}, 60_000);
