/**
 * The browser's native RTCPeerConnection as a WebRTC backend: an adapter of native calls, run
 * by the same lifecycle as the werift and node-datachannel backends, so `dialWebRtc`/
 * `acceptWebRtc` and the Mesh use it unchanged. Facts it relies on (webrtc-loopback.md):
 * Chromium needs no STUN for host candidates; on one machine its UDP sockets are bound to the
 * wildcard address, so with `loopbackOnly` each signalled IPv4 candidate is rewritten to
 * 127.0.0.1 (the daemon, filtering to loopback, would drop it otherwise, and packets would leave
 * the machine).
 */
import { nativeBackend } from '../../../src/transport/webrtcLifecycle.js';
import { DATA_CHANNEL_LABEL, type NativeEvents, type NativePeer, type WebRtcBackend, type WebRtcPeerOptions } from '../../../src/transport/webrtcPeer.js';

/** Largest message we send: 64 KiB is safe across Chromium, Firefox and Safari data channels. */
const BROWSER_MAX_MESSAGE_SIZE = 64 * 1024;
/** Chromium's SCTP stack takes bursts well; the budget only keeps one turn from hogging the page. */
const BROWSER_SENDS_PER_TURN = 128;
/** Longest wait, in ms, for the peer to close its side after ours before the connection is cut. */
const CLOSE_GRACE_MS = 1000;

/** The browser's WebRTC. */
export const browserBackend: WebRtcBackend = nativeBackend({
  name: 'browser',
  maxMessageSize: BROWSER_MAX_MESSAGE_SIZE,
  maxSendsPerTurn: BROWSER_SENDS_PER_TURN,
  closeGrace: CLOSE_GRACE_MS,
  closeAcknowledgement: 'channel',
  connect: connectBrowser,
});

/** `candidate:… <proto> <prio> <addr> <port> typ …` with an IPv4 UDP address put on 127.0.0.1. */
function toLoopbackCandidate(candidate: string): string {
  const fields = candidate.split(' ');
  if (fields.length > 5 && fields[2]?.toLowerCase() === 'udp' && /^\d+\.\d+\.\d+\.\d+$/.test(fields[4] ?? '')) fields[4] = '127.0.0.1';
  return fields.join(' ');
}

function connectBrowser(options: WebRtcPeerOptions, events: NativeEvents): NativePeer {
  const pc = new RTCPeerConnection({ iceServers: (options.iceServers ?? []).map((urls) => ({ urls })) });
  pc.onicecandidate = (event) => {
    const candidate = event.candidate;
    if (!candidate?.candidate) return;
    events.localCandidate(options.loopbackOnly ? toLoopbackCandidate(candidate.candidate) : candidate.candidate, candidate.sdpMid ?? '0');
  };
  pc.onconnectionstatechange = () => events.connectionState(pc.connectionState);

  let dc: RTCDataChannel | undefined;
  const opened = (channel: RTCDataChannel) =>
    events.open({
      send: (message) => channel.send(message as Uint8Array<ArrayBuffer>),
      get bufferedAmount() {
        return channel.bufferedAmount;
      },
      setLowThreshold: (bytes) => (channel.bufferedAmountLowThreshold = bytes),
      get isOpen() {
        return channel.readyState === 'open';
      },
    });
  const adopt = (channel: RTCDataChannel) => {
    dc = channel;
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) events.message(new Uint8Array(event.data));
    };
    channel.onbufferedamountlow = () => events.bufferedLow();
    channel.onopen = () => opened(channel);
    channel.onclose = () => events.channelClosed();
    channel.onerror = (event) => events.error((event as RTCErrorEvent).error?.message ?? 'unknown');
    if (channel.readyState === 'open') opened(channel);
  };
  pc.ondatachannel = (event) => adopt(event.channel);

  const localSdp = () => pc.localDescription?.sdp ?? '';
  return {
    async createOffer() {
      adopt(pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      return localSdp();
    },
    async acceptOffer(sdp) {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      return localSdp();
    },
    async acceptAnswer(sdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp });
    },
    async addCandidate(candidate, mid) {
      await pc.addIceCandidate({ candidate, sdpMid: mid });
    },
    closeChannel: () => dc?.close(),
    async close() {
      pc.close();
    },
  };
}
