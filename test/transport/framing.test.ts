import { FrameReceiver } from '../../src/transport/frameReceiver.js';
import { FrameType, encodeFrame } from '../../src/transport/frames.js';
import { createIdentity } from '../../src/transport/identity.js';
import type { LinkLogEvent } from '../../src/transport/linkOptions.js';
import { memoryChannelPair, type MemoryChannelOptions } from '../../src/transport/memoryChannel.js';
import { openLink, type OpenLinkOptions } from '../../src/transport/openLink.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { nextClose, patterned, receive, seedOf } from './helpers.js';

/** An open framed link pair over memory channels; `a` logs into `log`. */
async function linked(channel: MemoryChannelOptions = {}, options: OpenLinkOptions = {}, optionsB: OpenLinkOptions = {}) {
  const [channelA, channelB, controls] = memoryChannelPair(channel);
  const log: LinkLogEvent[] = [];
  const [a, b] = await within(
    Promise.all([
      openLink(channelA, createIdentity(), { ...options, log: (e) => log.push(e) }),
      openLink(channelB, createIdentity(), optionsB),
    ]),
    2000,
  );
  // Heartbeats are sent at once on open; wait for them so that message counts below are exact.
  await waitFor(() => a.rtt !== undefined && b.rtt !== undefined, 2000);
  return { a, b, channelA, channelB, controls, log };
}

// Heartbeats far apart, so that they do not add messages to what a test counts.
const QUIET = { heartbeatInterval: 10_000, heartbeatTimeout: 30_000 };

