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
