/**
 * Channels across nodes: one relay per node per channel, one copy of each message on the link
 * whatever the number of subscribers, per-subscriber policies at the relay, relays released
 * and ended, and resuming without gaps after a link is lost.
 */
import type { Mesh } from '../../../src/actors/mesh.js';
import { PacketKind } from '../../../src/firefly/packet.js';
import { GlowError } from '../../../src/firefly/errors.js';
import {
  ChannelInterface,
  publishChannel,
  relaysOn,
  subscribeChannel,
  type ChannelArgs,
  type ChannelItem,
} from '../../../src/resources/channel/index.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { closeMeshes, failure, link, mesh, take } from './helpers.js';

afterEach(closeMeshes);

/** A channel named `news` on A, linked to B, with the name known on B. */
async function pair(args: ChannelArgs = {}) {
  const [a, b] = [mesh(), mesh()];
  const ab = link(a, b);
  await waitFor(() => a.router.isReachable(b.id) && b.router.isReachable(a.id), 5000, 'routes A↔B');
  const ref = a.node.ref((await a.node.spawn('channel', args)).id, ChannelInterface);
  a.node.register('news', ref);
  await waitFor(() => b.node.whereis('news') !== undefined, 5000, 'the name on B');
  return { a, b, ab, ref };
}

const subscribers = (ref: { call: (m: 'info', a: object) => Promise<{ subscribers: number }> }) => async () =>
  (await ref.call('info', {})).subscribers;

test('100 subscribers on a remote node cost one item packet per message on the link', async () => {
  const { a, b, ab, ref } = await pair();
  const subs = Array.from({ length: 100 }, () => subscribeChannel(b.node, 'news'));
  const firsts = subs.map((sub) => sub.next());
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  await waitFor(() => relaysOn(b.node)[0]?.subscribers === 100, 2000, '100 subscribers on the relay');
  expect(relaysOn(b.node)).toHaveLength(1);

  const before = ab.fromA.count(PacketKind.item);
  const N = 50;
  for (let i = 0; i < N; i++) await publishChannel(a.node, 'news', { i });
  const received = await within(
    Promise.all(subs.map(async (sub, s) => [(await firsts[s]!).value as ChannelItem, ...(await take(sub, N - 1, 4000))])),
    5000,
  );
  for (const items of received) expect(items.map((item) => item.offset)).toEqual([...Array(N).keys()]);
  const itemPackets = ab.fromA.count(PacketKind.item) - before;
  // One copy per message, not 100 × N = 5000.
  expect(itemPackets).toBe(N);
  await Promise.all(subs.map((sub) => sub.return!()));
});

test('without a relay, each remote subscriber costs its own copy (the baseline the relay saves)', async () => {
  const { a, b, ab, ref } = await pair();
  const direct = b.node.ref(ref.id, ChannelInterface);
  const subs = Array.from({ length: 10 }, () => direct.iterate('subscribe', {}));
  const firsts = subs.map((sub) => sub.next());
  await waitFor(async () => (await subscribers(ref)()) === 10, 2000, 'ten direct subscriptions');
  const before = ab.fromA.count(PacketKind.item);
  const N = 20;
  for (let i = 0; i < N; i++) await publishChannel(a.node, 'news', i);
  await within(Promise.all(subs.map(async (sub, s) => [await firsts[s], ...(await take(sub, N - 1))])), 4000);
  expect(ab.fromA.count(PacketKind.item) - before).toBe(10 * N);
  await Promise.all(subs.map((sub) => sub.return!()));
});

test("a later subscriber replays from the relay's own copy: no extra item packet on the link", async () => {
  const { a, b, ab, ref } = await pair();
  const first = subscribeChannel(b.node, 'news');
  const pending = first.next();
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  for (let i = 0; i < 5; i++) await publishChannel(a.node, 'news', i);
  await pending;
  await take(first, 4);
  const before = ab.fromA.count(PacketKind.item);
  const second = subscribeChannel(b.node, 'news', { from: 1 });
  expect((await take(second, 4)).map((item) => item.message)).toEqual([1, 2, 3, 4]);
  expect(ab.fromA.count(PacketKind.item) - before).toBe(0);
  expect(await subscribers(ref)()).toBe(1);
  await first.return!();
  await second.return!();
});

