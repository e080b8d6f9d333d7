import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FramedLink } from '../../src/transport/framedLink.js';
import { createIdentity } from '../../src/transport/identity.js';
import { listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import { within } from '../helpers/waitFor.js';
import { nextClose, patterned, receive, seedOf } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/linkPeer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Default heartbeats (250 ms, 1000 ms): death must show within the timeout, one interval and a margin.
const DETECTION_BOUND = 1000 + 250 + 250;

// Registered as soon as each resource exists, so that a failed start still cleans up.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A listener with a peer in a child process linked to it. */
async function peerProcess() {
  const links: FramedLink[] = [];
  const arrived: ((link: FramedLink) => void)[] = [];
  const listener: WebSocketListener = await listenWebSocket({
    identity: createIdentity(),
    onLink: (link) => (arrived.length ? arrived.shift()!(link) : links.push(link)),
  });
  cleanups.push(() => listener.close());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', FIXTURE, listener.url], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await within(exited, 5000, 'peer process did not exit');
  });
  const line = await within(once(child.stdout!, 'data'), 15_000, 'peer process did not start');
  const { id } = JSON.parse(String(line[0])) as { id: string };
  const link = await within(new Promise<FramedLink>((resolve) => (links.length ? resolve(links.shift()!) : arrived.push(resolve))), 2000);
  expect(link.remote).toBe(id);
  return { link, child };
}

describe('a link to a peer in another process', () => {
  it('carries packets to the process and back', async () => {
    const peer = await peerProcess();
    const echoed = receive(peer.link, 2, 5000);
    peer.link.send(patterned(1, 100));
    peer.link.send(patterned(2, 300 * 1024));
    expect((await echoed).map(seedOf)).toEqual([1, 2]);
  }, 30_000);

  it(`closes within ${DETECTION_BOUND} ms when the peer process is SIGKILLed`, async () => {
    const peer = await peerProcess();
    const closed = nextClose(peer.link, DETECTION_BOUND);
    peer.child.kill('SIGKILL');
    expect((await closed).by).toBe('transport');
  }, 30_000);

  it(`closes with "heartbeat timeout" within ${DETECTION_BOUND} ms when the peer process freezes (SIGSTOP)`, async () => {
    const peer = await peerProcess();
    const closed = nextClose(peer.link, DETECTION_BOUND);
    const start = performance.now();
    // A frozen process keeps its sockets open: only the heartbeat can tell.
    peer.child.kill('SIGSTOP');
    expect(await closed).toEqual({ reason: 'heartbeat timeout', by: 'transport' });
    expect(performance.now() - start).toBeGreaterThanOrEqual(1000 - 250);
  }, 30_000);
});
