/**
 * The standard doors of a daemon (issue 16), measured in-process with the daemon's own handlers:
 * node B exports a folder holding a 1 GiB file (GLOW_BENCH_DOORS_MIB to change it) and a folder of
 * 10 000 files, node A (linked to B by an encrypted WebSocket) serves HTTP with the WebDAV handler
 * (apps/daemon/dav), public links (`/s/…`) and the gateway's `/fs`. Beside them, in alternating
 * rounds: a plain Node.js static file server (`http` + `fs.createReadStream`) sending the same
 * file from the same disk, and the gateway's own JSON listing of the same folder. Every client
 * is `node:http` with keep-alive.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, realpath, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppPasswords } from '../../apps/daemon/appPasswords.js';
import { davHandler } from '../../apps/daemon/dav/davServer.js';
import { DavStore } from '../../apps/daemon/dav/davStore.js';
import { serveFs } from '../../apps/daemon/fsGateway.js';
import { servePublicLink } from '../../apps/daemon/publicLinkServe.js';
import { PublicLinks } from '../../apps/daemon/publicLinks.js';
import type { Mesh } from '../../src/actors/mesh.js';
import { fsKind } from '../../src/resources/fs/index.js';
import { listenWebSocket } from '../../src/transport/websocketServer.js';
import { alternate, now, type BenchResult, type Benchmark } from '../harness.js';
import { meshNode, once, sleep, until } from '../mesh/fixtures.js';

const MiB = 1024 * 1024;
const FILE_BYTES = Number(process.env.GLOW_BENCH_DOORS_MIB ?? 1024) * MiB;
const ENTRIES = 10_000;
const TOKEN = 'bench-control-token';

interface Setup {
  base: string;
  /** Basic auth of an app password. */
  auth: string;
  /** The public link to the large file (its path). */
  link: string;
  agent: Agent;
  close(): Promise<void>;
}

/** Two nodes, the export and A's HTTP server, with the large file (`big`) or the large folder. */
async function setup(content: 'big' | 'many'): Promise<Setup> {
  const cleanups: (() => Promise<void>)[] = [];
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'glow-bench-doors-')));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  if (content === 'big') {
    const block = randomBytes(MiB);
    const handle = await open(join(dir, 'big.bin'), 'w');
    for (let written = 0; written < FILE_BYTES; written += MiB) await handle.write(block, 0, Math.min(MiB, FILE_BYTES - written), written);
    await handle.close();
  } else {
    await mkdir(join(dir, 'many'));
    for (let i = 0; i < ENTRIES; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => writeFile(join(dir, 'many', `file-${String(i + k).padStart(5, '0')}.txt`), 'x')));
  }

  const a: Mesh = meshNode();
  const b: Mesh = meshNode();
  const listener = await listenWebSocket({ ...b.linkOptions(), identity: b.identity, onLink: (link) => b.addLink(link) });
  await a.connect(listener.url, { expect: b.id });
  await until(() => a.router.route(b.id) !== undefined && b.router.route(a.id) !== undefined, 'routes A↔B');
  cleanups.push(async () => {
    await Promise.all([a.close(), b.close()]);
    await listener.close();
  });
  b.node.registerKind(fsKind);
  const exported = await b.node.spawn('fs', { root: dir, readOnly: true });
  b.node.register('docs', exported);
  await until(() => a.node.whereis('docs') !== undefined, 'the name docs on A');
  await sleep(200);

  const passwords = await AppPasswords.open(join(dir, '..', `${dir.split('/').at(-1)}-passwords.json`));
  cleanups.push(() => rm(join(dir, '..', `${dir.split('/').at(-1)}-passwords.json`), { force: true }));
  const { secret } = await passwords.create('bench');
  const linksFile = join(dir, '..', `${dir.split('/').at(-1)}-links.json`);
  cleanups.push(() => rm(linksFile, { force: true }));
  const links = await PublicLinks.open(linksFile);
  const { token } = await links.create({ name: 'docs', path: 'big.bin' }, 'file', 3_600_000);
  const dav = davHandler(a.node, await DavStore.open(), passwords, TOKEN);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    const fail = (error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    };
    if (url.pathname.startsWith('/dav/')) return dav(req, res);
    if (url.pathname.startsWith('/s/')) return void servePublicLink(a.node, links, req, res, url.pathname.slice(3), url.searchParams, aborted.signal).catch(fail);
    if (url.pathname.startsWith('/fs/')) return void serveFs(a.node, req, res, url.pathname.slice(4), url.searchParams, aborted.signal).catch(fail);
    if (url.pathname === '/static/big.bin') {
      // The plain static file server: what nginx-less Node.js does.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': FILE_BYTES });
      createReadStream(join(dir, 'big.bin')).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.closeIdleConnections();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  cleanups.push(async () => agent.destroy());
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    auth: `Basic ${Buffer.from(`bench:${secret}`).toString('base64')}`,
    link: `/s/${token}/big.bin`,
    agent,
    async close() {
      server.closeAllConnections();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    },
  };
}

