import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { hasNodeDataChannel, loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { webrtcTeardowns, type WebRtcBackend } from '../../src/transport/webrtcPeer.js';
import { weriftBackend } from '../../src/transport/webrtcWerift.js';
import { channelPair, linkPair } from '../fixtures/webrtcPair.js';
import { within } from '../helpers/waitFor.js';
import { linkCompliance } from './compliance.js';
import { patterned, receive, seedOf } from './helpers.js';

// node-datachannel is an optional dependency: on a machine without it these tests say so and
// skip, and the backend selector is checked to fall back to werift.
const installed = await hasNodeDataChannel();
const ndc = installed ? await loadWebRtcBackend('node-datachannel') : undefined;
const describeNdc = installed ? describe : describe.skip;

const WITHOUT_NDC = fileURLToPath(new URL('../fixtures/withoutNdc.mjs', import.meta.url));
const CHOICE = fileURLToPath(new URL('../fixtures/backendChoice.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

afterAll(() => webrtcTeardowns());

describe('WebRTC backend selection', () => {
  it(`picks ${installed ? 'node-datachannel' : 'werift'} for 'auto' and werift by name`, async () => {
    expect((await loadWebRtcBackend('auto')).name).toBe(installed ? 'node-datachannel' : 'werift');
    expect((await loadWebRtcBackend('werift')).name).toBe('werift');
    if (!installed) await expect(loadWebRtcBackend('node-datachannel')).rejects.toThrow();
  });

  it("falls back to werift for 'auto' where node-datachannel is not installed, and says so when it is asked for", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', WITHOUT_NDC, CHOICE], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await within(once(child.stdout!, 'data'), 20_000, 'no answer')) as [Buffer];
    await within(once(child, 'exit'), 5000, 'did not exit');
    const result = JSON.parse(String(line)) as Record<string, string>;
    expect(result.auto).toBe('werift');
    expect(result.werift).toBe('werift');
    expect(result['node-datachannel']).toMatch(/^error: .*node-datachannel/);
  }, 30_000);
});

if (ndc) {
  linkCompliance('node-datachannel WebRTC', async () => {
    const pair = await linkPair(ndc, ndc);
    return { a: pair.a, b: pair.b, ids: pair.ids, killB: async () => pair.killB(), cleanup: async () => pair.cleanup() };
  });
}

describeNdc('node-datachannel WebRTC channel', () => {
  it('opens with the same binding on both ends and a 256 KiB message size', async () => {
    const { a, b, ms } = await channelPair(ndc!, ndc!);
    try {
      console.log(`node-datachannel channel open: ${ms.toFixed(0)} ms`);
      expect(a.binding).toBe(b.binding);
      expect(a.binding.split(',')).toHaveLength(2);
      expect(a.maxMessageSize).toBe(256 * 1024);
    } finally {
      a.close();
      b.close();
    }
  });
});

describeNdc('werift ↔ node-datachannel interop', () => {
  const cases: [string, () => [WebRtcBackend, WebRtcBackend]][] = [
    ['werift dials node-datachannel', () => [weriftBackend, ndc!]],
    ['node-datachannel dials werift', () => [ndc!, weriftBackend]],
  ];
  for (const [name, backends] of cases) {
    it(`${name}: a link opens and carries packets both ways, large ones chunked to werift's 64 KiB`, async () => {
      const pair = await linkPair(...backends());
      try {
        console.log(`${name}: channel open ${pair.channelMs.toFixed(0)} ms`);
        const atB = receive(pair.b, 1000, 10_000);
        const atA = receive(pair.a, 1000, 10_000);
        for (let i = 0; i < 1000; i++) {
          const size = i % 100 === 99 ? 200 * 1024 : 50 + (i % 300);
          pair.a.send(patterned(i, size));
          pair.b.send(patterned(i, size));
        }
        for (const packets of [await atB, await atA]) expect(packets.map(seedOf)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      } finally {
        pair.cleanup();
      }
    }, 30_000);
  }
});
