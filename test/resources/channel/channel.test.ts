/**
 * The channel resource on its own node: offsets and order, replay from history, gap reports,
 * both slow-subscriber policies, info, and how subscriptions end when the channel does.
 */
import { Node } from '../../../src/actors/node.js';
import { GlowError } from '../../../src/firefly/errors.js';
import {
  channelKind,
  ChannelInterface,
  publishChannel,
  subscribeChannel,
  observeChannel,
  type ChannelArgs,
  type ChannelItem,
} from '../../../src/resources/channel/index.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { failure, isPending, take } from './helpers.js';

const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.shutdown({ timeout: 500 })));
});

async function channel(args: ChannelArgs = {}) {
  const node = new Node();
  nodes.push(node);
  node.registerKind(channelKind);
  const ref = node.ref((await node.spawn('channel', args)).id, ChannelInterface);
  node.register('news', ref);
  return { node, ref };
}

test('publish answers increasing offsets and a live subscriber gets every message in order', async () => {
  const { node, ref } = await channel();
  const sub = subscribeChannel(node, 'news');
  const first = sub.next();
  const offsets = [];
  for (let i = 0; i < 5; i++) offsets.push(await ref.call('publish', { message: { n: i } }));
  expect(offsets).toEqual([0, 1, 2, 3, 4]);
  const items = [(await first).value as ChannelItem, ...(await take(sub, 4))];
  expect(items).toEqual([0, 1, 2, 3, 4].map((n) => ({ offset: n, message: { n } })));
  await sub.return!();
});

test('subscribe from an offset replays the history, then goes on live', async () => {
  const { node } = await channel({ history: 10 });
  for (let i = 0; i < 5; i++) await publishChannel(node, 'news', `m${i}`);
  const sub = subscribeChannel(node, 'news', { from: 2 });
  expect((await take(sub, 3)).map((item) => item.message)).toEqual(['m2', 'm3', 'm4']);
  await publishChannel(node, 'news', 'm5');
  expect(await take(sub, 1)).toEqual([{ offset: 5, message: 'm5' }]);
  await sub.return!();
});

test('from an offset older than the history, the first item reports the gap', async () => {
  const { node, ref } = await channel({ history: 3 });
  for (let i = 0; i < 10; i++) await publishChannel(node, 'news', i);
  await expect(ref.call('info', {})).resolves.toMatchObject({ first: 7, next: 10, history: 3, subscribers: 0 });
  const sub = subscribeChannel(node, 'news', { from: 2 });
  const items = await take(sub, 3);
  expect(items[0]).toEqual({ offset: 7, message: 7, gap: { from: 2, to: 6 } });
  expect(items.slice(1)).toEqual([
    { offset: 8, message: 8 },
    { offset: 9, message: 9 },
  ]);
  await sub.return!();
});

test('from an offset past the next one, the subscription fails with badarg', async () => {
  const { node } = await channel();
  await publishChannel(node, 'news', 'only');
  const error = await failure(subscribeChannel(node, 'news', { from: 5 }));
  expect(error).toBeInstanceOf(GlowError);
  expect(error).toMatchObject({ code: 'badarg', details: { from: 5, next: 1 } });
});

/** Publishes 0, 1, … until a publish is left waiting; answers how many went through, and the waiting one. */
async function publishUntilPaused(node: Node, limit = 50): Promise<{ published: number; paused: Promise<number> }> {
  for (let i = 0; i < limit; i++) {
    const publish = publishChannel(node, 'news', i);
    if (await isPending(publish)) return { published: i, paused: publish };
  }
  throw new Error(`${limit} publishes never paused`);
}

test('block: a lagging subscriber pauses the publisher, and nothing is lost', async () => {
  const { node, ref } = await channel();
  const sub = subscribeChannel(node, 'news', { buffer: 4, credit: 2 });
  const firstItem = sub.next(); // opens the stream and takes one item; nothing else pulls
  const { published, paused } = await publishUntilPaused(node);
  // What the stream carried (credit 2, plus the one taken) and the 4 buffered, no more.
  expect(published).toBeGreaterThanOrEqual(4);
  expect(published).toBeLessThanOrEqual(2 + 1 + 4);
  await expect(ref.call('info', {})).resolves.toMatchObject({ next: published, waiting: 1 });
  const later = publishChannel(node, 'news', published + 1); // queued behind it, in order
  const items = [(await firstItem).value as ChannelItem, ...(await take(sub, published + 1))];
  await expect(within(paused)).resolves.toBe(published);
  await expect(within(later)).resolves.toBe(published + 1);
  expect(items.map((item) => item.offset)).toEqual([...Array(published + 2).keys()]);
  expect(items.map((item) => item.message)).toEqual([...Array(published + 2).keys()]);
  expect(items.every((item) => item.dropped === undefined && item.gap === undefined)).toBe(true);
  await sub.return!();
});