/** One request, its body read and counted: nanoseconds and bytes. */
function fetchAll(s: Setup, method: string, path: string, headers: Record<string, string> = {}): Promise<{ ns: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const start = now();
    const req = request(`${s.base}${path}`, { method, agent: s.agent, headers }, (res: IncomingMessage) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ ns: Number(now() - start), bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function getRound(s: Setup, path: string, headers: Record<string, string> = {}): Promise<number> {
  const { ns, bytes, status } = await fetchAll(s, 'GET', path, headers);
  if (status !== 200 || bytes !== FILE_BYTES) throw new Error(`bench: GET ${path} answered ${status} with ${bytes} of ${FILE_BYTES} bytes`);
  return ns;
}

const rate = (ns: number) => FILE_BYTES / 1e6 / (ns / 1e9);

const measureGets = once(async () => {
  const s = await setup('big');
  try {
    const [dav, link, plain] = await alternate(
      [() => getRound(s, '/dav/docs/big.bin', { authorization: s.auth }), () => getRound(s, s.link), () => getRound(s, '/static/big.bin')],
      { warmup: 1, rounds: 3 },
    );
    return { dav: rate(dav!), link: rate(link!), plain: rate(plain!) };
  } finally {
    await s.close();
  }
});

const measureListing = once(async () => {
  const s = await setup('many');
  const propfind = async () => {
    const { ns, status, bytes } = await fetchAll(s, 'PROPFIND', '/dav/docs/many/', { authorization: s.auth, depth: '1' });
    if (status !== 207 || bytes < ENTRIES * 100) throw new Error(`bench: PROPFIND answered ${status} with ${bytes} bytes`);
    return ns;
  };
  const json = async () => {
    const { ns, status } = await fetchAll(s, 'GET', '/fs/docs/many');
    if (status !== 200) throw new Error(`bench: GET /fs answered ${status}`);
    return ns;
  };
  try {
    const [dav, gateway] = await alternate([propfind, json], { warmup: 1, rounds: 5 });
    return { dav: dav! / 1e6, gateway: gateway! / 1e6 };
  } finally {
    await s.close();
  }
});

const NOTE = `in-process: node A serves HTTP with the daemon's handlers, the export is on node B one encrypted WebSocket hop away; ${FILE_BYTES / MiB} MiB file, ${ENTRIES} entries; node:http clients with keep-alive`;

const doors: Benchmark[] = [
  {
    name: 'doors.dav.get',
    baseline: 'plain Node.js static server, same file',
    better: 'higher',
    goal: { of: 'ratio', atLeast: 0.8 },
    note: NOTE,
    async run(): Promise<BenchResult> {
      const { dav, plain } = await measureGets();
      return { name: 'doors.dav.get', value: dav, unit: 'MB/s', baseline: plain, ratio: dav / plain };
    },
  },
  {
    name: 'doors.publicLink.get',
    baseline: 'plain Node.js static server, same file',
    better: 'higher',
    goal: { of: 'ratio', atLeast: 0.8 },
    async run(): Promise<BenchResult> {
      const { link, plain } = await measureGets();
      return { name: 'doors.publicLink.get', value: link, unit: 'MB/s', baseline: plain, ratio: link / plain };
    },
  },
  {
    name: 'doors.dav.propfind',
    baseline: 'GET /fs JSON listing, same folder',
    goal: 2,
    async run(): Promise<BenchResult> {
      const { dav, gateway } = await measureListing();
      return { name: 'doors.dav.propfind', value: dav, unit: 'ms', baseline: gateway, ratio: dav / gateway };
    },
  },
];

export default doors;
