import { createIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { openLink } from '../../src/transport/openLink.js';
import { linkCompliance } from './compliance.js';

// Channels shaped like werift's data channels: 64 KiB messages, at most 32 sends per turn.
linkCompliance('framed memory channel', async () => {
  const [channelA, channelB, controls] = memoryChannelPair({ maxMessageSize: 64 * 1024, maxSendsPerTurn: 32 });
  const [idA, idB] = [createIdentity(), createIdentity()];
  const [a, b] = await Promise.all([openLink(channelA, idA), openLink(channelB, idB)]);
  return {
    a,
    b,
    ids: { a: idA.id, b: idB.id },
    // A frozen peer: nothing arrives and nothing closes, so only the heartbeat can notice.
    killB: async () => controls.stall(),
    cleanup: async () => {
      a.close();
      b.close();
    },
  };
});
