import { createIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { openLink, type OpenLinkOptions } from '../../src/transport/openLink.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { nextClose } from './helpers.js';

async function linked(options: OpenLinkOptions) {
  const [channelA, channelB, controls] = memoryChannelPair();
  const [a, b] = await within(Promise.all([openLink(channelA, createIdentity(), options), openLink(channelB, createIdentity(), options)]), 2000);
  return { a, b, controls };
}

describe('heartbeat', () => {
  it('measures the round-trip time right after the link opens, not one interval later', async () => {
    const { a, b } = await linked({ heartbeatInterval: 10_000, heartbeatTimeout: 30_000 });
    await waitFor(() => a.rtt !== undefined, 200, 'rtt measured');
    expect(a.rtt).toBeGreaterThanOrEqual(0);
    expect(a.rtt).toBeLessThan(100);
    a.close();
    b.close();
  });

  it('closes with "heartbeat timeout" when the peer falls silent, between the timeout and one interval later', async () => {
    const { a, b, controls } = await linked({ heartbeatInterval: 50, heartbeatTimeout: 200 });
    const closes = [nextClose(a, 1000), nextClose(b, 1000)];
    const start = performance.now();
    controls.stall();
    expect(await closes[0]).toEqual({ reason: 'heartbeat timeout', by: 'transport' });
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(200 + 50 + 250);
    await closes[1];
  });

  it('keeps an idle link open for many timeouts while the peer answers', async () => {
    const { a, b } = await linked({ heartbeatInterval: 20, heartbeatTimeout: 100 });
    // What is under test is time passing: 5 timeouts without traffic other than heartbeats.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(a.closed || b.closed).toBe(false);
    a.close();
  });
});
