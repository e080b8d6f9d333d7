import { ManualClock } from '../../src/firefly/clock.js';
import type { Channel } from '../../src/transport/channel.js';
import { FrameSender } from '../../src/transport/frameSender.js';

/** A channel whose buffer the test fills and empties, and which never says it drained (as a WebSocket). */
function silentChannel() {
  const sent: Uint8Array[] = [];
  const channel: Channel & { bufferedAmount: number } = {
    kind: 'websocket',
    maxMessageSize: 64 * 1024,
    maxSendsPerTurn: Infinity,
    bufferedAmount: 0,
    binding: '',
    send: (message) => void sent.push(message),
    close: () => {},
    onmessage: undefined,
    onclose: undefined,
    ondrain: undefined,
  };
  return { channel, sent };
}

describe('FrameSender', () => {
  it('looks at a full channel again every drainPollInterval on its clock, then sends and signals drain', async () => {
    const clock = new ManualClock();
    const { channel, sent } = silentChannel();
    const drains: number[] = [];
    const sender = new FrameSender(
      channel,
      { highWaterMark: 1000, lowWaterMark: 500, drainPollInterval: 4, clock },
      { drain: () => drains.push(clock.now()), broken: () => {} },
    );
    channel.bufferedAmount = 1000;
    sender.packet(new Uint8Array(10));
    await clock.advance(0);
    expect(sent).toEqual([]);
    channel.bufferedAmount = 0;
    await clock.advance(3);
    expect(sent).toEqual([]);
    await clock.advance(1);
    expect(sent).toHaveLength(1);
    expect(drains).toEqual([4]);
    expect(clock.pending).toBe(0);
    sender.stop(undefined, false);
  });

  it('stops polling when stopped', async () => {
    const clock = new ManualClock();
    const { channel } = silentChannel();
    const sender = new FrameSender(channel, { highWaterMark: 1000, lowWaterMark: 500, drainPollInterval: 4, clock }, { drain: () => {}, broken: () => {} });
    channel.bufferedAmount = 1000;
    sender.packet(new Uint8Array(10));
    await clock.advance(0);
    expect(clock.pending).toBe(1);
    sender.stop(undefined, false);
    expect(clock.pending).toBe(0);
  });
});
