/**
 * The hub on its own: how long the log keeps messages, and how a relay's hub reports an
 * upstream that skipped ahead.
 */
import { GlowError } from '../../../src/firefly/errors.js';
import { Hub } from '../../../src/resources/channel/hub.js';
import { take } from './helpers.js';

test('the log keeps the history, and longer what a block subscriber still needs', async () => {
  const hub = new Hub({ start: 0, history: 2 });
  const slow = hub.subscribe({ policy: 'block', buffer: 100 });
  for (let i = 0; i < 10; i++) hub.append(i);
  expect([hub.log.first, hub.log.next]).toEqual([0, 10]);
  expect((await take(slow, 10)).map((item) => item.offset)).toEqual([...Array(10).keys()]);
  hub.append(10);
  expect([hub.log.first, hub.log.next]).toEqual([9, 11]);
  await slow.return();
  expect(hub.size).toBe(0);
});

test('hasRoom is false while a block subscriber lags its buffer, and a dropOldest one never holds it', async () => {
  const hub = new Hub({ start: 0, history: 0 });
  const dropping = hub.subscribe({ policy: 'dropOldest', buffer: 1 });
  for (let i = 0; i < 5; i++) hub.append(i);
  expect(hub.hasRoom()).toBe(true);
  const blocking = hub.subscribe({ policy: 'block', buffer: 2 });
  hub.append(5);
  hub.append(6);
  expect(hub.hasRoom()).toBe(false);
  await blocking.next();
  expect(hub.hasRoom()).toBe(true);
  expect(await take(dropping, 1)).toEqual([{ offset: 6, message: 6, dropped: 6 }]);
});

test('an upstream that skips ahead restarts the log there and tells each subscriber with a gap', async () => {
  // A relay's hub starts at the channel's next offset; the channel reports a gap on its first
  // item if it evicted messages in between.
  const hub = new Hub({ start: 5, history: 10 });
  const sub = hub.subscribe({ policy: 'block', buffer: 10 });
  hub.appendAt(9, 'nine');
  hub.appendAt(9, 'duplicate, ignored');
  hub.appendAt(10, 'ten');
  expect(await take(sub, 2)).toEqual([
    { offset: 9, message: 'nine', gap: { from: 5, to: 8 } },
    { offset: 10, message: 'ten' },
  ]);
  // Messages held but not yet taken when the upstream skips are part of the reported gap.
  hub.appendAt(11, 'eleven');
  hub.appendAt(20, 'twenty');
  expect(await take(sub, 1)).toEqual([{ offset: 20, message: 'twenty', gap: { from: 11, to: 19 } }]);
});

test('after a failure, subscribers get what is left, then the error', async () => {
  const hub = new Hub({ start: 0, history: 10 });
  const sub = hub.subscribe({ policy: 'block', buffer: 10 });
  hub.append('kept');
  hub.fail(new GlowError('noconnection', 'gone'));
  expect(await take(sub, 1)).toEqual([{ offset: 0, message: 'kept' }]);
  await expect(sub.next()).rejects.toMatchObject({ code: 'noconnection' });
  expect(hub.size).toBe(0);
  expect(() => hub.subscribe({ policy: 'block', buffer: 1 })).toThrow('gone');
});
