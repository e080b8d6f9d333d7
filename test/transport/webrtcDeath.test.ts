import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createIdentity } from '../../src/transport/identity.js';
import type { Link } from '../../src/transport/link.js';
import { openLink } from '../../src/transport/openLink.js';
import { hasNodeDataChannel, loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { dialWebRtc } from '../../src/transport/webrtcNegotiation.js';
import { webrtcTeardowns, type WebRtcBackendName } from '../../src/transport/webrtcPeer.js';
import { parseWebRtcSignal, type SignalPort } from '../../src/transport/webrtcSignal.js';
import { LOOPBACK } from '../fixtures/webrtcPair.js';
import { within } from '../helpers/waitFor.js';
import { nextClose, patterned, receive, seedOf } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/webrtcPeerProcess.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Default heartbeats (250 ms interval, 1000 ms timeout): death shows within the timeout, one
// interval and a margin.
const DETECTION_BOUND = 1000 + 250 + 250;

afterAll(() => webrtcTeardowns());

/** A WebRTC link from this process to a peer in a child process (its backend named). */
async function peerProcess(backend: WebRtcBackendName) {
  const identity = createIdentity();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', FIXTURE, backend, identity.id], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await within(exited, 5000, 'peer process did not exit');
  };
  try {
    let up: (id: string) => void = () => undefined;
    const isUp = new Promise<string>((resolve) => (up = resolve));
    const port: SignalPort = {
      onsignal: undefined,
      send: (signal) => child.stdin!.write(`${JSON.stringify({ signal })}\n`),
      close: () => undefined,
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { signal?: unknown; up?: string };
      if (message.up) return up(message.up);
      const signal = parseWebRtcSignal(message.signal);
      if (signal) port.onsignal?.(signal);
    });
    const channel = await within(dialWebRtc(port, { ...LOOPBACK, backend: await loadWebRtcBackend('werift') }), 20_000, 'no channel');
    const link: Link = await openLink(channel, identity);
    expect(await within(isUp, 5000, 'peer did not report its link')).toBe(link.remote);
    return { link, child, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

const backends: WebRtcBackendName[] = (await hasNodeDataChannel()) ? ['werift', 'node-datachannel'] : ['werift'];

describe.each(backends)('a werift link to a %s peer in another process', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('carries packets to the process and back', async () => {
    const peer = await peerProcess(backend);
    cleanup = async () => {
      peer.link.close();
      await peer.cleanup();
    };
    const echoed = receive(peer.link, 2, 5000);
    peer.link.send(patterned(1, 100));
    peer.link.send(patterned(2, 300 * 1024));
    expect((await echoed).map(seedOf)).toEqual([1, 2]);
  }, 30_000);

  it(`closes within ${DETECTION_BOUND} ms when the peer process is SIGKILLed`, async () => {
    const peer = await peerProcess(backend);
    cleanup = async () => {
      peer.link.close();
      await peer.cleanup();
    };
    const closed = nextClose(peer.link, DETECTION_BOUND);
    const start = performance.now();
    peer.child.kill('SIGKILL');
    const close = await closed;
    console.log(`${backend} peer SIGKILLed: link closed after ${(performance.now() - start).toFixed(0)} ms (${close.reason})`);
    expect(close.by).toBe('transport');
  }, 30_000);
});