test('each subscriber at the relay keeps its own policy: a slow dropOldest one does not hold up the others', async () => {
  const { b, ref } = await pair();
  const fast = subscribeChannel(b.node, 'news');
  const slow = subscribeChannel(b.node, 'news', { policy: 'dropOldest', buffer: 2, credit: 1 });
  const slowFirst = slow.next();
  const fastFirst = fast.next();
  await waitFor(() => relaysOn(b.node)[0]?.subscribers === 2, 2000, 'two subscribers on the relay');
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  for (let i = 0; i < 30; i++) await within(publishChannel(b.node, 'news', i));
  const all = [(await fastFirst).value as ChannelItem, ...(await take(fast, 29))];
  expect(all.map((item) => item.message)).toEqual([...Array(30).keys()]);
  expect((await slowFirst).value).toMatchObject({ offset: 0 });
  const rest = await take(slow, 3);
  expect(rest[0]).toMatchObject({ offset: 1 });
  expect(rest.slice(1)).toEqual([
    { offset: 28, message: 28, dropped: 26 },
    { offset: 29, message: 29 },
  ]);
  await fast.return!();
  await slow.return!();
});

test('a slow block subscriber on a remote node pauses the publisher through the relay, and loses nothing', async () => {
  const { a, b, ref } = await pair({ buffer: 4, publishTimeout: 5000 });
  const sub = subscribeChannel(b.node, 'news', { buffer: 4, credit: 2 });
  const first = sub.next();
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  let published = 0;
  let paused: Promise<number> | undefined;
  // Bounded by the relay's credit and buffers; publishing must stall well before 500.
  while (!paused && published < 500) {
    const publish = publishChannel(a.node, 'news', published);
    const result = await Promise.race([publish, waitFor(async () => (await ref.call('info', {})).waiting > 0, 200).then(() => 'paused' as const).catch(() => 'timeout' as const)]);
    if (result === 'paused') paused = publish;
    else published++;
  }
  expect(paused).toBeDefined();
  expect(published).toBeLessThan(500);
  const items = [(await first).value as ChannelItem, ...(await take(sub, published, 4000))];
  await expect(within(paused!, 2000)).resolves.toBe(published);
  expect(items.map((item) => item.offset)).toEqual([...Array(published + 1).keys()]);
  await sub.return!();
});

test('the last subscriber leaving releases the relay and its upstream subscription', async () => {
  const { b, ref } = await pair();
  const sub = subscribeChannel(b.node, 'news', { relayIdle: 20 });
  const first = sub.next();
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  expect(b.node.resources().some((r) => r.interface === 'glow.ChannelRelay/1')).toBe(true);
  await sub.return!();
  await expect(within(first)).resolves.toMatchObject({ done: true });
  await waitFor(() => relaysOn(b.node).length === 0, 2000, 'the relay ended');
  await waitFor(async () => (await subscribers(ref)()) === 0, 2000, 'the upstream subscription cancelled');
  await waitFor(() => !b.node.resources().some((r) => r.interface === 'glow.ChannelRelay/1'), 2000, 'the relay resource gone');
});

test('when the channel crashes, remote subscribers end with its error and the relay ends', async () => {
  const { a, b, ref } = await pair();
  const subs = [subscribeChannel(b.node, 'news'), subscribeChannel(b.node, 'news', { policy: 'dropOldest' })];
  const firsts = subs.map((sub) => sub.next());
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  await publishChannel(a.node, 'news', 'last words');
  for (const first of firsts) expect((await first).value).toMatchObject({ message: 'last words' });
  a.node.exit(ref, { error: { code: 'crashed', message: 'boom' } });
  for (const sub of subs) {
    const error = await failure(sub);
    expect(error).toBeInstanceOf(GlowError);
    expect(error).toMatchObject({ code: 'crashed' });
  }
  await waitFor(() => relaysOn(b.node).length === 0 && !b.node.resources().some((r) => r.interface === 'glow.ChannelRelay/1'), 2000, 'the relay ended');
});

