/**
 * The daemon gives memory back after a burst (apps/daemon/memoryRelease.ts): once the event loop
 * is quiet and the heap has grown past what the last collection left, it collects at once.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { releaseMemoryWhenQuiet } from '../../../apps/daemon/memoryRelease.js';
import { within } from '../../actors/helpers.js';

test('after a burst of garbage, once the event loop is quiet, the heap is collected at once', async () => {
  // Start from a collected heap, as a daemon does: jest's worker may still hold earlier test files'
  // garbage, which V8 would collect during the burst, leaving the burst itself under the baseline.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  let stop = () => {};
  const released = new Promise<[number, number]>((resolve) => {
    stop = releaseMemoryWhenQuiet({ everyMs: 50, growth: 32e6, onRelease: (before, after) => resolve([before, after]) });
  });
  try {
    // About 100 MB of objects that die at once, as a scan's or a sync's do.
    let burst: { i: number; s: string }[] | undefined = Array.from({ length: 1_000_000 }, (_, i) => ({ i, s: `garbage ${i}` }));
    expect(burst.length).toBe(1_000_000);
    burst = undefined;
    const [before, after] = await within(released, 10_000, 'a collection after the burst');
    expect(before - after).toBeGreaterThan(32e6);
  } finally {
    stop();
  }
});
