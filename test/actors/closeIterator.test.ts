/** Closing an iterator nobody reads any more (src/actors/closeIterator.ts). */
import { closeIterator } from '../../src/actors/closeIterator.js';

test('a return that rejects or throws is dropped, not left as an unhandled rejection', async () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    let returned = 0;
    closeIterator({ return: () => (returned++, Promise.reject(new Error('cancel lost'))) });
    closeIterator({ return: () => (returned++, undefined) });
    closeIterator({});
    closeIterator(undefined);
    expect(returned).toBe(2);
    // Unhandled rejections are reported after the microtasks of this turn: wait one macrotask.
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
});