describe('framing', () => {
  const open: { close(): void }[] = [];
  const track = <T extends { a: { close(): void }; b: { close(): void } }>(pair: T) => (open.push(pair.a, pair.b), pair);
  afterEach(() => open.splice(0).forEach((link) => link.close()));

  it('packs the packets sent in one turn into one transport message', async () => {
    const { a, b, channelA } = track(await linked({}, QUIET, QUIET));
    const before = channelA.stats.sends;
    const arrived = receive(b, 100);
    for (let i = 0; i < 100; i++) a.send(patterned(i, 100));
    expect((await arrived).map(seedOf)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(channelA.stats.sends - before).toBe(1);
  });

  it('splits a packet larger than a message into chunks and reassembles it', async () => {
    const { a, b, channelA } = track(await linked({ maxMessageSize: 16 * 1024 }, QUIET, QUIET));
    const before = channelA.stats.sends;
    const arrived = receive(b, 1);
    a.send(patterned(7, 1024 * 1024));
    const [packet] = await arrived;
    expect(packet!.length).toBe(1024 * 1024);
    expect(seedOf(packet!)).toBe(7);
    expect(channelA.stats.sends - before).toBe(Math.ceil((1024 * 1024 + 9) / (16 * 1024 - 5)));
  });

  it('never sends more messages in one turn than the channel handles well', async () => {
    const { a, b, channelA } = track(await linked({ maxMessageSize: 16 * 1024, maxSendsPerTurn: 4 }));
    const arrived = receive(b, 201, 5000);
    a.send(patterned(0, 3 * 1024 * 1024));
    for (let i = 1; i <= 200; i++) a.send(patterned(i, 1000));
    expect((await arrived).map(seedOf)).toEqual(Array.from({ length: 201 }, (_, i) => i));
    expect(channelA.stats.sends).toBeGreaterThan(200);
    expect(channelA.stats.maxSendsInTurn).toBeLessThanOrEqual(4);
  });

  it("holds data while the channel's buffer is over the high-water mark, and signals drain after", async () => {
    const highWaterMark = 128 * 1024;
    const { a, b, channelA } = track(await linked({ bytesPerTurn: 64 * 1024 }, { highWaterMark, lowWaterMark: 64 * 1024 }));
    let most = 0;
    b.onPacket(() => (most = Math.max(most, channelA.bufferedAmount)));
    const drained = within(new Promise<void>((resolve) => a.onDrain(resolve)), 5000, 'no drain');
    for (let i = 0; i < 64; i++) a.send(patterned(i, 64 * 1024));
    expect(a.bufferedAmount).toBe(4 * 1024 * 1024);
    await drained;
    expect(a.bufferedAmount).toBeLessThan(64 * 1024);
    // Over the mark by at most the message that crossed it.
    expect(most).toBeLessThanOrEqual(highWaterMark + 64 * 1024);
  });

  it('hands packets that arrive before the first listener to that listener', async () => {
    const { a, b } = track(await linked());
    for (let i = 0; i < 3; i++) b.send(patterned(i, 10));
    await waitFor(() => a.stats.packetsIn === 3, 2000, 'packets arrived');
    expect((await receive(a, 3)).map(seedOf)).toEqual([0, 1, 2]);
  });

  it('drops and counts packets larger than the peer accepts, and stays open', async () => {
    const { a, b, log } = track(await linked({}, {}, { maxPacketBytes: 2048 }));
    const arrived = receive(b, 1);
    a.send(patterned(1, 4096));
    a.send(patterned(2, 2048));
    expect((await arrived).map(seedOf)).toEqual([2]);
    expect(a.stats.dropped).toBe(1);
    expect(log).toContainEqual(expect.objectContaining({ event: 'link.dropped', size: 4096 }));
    expect(a.closed).toBe(false);
  });

  it('keeps delivering when a listener throws, and reports the error to the log', async () => {
    const { a, b, log } = track(await linked());
    a.onPacket(() => {
      throw new Error('listener bug');
    });
    const arrived = receive(a, 2);
    b.send(patterned(1, 10));
    b.send(patterned(2, 10));
    expect((await arrived).map(seedOf)).toEqual([1, 2]);
    expect(log.filter((e) => e.event === 'link.listenerError')).toHaveLength(2);
  });

  it('cuts a long close reason to 256 characters', async () => {
    const { a, b } = track(await linked());
    const closed = nextClose(b);
    a.close('x'.repeat(1000));
    expect((await closed).reason).toBe('x'.repeat(256));
  });
});

describe('framing with a hostile peer', () => {
  const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const frame = (type: number, payload: number[]) => Uint8Array.from([type, ...u32(payload.length), ...payload]);
  const bytes = (n: number) => Array.from({ length: n }, () => 1);

  it.each<[string, Uint8Array[], string]>([
    ['an empty message', [new Uint8Array(0)], 'empty message'],
    ['random bytes', [Uint8Array.from([0x99, 1, 2, 3, 4, 5, 6])], 'unknown frame type 0x99'],
    ['a truncated frame header', [Uint8Array.from([FrameType.packet, 0, 0])], 'truncated frame header'],
    ['a frame longer than its message', [Uint8Array.from([FrameType.packet, ...u32(100), 1, 2])], 'frame longer than its message'],
    ['a packet over the receive limit', [frame(FrameType.packet, bytes(4097))], 'packet of 4097 bytes exceeds 4096'],
    ['a chunked packet announcing more than the limit', [frame(FrameType.chunkStart, [...u32(1 << 30), 1])], `packet of ${1 << 30} bytes exceeds 4096`],
    ['a chunk without a start', [frame(FrameType.chunk, bytes(10))], 'chunk without a chunkStart'],
    ['chunks longer than their packet', [frame(FrameType.chunkStart, [...u32(20), ...bytes(10)]), frame(FrameType.chunk, bytes(11))], 'chunks longer than their packet'],
    ['a packet inside a chunked packet', [frame(FrameType.chunkStart, [...u32(20), ...bytes(10)]), frame(FrameType.packet, bytes(3))], 'packet frame inside a chunked packet'],
    ['an empty chunk', [frame(FrameType.chunkStart, [...u32(20), ...bytes(10)]), frame(FrameType.chunk, [])], 'empty chunk'],
    ['a truncated chunkStart', [frame(FrameType.chunkStart, [0, 0])], 'truncated chunkStart'],
    ['a malformed ping', [frame(FrameType.ping, [1, 2, 3])], 'malformed ping'],
    ['a malformed pong', [frame(FrameType.pong, [1])], 'malformed pong'],
    ['a hello on an open link', [frame(FrameType.hello, bytes(10))], 'handshake frame on an open link'],
  ])('closes the link on %s, counts it, and tells the peer', async (_, messages, detail) => {
    const { a, b, channelB, log } = await linked({}, { maxPacketBytes: 4096 });
    const closes = Promise.all([nextClose(a), nextClose(b)]);
    for (const message of messages) channelB.send(message);
    const reason = `protocol error: ${detail}`;
    expect(await closes).toEqual([
      { reason, by: 'transport' },
      { reason, by: 'remote' },
    ]);
    expect(a.stats.malformed).toBe(1);
    expect(log).toContainEqual({ event: 'link.malformed', kind: 'memory', reason, remote: a.remote });
  });

  it('ignores a pong whose timestamp makes no sense, and stays open', async () => {
    const { a, b, channelB } = await linked({}, QUIET, QUIET);
    const rtt = a.rtt;
    const stamp = new Uint8Array(8);
    new DataView(stamp.buffer).setFloat64(0, Number.NaN);
    channelB.send(encodeFrame(FrameType.pong, stamp));
    new DataView(stamp.buffer).setFloat64(0, -1e12);
    channelB.send(encodeFrame(FrameType.pong, stamp));
    const arrived = receive(a, 1);
    b.send(patterned(1, 10));
    await arrived;
    expect(a.rtt).toBe(rtt);
    expect(a.closed).toBe(false);
    a.close();
  });
});

describe('FrameReceiver', () => {
  it('refuses a message larger than the channel carries, before reading it', () => {
    const seen: Uint8Array[] = [];
    const receiver = new FrameReceiver(
      { maxMessageSize: 1024, maxPacketBytes: 4096 },
      { packet: (p) => (seen.push(p), true), control: () => true },
    );
    expect(receiver.receive(encodeFrame(FrameType.packet, new Uint8Array(1020)))).toBe('message of 1025 bytes exceeds 1024');
    expect(seen).toEqual([]);
  });

  it('reads every frame of a batch, then stops at the first malformed one', () => {
    const seen: number[] = [];
    const receiver = new FrameReceiver(
      { maxMessageSize: 1024, maxPacketBytes: 4096 },
      { packet: (p) => (seen.push(p.length), true), control: () => true },
    );
    const batch = Uint8Array.from([...encodeFrame(FrameType.packet, new Uint8Array(3)), ...encodeFrame(FrameType.packet, new Uint8Array(4)), 0x77, 0, 0, 0, 0]);
    expect(receiver.receive(batch)).toBe('unknown frame type 0x77');
    expect(seen).toEqual([3, 4]);
  });
});