/**
 * Publishes 0, 1, … on `publisher` until stopped, one at a time (a paced publisher); answers
 * how many were published.
 */
function publishing(publisher: Mesh) {
  let stop = false;
  let count = 0;
  const done = (async () => {
    while (!stop) {
      await publishChannel(publisher.node, 'news', count);
      count++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return count;
  })();
  return {
    get count() {
      return count;
    },
    stop: () => {
      stop = true;
      return done;
    },
  };
}

/** Reads a subscription into `into` until it fails; resolves with the error. */
async function drain(iterator: AsyncIterator<ChannelItem>, into: ChannelItem[]): Promise<unknown> {
  try {
    for (;;) {
      const result = await iterator.next();
      if (result.done) return undefined;
      into.push(result.value);
    }
  } catch (error) {
    return error;
  }
}

function expectNoGaps(items: ChannelItem[], upTo: number) {
  expect(items.map((item) => item.offset)).toEqual([...Array(upTo).keys()]);
  expect(items.map((item) => item.message)).toEqual([...Array(upTo).keys()]);
  expect(items.some((item) => item.gap !== undefined || item.dropped !== undefined)).toBe(false);
}

test('a subscriber whose link is cut resumes from its last offset + 1 with no gap', async () => {
  const { a, b, ab, ref } = await pair();
  const items: ChannelItem[] = [];
  const first = drain(subscribeChannel(b.node, 'news', { relayIdle: 20 }), items);
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'the relay subscribed upstream');
  const publisher = publishing(a);
  await waitFor(() => items.length >= 20, 3000, 'items before the cut');

  ab.controls.cut('pulled cable');
  await expect(within(first, 3000)).resolves.toMatchObject({ code: 'noconnection' });
  const seen = items.length;
  await waitFor(() => publisher.count >= seen + 20, 3000, 'publishing on while cut');

  const again = link(a, b);
  await waitFor(() => a.router.isReachable(b.id) && b.router.isReachable(a.id), 5000, 'routes A↔B again');
  await waitFor(() => b.node.whereis('news') !== undefined, 5000, 'the name on B again');
  const second = drain(subscribeChannel(b.node, 'news', { from: items.at(-1)!.offset + 1 }), items);
  await waitFor(() => items.length >= publisher.count, 3000, 'caught up');
  const total = await publisher.stop();
  await waitFor(() => items.length === total, 3000, () => `all ${total} items (got ${items.length})`);
  expectNoGaps(items, total);
  // The catch-up handed over to the new relay: one upstream subscription again.
  await waitFor(async () => (await subscribers(ref)()) === 1, 2000, 'only the relay upstream');
  again.controls.cut('done');
  await within(second, 3000);
});

test('a subscriber that moves to a new node resumes there with no gap', async () => {
  const { a, b, ab } = await pair();
  const items: ChannelItem[] = [];
  const onB = subscribeChannel(b.node, 'news');
  const first = drain(onB, items);
  await waitFor(() => relaysOn(b.node)[0]?.subscribers === 1, 2000, 'the relay on B');
  const publisher = publishing(a);
  await waitFor(() => items.length >= 10, 3000, 'items on B');
  ab.controls.cut('B lost');
  await within(first, 3000);

  const c = mesh();
  link(a, c);
  await waitFor(() => c.node.whereis('news') !== undefined, 5000, 'the name on C');
  const onC = subscribeChannel(c.node, 'news', { from: items.at(-1)!.offset + 1 });
  const second = drain(onC, items);
  await waitFor(() => items.length >= publisher.count, 3000, 'caught up on C');
  const total = await publisher.stop();
  await waitFor(() => items.length === total, 3000, () => `all ${total} items (got ${items.length})`);
  expectNoGaps(items, total);
  await onC.return!();
  await within(second);
});
