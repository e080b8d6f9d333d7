/**
 * What a network observer sees of WebSocket links: all loopback traffic is captured with tcpdump
 * while three meshes A—B—C (real `ws` links on 127.0.0.1) run calls, casts and a stream whose
 * member names and bodies carry marker strings. Encrypted (the default), no marker is in the
 * capture; with link encryption off, the end-to-end session between A and C still hides them all;
 * with both off, every marker is there (so the capture does see the traffic, and the other
 * assertions could fail).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import * as v from 'valibot';
import { cast, defineInterface, method, stream } from '../../src/index.js';
import { Mesh } from '../../src/actors/mesh.js';
import type { FramedLink } from '../../src/transport/framedLink.js';
import { createIdentity } from '../../src/transport/identity.js';
import { createNodeWebSocket, listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import { waitFor, within } from '../helpers/waitFor.js';

/** A fresh tag per run, so that nothing but this run's traffic can hold a marker. */
const tag = randomBytes(6).toString('hex');
const markers = {
  callName: `peekCall${tag}`,
  castName: `peekCast${tag}`,
  streamName: `peekStream${tag}`,
  callBody: `call-body-${tag}`,
  callReply: `call-reply-${tag}`,
  castBody: `cast-body-${tag}`,
  streamItem: `stream-item-${tag}`,
};

const Secret = defineInterface(`test.Secret${tag}/1`, {
  [markers.callName]: method(v.object({ text: v.string() }), v.string()),
  [markers.castName]: cast(v.object({ text: v.string() })),
  [markers.streamName]: stream(v.object({ count: v.number() }), v.string()),
});

/** tcpdump writing every loopback packet to `file`; resolves once it is capturing. */
async function startCapture(file: string): Promise<ChildProcess> {
  // -U and --immediate-mode: each packet is written as it comes, not when a buffer fills.
  const tcpdump = spawn('tcpdump', ['-i', 'lo', '-U', '--immediate-mode', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await within(
    new Promise<void>((resolve, reject) => {
      tcpdump.once('error', reject);
      tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr}`)));
      // tcpdump says this once the capture is open on the interface.
      tcpdump.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('listening on lo')) resolve();
      });
    }),
    5000,
    () => `tcpdump did not start capturing: ${stderr}`,
  );
  return tcpdump;
}

/** Stops tcpdump cleanly (SIGINT: it writes out what it holds) and waits for it to exit. */
async function stopCapture(tcpdump: ChildProcess): Promise<void> {
  if (tcpdump.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => tcpdump.once('exit', () => resolve()));
  tcpdump.kill('SIGINT');
  await within(exited, 5000, 'tcpdump did not exit');
}

/**
 * Sends `canary` over a plain TCP connection on loopback and waits until the capture file holds
 * it: the meshes' traffic went before it, so by then the capture holds theirs too.
 */
async function flushCapture(file: string, canary: string): Promise<void> {
  const server: Server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  try {
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(canary);
    await waitFor(async () => (await readFile(file)).includes(canary), 5000, 'the canary in the capture');
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** What protects the traffic: link encryption (hop by hop) and sealing (end to end, A to C). */
interface Protection {
  encryption: boolean;
  seal: boolean;
}

/** A—B—C over WebSocket (B listens), protected as asked; returns the meshes and what closing takes. */
async function line({ encryption, seal }: Protection) {
  const make = () =>
    new Mesh({ identity: createIdentity(), webSocket: createNodeWebSocket, link: { encryption }, router: { updateInterval: 500, grace: 100, seal } });
  const [a, b, c] = [make(), make(), make()];
  const listener: WebSocketListener = await listenWebSocket({ ...b.linkOptions(), identity: b.identity, onLink: (link) => b.addLink(link) });
  const close = async () => {
    await Promise.all([a, b, c].map((mesh) => mesh.close()));
    await listener.close();
  };
  try {
    const links = [await a.connect(listener.url, { expect: b.id }), await c.connect(listener.url, { expect: b.id })];
    await waitFor(() => a.router.isReachable(c.id) && c.router.isReachable(a.id), 5000, 'routes A↔C');
    return { a, c, links, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs a call, a cast and a stream from A to C, each with its markers, and checks they worked. */
async function traffic(a: Mesh, c: Mesh): Promise<void> {
  const casts: string[] = [];
  const handlers = {
    [markers.callName]: ({ text }: { text: string }) => `${text}:${markers.callReply}`,
    [markers.castName]: ({ text }: { text: string }) => void casts.push(text),
    [markers.streamName]: function* ({ count }: { count: number }) {
      for (let i = 0; i < count; i++) yield `${markers.streamItem}-${i}`;
    },
  };
  // The member names are made at run time, so neither the handlers nor the ref can be typed by name.
  const resource = c.node.spawnResource({ iface: Secret, handlers: handlers as never });
  const ref = a.node.ref(resource.toString());
  await expect(within(ref.call(markers.callName, { text: markers.callBody }), 3000)).resolves.toBe(`${markers.callBody}:${markers.callReply}`);
  ref.cast(markers.castName, { text: markers.castBody });
  await waitFor(() => casts.length === 1, 3000, 'the cast on C');
  expect(casts).toEqual([markers.castBody]);
  const items = await within(lastValueFrom(ref.stream(markers.streamName, { count: 3 }).pipe(toArray())), 3000);
  expect(items).toEqual([0, 1, 2].map((i) => `${markers.streamItem}-${i}`));
}

/** Captures loopback while A—B—C run the traffic; returns the capture and whether the links were encrypted. */
async function capturedRun(protection: Protection): Promise<{ capture: Buffer; encrypted: boolean[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'glow-capture-'));
  const file = join(dir, 'lo.pcap');
  let tcpdump: ChildProcess | undefined;
  try {
    tcpdump = await startCapture(file);
    const { a, c, links, close } = await line(protection);
    try {
      await traffic(a, c);
      await flushCapture(file, `canary-${tag}-${protection.encryption}-${protection.seal}`);
      return { capture: await readFile(file), encrypted: links.map((link) => (link as FramedLink).encrypted) };
    } finally {
      await close();
    }
  } finally {
    if (tcpdump) await stopCapture(tcpdump);
    await rm(dir, { recursive: true, force: true });
  }
}

const found = (capture: Buffer) => Object.values(markers).filter((marker) => capture.includes(marker));

test('an observer of loopback sees none of the markers of calls, casts and streams over encrypted WebSocket links', async () => {
  const { capture, encrypted } = await capturedRun({ encryption: true, seal: true });
  expect(encrypted).toEqual([true, true]);
  expect(found(capture)).toEqual([]);
}, 30_000);

test('with link encryption off, the end-to-end session still hides every member name and body', async () => {
  const { capture, encrypted } = await capturedRun({ encryption: false, seal: true });
  expect(encrypted).toEqual([false, false]);
  expect(found(capture)).toEqual([]);
}, 30_000);

test('with link encryption and sealing both off, the same run shows every marker in the capture (the capture sees the traffic)', async () => {
  const { capture, encrypted } = await capturedRun({ encryption: false, seal: false });
  expect(encrypted).toEqual([false, false]);
  expect(found(capture)).toEqual(Object.values(markers));
}, 30_000);
