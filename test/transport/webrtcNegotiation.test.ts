import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/firefly/clock.js';
import { isGlowError } from '../../src/firefly/errors.js';
import { dialWebRtc } from '../../src/transport/webrtcNegotiation.js';
import { webrtcTeardowns } from '../../src/transport/webrtcPeer.js';
import type { WebRtcSignal } from '../../src/transport/webrtcSignal.js';
import { weriftBackend } from '../../src/transport/webrtcWerift.js';
import { signalPair } from '../fixtures/signalPair.js';
import { LOOPBACK, channelPair } from '../fixtures/webrtcPair.js';
import { within } from '../helpers/waitFor.js';

const TAMPERED = fileURLToPath(new URL('../fixtures/webrtcTampered.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

afterAll(() => webrtcTeardowns());

const candidateLines = (signal: WebRtcSignal): string[] =>
  signal.type === 'candidate' ? [signal.candidate] : 'sdp' in signal ? (signal.sdp.match(/^a=candidate:.*$/gm) ?? []) : [];

describe('WebRTC negotiation', () => {
  it('signals nothing but 127.0.0.1 host candidates when loopback-only', async () => {
    const seen: string[] = [];
    const { a, b } = await channelPair(weriftBackend, weriftBackend, {
      tap: (_, signal) => {
        seen.push(...candidateLines(signal));
        return signal;
      },
    });
    a.close();
    b.close();
    expect(seen.length).toBeGreaterThan(0);
    for (const line of seen) expect(line).toMatch(/^(a=)?candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 \d+ typ host/);
  });

  it('buffers candidates that arrive before the description they belong to', async () => {
    // B's answer is held back and delivered right after B's first candidate, so A has a
    // candidate before it has the description to add it to.
    let held: WebRtcSignal | undefined;
    let toA: ((signal: WebRtcSignal) => void) | undefined;
    let earlyCandidates = 0;
    const { a, b } = await channelPair(weriftBackend, weriftBackend, {
      onPorts: (portA) => (toA = (signal) => portA.onsignal?.(signal)),
      tap: (from, signal) => {
        if (from !== 'b') return signal;
        if (signal.type === 'answer') {
          held = signal;
          return undefined;
        }
        if (signal.type === 'candidate' && held) {
          earlyCandidates++;
          const answer = held;
          held = undefined;
          // The candidate is delivered on the next microtask; the answer one after it.
          queueMicrotask(() => queueMicrotask(() => toA?.(answer)));
        }
        return signal;
      },
    });
    a.close();
    b.close();
    expect(earlyCandidates).toBe(1);
  });

  it('fails when a relay swaps the DTLS fingerprint in the SDP: the DTLS handshake cannot complete', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', TAMPERED, 'werift', 'werift'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await within(once(child.stdout!, 'data'), 20_000, 'no result from the tampered negotiation')) as [Buffer];
    await within(once(child, 'exit'), 5000, 'process did not exit');
    const result = JSON.parse(String(line)) as { error: string; ms: number };
    console.log(`forged fingerprint: ${result.error} after ${result.ms} ms`);
    expect(['noconnection', 'timeout']).toContain(result.error);
  }, 30_000);

  it('fails with `timeout` when nobody answers, and with `noconnection` when the peer ends it', async () => {
    const clock = new ManualClock();
    const [silentA] = signalPair();
    let settled = false;
    const dialled = dialWebRtc(silentA, { ...LOOPBACK, timeout: 300, clock, backend: weriftBackend }).catch((e: unknown) => e);
    void dialled.then(() => (settled = true));
    await clock.advance(299);
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await dialled;
    expect(isGlowError(error, 'timeout')).toBe(true);

    const [portA, portB] = signalPair();
    portB.onsignal = (signal) => signal.type === 'offer' && portB.send({ type: 'end', reason: 'busy here' });
    const ended = await dialWebRtc(portA, { ...LOOPBACK, backend: weriftBackend }).catch((e: unknown) => e);
    expect(isGlowError(ended, 'noconnection')).toBe(true);
    expect(String(ended)).toMatch(/busy here/);
  });
});
