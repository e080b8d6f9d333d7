import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveWebApp, webInfo } from '../../../apps/daemon/webApp.js';
import { DaemonProcess, removeHomes, stopAll } from './helpers.js';

let dir: string;
let server: Server;
let base: string;
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glow-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(dir, 'assets', 'a.js'), 'export {};');
  await writeFile(join(tmpdir(), 'glow-outside.txt'), 'secret');
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    void serveWebApp(url.pathname, false, response, dir).then((served) => {
      if (!served) response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
  await stopAll(daemons.splice(0));
  await removeHomes();
});

test('serves index.html at / and hashed assets with long caching; nothing outside the build folder', async () => {
  const index = await fetch(`${base}/`);
  expect(index.status).toBe(200);
  expect(index.headers.get('content-type')).toMatch(/^text\/html/);
  expect(index.headers.get('cache-control')).toBe('no-store');
  const asset = await fetch(`${base}/assets/a.js`);
  expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(asset.headers.get('cache-control')).toContain('immutable');
  expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  expect((await fetch(`${base}/assets/%2e%2e/%2e%2e/glow-outside.txt`)).status).toBe(404);
});

test('GET /api/info tells the web app the node id, its device name, link and signaling URLs', async () => {
  const daemon = await DaemonProcess.start({ args: ['--embedded-signaling'] });
  daemons.push(daemon);
  const response = await fetch(`${daemon.info.http}/api/info`);
  expect(response.status).toBe(200);
  // A daemon started without --name goes by its host name.
  expect(await response.json()).toEqual({ node: daemon.info.node, name: hostname(), link: daemon.info.link, signaling: daemon.info.signaling });
  // The plain status page stays reachable at /status whether or not the app is built.
  const status = await fetch(`${daemon.info.http}/status`, { headers: await daemon.bearer() });
  expect(status.status).toBe(200);
  expect(webInfo({ ...daemon.info, name: 'n' }).name).toBe('n');
});