test('block: a publish that waits longer than publishTimeout answers busy and is not published', async () => {
  const { node, ref } = await channel({ publishTimeout: 50 });
  const sub = subscribeChannel(node, 'news', { buffer: 1, credit: 1 });
  const first = sub.next();
  const { published, paused } = await publishUntilPaused(node);
  await expect(within(paused)).rejects.toMatchObject({ code: 'busy' });
  await expect(ref.call('info', {})).resolves.toMatchObject({ next: published, waiting: 0 });
  expect((await first).value).toEqual({ offset: 0, message: 0 });
  await sub.return!();
  // The subscriber left: publishing no longer waits for it.
  await expect(within(publishChannel(node, 'news', 'again'))).resolves.toBe(published);
});

test('dropOldest: the publisher never waits, the newest messages are kept and the drop is reported', async () => {
  const { node } = await channel();
  const sub = subscribeChannel(node, 'news', { policy: 'dropOldest', buffer: 3, credit: 1 });
  const first = sub.next();
  for (let i = 0; i < 20; i++) await within(publishChannel(node, 'news', i));
  expect((await first).value).toEqual({ offset: 0, message: 0 });
  // Credit 1 carried offset 1 already; of 2..19 only the newest 3 are kept.
  const items = await take(sub, 4);
  expect(items).toEqual([
    { offset: 1, message: 1 },
    { offset: 17, message: 17, dropped: 15 },
    { offset: 18, message: 18 },
    { offset: 19, message: 19 },
  ]);
  await sub.return!();
});

test('info reports the offset range and the subscribers, and process tools still read it', async () => {
  const { node, ref } = await channel({ history: 2 });
  const a = subscribeChannel(node, 'news');
  const b = subscribeChannel(node, 'news', { policy: 'dropOldest' });
  const pending = [a.next(), b.next()];
  await waitFor(async () => (await ref.call('info', {})).subscribers === 2, 1000, 'two subscribers');
  for (let i = 0; i < 3; i++) await publishChannel(node, 'news', i);
  await Promise.all(pending);
  const info = await ref.call('info', {});
  expect(info).toMatchObject({ kind: 'channel', interface: 'glow.Channel/1', next: 3, subscribers: 2, waiting: 0 });
  await a.return!();
  await b.return!();
  await waitFor(async () => (await ref.call('info', {})).subscribers === 0, 1000, 'no subscribers');
  await expect(ref.call('info', {})).resolves.toMatchObject({ first: 1, next: 3 });
});

test('a message larger than maxMessageBytes is refused with badarg', async () => {
  const { node } = await channel({ maxMessageBytes: 16 });
  await expect(publishChannel(node, 'news', 'x'.repeat(100))).rejects.toMatchObject({ code: 'badarg', details: { maxMessageBytes: 16 } });
  await expect(publishChannel(node, 'news', 'ok')).resolves.toBe(0);
});

test('when the channel crashes, its subscribers end with crashed and waiting publishes fail', async () => {
  const { node, ref } = await channel();
  const sub = subscribeChannel(node, 'news', { buffer: 1, credit: 1 });
  const first = sub.next(); // the subscription opens at the first pull
  await publishChannel(node, 'news', 'a');
  expect((await first).value).toMatchObject({ message: 'a' });
  const observed = new Promise((resolve) => observeChannel(node, 'news').subscribe({ error: resolve }));
  const { paused: waiting } = await publishUntilPaused(node);
  node.exit(ref, { error: { code: 'crashed', message: 'boom' } });
  await expect(within(waiting)).rejects.toMatchObject({ code: 'crashed' });
  await expect(failure(sub)).resolves.toMatchObject({ code: 'crashed' });
  await expect(within(observed)).resolves.toMatchObject({ code: 'crashed' });
});

test('subscribing to a name nobody registered fails with noproc', async () => {
  const { node } = await channel();
  await expect(failure(subscribeChannel(node, 'nothing'))).resolves.toMatchObject({ code: 'noproc' });
});
