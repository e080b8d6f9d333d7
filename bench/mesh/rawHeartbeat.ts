/**
 * The raw baseline of dead-peer detection over WebRTC: a plain data channel from this process to
 * a child node (dialled here, echoed there), watched by the links' own heartbeat rule — a ping
 * every 250 ms, dead after 1000 ms of silence — and nothing else: no link, no router, no monitor.
 * werift itself would notice a dead peer only when ICE consent fails, some 30 s later.
 */
import { systemClock } from '../../src/firefly/clock.js';
import { Heartbeat } from '../../src/transport/heartbeat.js';
import type { WebRtcBackend } from '../../src/transport/webrtcPeer.js';
import { dialWebRtc } from '../../src/transport/webrtcNegotiation.js';
import type { SignalPort, WebRtcSignal } from '../../src/transport/webrtcSignal.js';
import type { ChildNode } from './childProcess.js';
import { LOOPBACK } from './webrtcPair.js';

/** Opens the channel to `child`; `dead` resolves with `performance.now()` when the heartbeat gives up on it. */
export async function watchOverRtc(child: ChildNode, backend: WebRtcBackend): Promise<{ dead: Promise<number>; close(): void }> {
  const port: SignalPort = {
    send: (signal) => void child.request('signal', { signal }).catch(() => {}),
    onsignal: undefined,
    close() {},
  };
  child.onevent = (event) => {
    if (event.event === 'signal') port.onsignal?.(event.signal as WebRtcSignal);
  };
  const channel = await dialWebRtc(port, { ...LOOPBACK, backend });
  let dead!: (at: number) => void;
  const died = new Promise<number>((resolve) => (dead = resolve));
  const heartbeat = new Heartbeat({}, { ping: (stamp) => channel.send(stamp), timedOut: () => dead(performance.now()) }, systemClock);
  channel.onmessage = () => heartbeat.heard();
  heartbeat.start();
  return {
    dead: died,
    close() {
      heartbeat.stop();
      channel.close();
    },
  };
}
