import { ManualClock } from '../../src/firefly/clock.js';
import { memoryLinkPair } from '../../src/transport/memory.js';
import { linkCompliance } from './compliance.js';

linkCompliance(
  'memory',
  async () => {
    const [a, b, controls] = memoryLinkPair('node-a', 'node-b');
    return {
      a,
      b,
      ids: { a: 'node-a', b: 'node-b' },
      killB: async () => controls.cut('b vanished'),
      cleanup: async () => {
        a.close();
        b.close();
      },
    };
  },
  { backpressure: 'a memory link hands packets over at once and never buffers' },
);

describe('memory link latency', () => {
  it('delivers each packet `latency` ms after it was sent, on its clock, in order', async () => {
    const clock = new ManualClock();
    const [a, b] = memoryLinkPair('node-a', 'node-b', { latency: 30, clock });
    const arrived: [number, number][] = [];
    b.onPacket((packet) => arrived.push([packet[0]!, clock.now()]));
    a.send(Uint8Array.of(1));
    await clock.advance(10);
    a.send(Uint8Array.of(2));
    await clock.advance(19);
    expect(arrived).toEqual([]);
    await clock.advance(11);
    expect(arrived).toEqual([
      [1, 30],
      [2, 40],
    ]);
    expect(a.rtt).toBe(60);
    a.close();
  });
});
