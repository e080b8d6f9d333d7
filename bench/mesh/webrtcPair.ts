/**
 * Two WebRTC data channels connected to each other in this process, signalled in memory, on
 * loopback only: what the raw data-channel baselines and the WebRTC meshes of the benchmarks
 * stand on.
 */
import type { Channel } from '../../src/transport/channel.js';
import { acceptWebRtc, dialWebRtc, type NegotiationOptions } from '../../src/transport/webrtcNegotiation.js';
import type { WebRtcBackend } from '../../src/transport/webrtcPeer.js';
import type { SignalPort } from '../../src/transport/webrtcSignal.js';

/** Negotiation settings of every benchmark: nothing but 127.0.0.1. */
export const LOOPBACK: Omit<NegotiationOptions, 'backend'> = { loopbackOnly: true, timeout: 10_000 };

/** Two signal ports wired to each other, delivering asynchronously as a network would. */
function signalPair(): [SignalPort, SignalPort] {
  const make = (): SignalPort & { peer?: SignalPort } => ({
    onsignal: undefined,
    send(signal) {
      const peer = this.peer;
      if (peer) queueMicrotask(() => peer.onsignal?.(structuredClone(signal)));
    },
    close() {},
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Two connected channels over `backend`: `a` dialled, `b` answered. */
export async function channelPair(backend: WebRtcBackend): Promise<{ a: Channel; b: Channel }> {
  const [portA, portB] = signalPair();
  const answered = new Promise<Channel>((resolve, reject) => {
    portB.onsignal = (signal) => {
      if (signal.type === 'offer') acceptWebRtc(portB, signal.sdp, { ...LOOPBACK, backend }).then(resolve, reject);
    };
  });
  // Both sides settle, so that one failure does not leave the other's connection open.
  const [a, b] = await Promise.allSettled([dialWebRtc(portA, { ...LOOPBACK, backend }), answered]);
  if (a.status === 'rejected' || b.status === 'rejected') {
    if (a.status === 'fulfilled') a.value.close();
    if (b.status === 'fulfilled') b.value.close();
    throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason;
  }
  return { a: a.value, b: b.value };
}
