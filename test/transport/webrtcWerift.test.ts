import type { FramedLink } from '../../src/transport/framedLink.js';
import { webrtcTeardowns } from '../../src/transport/webrtcPeer.js';
import { weriftBackend } from '../../src/transport/webrtcWerift.js';
import { channelPair, linkPair } from '../fixtures/webrtcPair.js';
import { within } from '../helpers/waitFor.js';
import { linkCompliance } from './compliance.js';
import { patterned, receive, seedOf } from './helpers.js';

afterAll(() => webrtcTeardowns());

linkCompliance('werift WebRTC', async () => {
  const pair = await linkPair(weriftBackend, weriftBackend);
  return {
    a: pair.a,
    b: pair.b,
    ids: pair.ids,
    // B falls silent without a word, as a frozen or killed process does (the SIGKILL of a real
    // process is in webrtcDeath.test.ts).
    killB: async () => pair.killB(),
    cleanup: async () => pair.cleanup(),
  };
});

describe('werift WebRTC channel', () => {
  it('opens on loopback in well under a second, with the same binding on both ends', async () => {
    const { a, b, ms } = await channelPair(weriftBackend, weriftBackend);
    try {
      console.log(`werift channel open: ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(2000);
      expect(a.binding).toBe(b.binding);
      expect(a.binding).toMatch(/^sha-256 [0-9A-F:]{95},sha-256 [0-9A-F:]{95}$/);
      expect(a.maxMessageSize).toBe(64 * 1024);
      expect(a.maxSendsPerTurn).toBeLessThanOrEqual(32);
    } finally {
      a.close();
      b.close();
    }
  });

  it('links without link-level sealing: DTLS encrypts, bound to both node keys by the binding the handshake signs', async () => {
    const pair = await linkPair(weriftBackend, weriftBackend);
    try {
      // The binding holds both DTLS fingerprints (above), which werift checks against the certificates.
      expect([(pair.a as FramedLink).encrypted, (pair.b as FramedLink).encrypted]).toEqual([false, false]);
    } finally {
      pair.cleanup();
    }
  });

  it('tells the peer when it closes', async () => {
    const { a, b } = await channelPair(weriftBackend, weriftBackend);
    const closed = within(new Promise<string>((resolve) => (b.onclose = resolve)), 2000, 'peer saw no close');
    a.close();
    expect(await closed).toBe('closed by peer');
    b.close();
  });

  it('delivers messages queued before close, then closes', async () => {
    const { a, b } = await channelPair(weriftBackend, weriftBackend);
    const got: number[] = [];
    const closed = within(
      new Promise<void>((resolve) => {
        b.onmessage = (message) => got.push(seedOf(message));
        b.onclose = () => resolve();
      }),
      5000,
      'peer saw no close',
    );
    for (let i = 0; i < 200; i++) a.send(patterned(i, 1000));
    a.close();
    await closed;
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});

describe('werift WebRTC link under load', () => {
  it('delivers a burst of 100 000 small packets completely and in order', async () => {
    const pair = await linkPair(weriftBackend, weriftBackend);
    try {
      const COUNT = 100_000;
      const start = performance.now();
      const arrived = receive(pair.b, COUNT, 60_000);
      // One turn, no pauses: the burst that makes unpaced werift collapse.
      for (let i = 0; i < COUNT; i++) pair.a.send(patterned(i, 16 + (i % 48)));
      const packets = await arrived;
      const ms = performance.now() - start;
      console.log(`werift burst: ${COUNT} packets in ${ms.toFixed(0)} ms (${((COUNT / ms) * 1000).toFixed(0)} packets/s)`);
      expect(packets.findIndex((packet, i) => seedOf(packet) !== i || packet.length !== 16 + (i % 48))).toBe(-1);
      expect(pair.a.closed || pair.b.closed).toBe(false);
    } finally {
      pair.cleanup();
    }
  }, 90_000);
});
