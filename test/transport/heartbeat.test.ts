import { ManualClock } from '../../src/firefly/clock.js';
import { Heartbeat } from '../../src/transport/heartbeat.js';
import { createIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { openLink, type OpenLinkOptions } from '../../src/transport/openLink.js';
import { waitFor, within } from '../helpers/waitFor.js';

/** Two links over memory channels, both on one manual clock: time moves only when a test moves it. */
async function linked(options: OpenLinkOptions) {
  const clock = new ManualClock();
  const [channelA, channelB, controls] = memoryChannelPair();
  const both = { ...options, clock };
  const [a, b] = await within(Promise.all([openLink(channelA, createIdentity(), both), openLink(channelB, createIdentity(), both)]), 2000);
  return { a, b, controls, clock };
}

describe('heartbeat', () => {
  it('measures the round-trip time right after the link opens, not one interval later', async () => {
    const { a, b, clock } = await linked({ heartbeatInterval: 10_000, heartbeatTimeout: 30_000 });
    // The clock never moved: the sample can only come from the ping sent on open.
    await waitFor(() => a.rtt !== undefined && b.rtt !== undefined, 2000, 'rtt measured');
    expect([a.rtt, b.rtt, clock.now()]).toEqual([0, 0, 0]);
    a.close();
    b.close();
  });

  it('stamps pings with its clock and smooths the echoes into rtt (weight 1/8)', async () => {
    const clock = new ManualClock(1000);
    const pings: Uint8Array[] = [];
    const heartbeat = new Heartbeat({ heartbeatInterval: 100, heartbeatTimeout: 1000 }, { ping: (stamp) => pings.push(stamp), timedOut: () => {} }, clock);
    heartbeat.start();
    await clock.advance(40);
    heartbeat.pong(pings[0]!);
    expect(heartbeat.rtt).toBe(40);
    await clock.advance(60);
    expect(pings).toHaveLength(2);
    await clock.advance(120);
    heartbeat.pong(pings[1]!);
    expect(heartbeat.rtt).toBe(40 + (120 - 40) / 8);
    heartbeat.stop();
    expect(clock.pending).toBe(0);
  });

  it('closes with "heartbeat timeout" when the peer falls silent, at the timeout and not before', async () => {
    const { a, b, controls, clock } = await linked({ heartbeatInterval: 50, heartbeatTimeout: 200 });
    const closes: unknown[] = [];
    a.onClose((close) => closes.push(close));
    controls.stall();
    await clock.advance(199);
    expect(closes).toEqual([]);
    await clock.advance(1);
    expect(closes).toEqual([{ reason: 'heartbeat timeout', by: 'transport' }]);
    expect(b.closed).toBe(true);
  });

  it('a probe after a network change closes a link whose peer stays silent at the probe’s deadline, and leaves a live one open', async () => {
    const { a, b, controls, clock } = await linked({ heartbeatInterval: 1000, heartbeatTimeout: 10_000 });
    const closes: unknown[] = [];
    a.onClose((close) => closes.push(close));
    // Alive: the probe's ping is answered within the deadline.
    const before = a.traffic!.bytesIn;
    a.probe!(300);
    await waitFor(() => a.traffic!.bytesIn > before, 1000, 'the answer to the probe');
    await clock.advance(300);
    expect(closes).toEqual([]);
    // Gone: nothing comes back, and the link closes at the probe's 300 ms, not the 10 s timeout.
    controls.stall();
    a.probe!(300);
    await clock.advance(299);
    expect(closes).toEqual([]);
    await clock.advance(1);
    expect(closes).toEqual([{ reason: 'heartbeat timeout', by: 'transport' }]);
    b.close();
  });

  it('counts the transport hearing the peer (an SCTP acknowledgement) as the peer alive, while its messages are held back', async () => {
    const clock = new ManualClock();
    const [channelA, channelB, controls] = memoryChannelPair();
    const options = { heartbeatInterval: 50, heartbeatTimeout: 200, clock };
    const [a] = await within(Promise.all([openLink(channelA, createIdentity(), options), openLink(channelB, createIdentity(), options)]), 2000);
    // Nothing reaches A's link any more, as behind a lost datagram on an ordered channel, but
    // its transport keeps hearing acknowledgements from B's stack.
    controls.stall();
    for (let t = 0; t < 1000; t += 100) {
      channelA.onpeeractive?.();
      await clock.advance(100);
    }
    expect(a.closed).toBe(false);
    // Then the peer's stack falls silent too: the timeout counts from the last sign of life.
    channelA.onpeeractive?.();
    await clock.advance(199);
    expect(a.closed).toBe(false);
    await clock.advance(1);
    expect(a.closed).toBe(true);
  });

  it('allows a link whose frames queue for long (a burst each way) its round trip on top of the timeout, at most eight times the timeout', async () => {
    const clock = new ManualClock();
    const pings: Uint8Array[] = [];
    let timedOut = -1;
    const heartbeat = new Heartbeat({ heartbeatInterval: 100, heartbeatTimeout: 1000 }, { ping: (stamp) => pings.push(stamp), timedOut: () => (timedOut = clock.now()) }, clock);
    heartbeat.start();
    // The first echo comes back after 400 ms: SRTT 400, RTTVAR 200, so 1000 + 400 + 4·200 of silence.
    await clock.advance(400);
    heartbeat.heard();
    heartbeat.pong(pings[0]!);
    await clock.advance(2199);
    expect(timedOut).toBe(-1);
    await clock.advance(1);
    expect(timedOut).toBe(2600);

    const slow = new Heartbeat({ heartbeatInterval: 100, heartbeatTimeout: 1000 }, { ping: (stamp) => pings.push(stamp), timedOut: () => (timedOut = clock.now()) }, clock);
    const start = clock.now();
    pings.length = 0;
    slow.start();
    // Data keeps arriving while the first echo takes 20 s to come back.
    for (let t = 0; t < 20_000; t += 500) {
      await clock.advance(500);
      slow.heard();
    }
    slow.pong(pings[0]!);
    expect(slow.rtt).toBe(20_000);
    await clock.advance(7999);
    expect(timedOut).toBe(2600);
    await clock.advance(1);
    expect(timedOut).toBe(start + 20_000 + 8000);
    slow.stop();
  });

  it('checks again at the deadline when it falls between two pings', async () => {
    const { a, controls, clock } = await linked({ heartbeatInterval: 50, heartbeatTimeout: 120 });
    controls.stall();
    // Pings at 50 and 100; the deadline (120, +1 for timers that fire early) comes before the third.
    await clock.advance(120);
    expect(a.closed).toBe(false);
    await clock.advance(1);
    expect(a.closed).toBe(true);
  });

  it('keeps an idle link open for many timeouts while the peer answers', async () => {
    const { a, b, clock } = await linked({ heartbeatInterval: 20, heartbeatTimeout: 100 });
    // Five timeouts, one interval at a time; after each, the pings' answers have to arrive.
    for (let step = 0; step < 25; step++) {
      const heard = [a.stats.messagesIn, b.stats.messagesIn];
      await clock.advance(20);
      await waitFor(() => a.stats.messagesIn > heard[0]! && b.stats.messagesIn > heard[1]!, 2000, 'pings answered');
    }
    expect(a.closed || b.closed).toBe(false);
    a.close();
  });
});
