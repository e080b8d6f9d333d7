import nodeDataChannel, { type DataChannel } from 'node-datachannel';
import { systemClock } from '../firefly/clock.js';
import { nativeBackend } from './webrtcLifecycle.js';
import { DATA_CHANNEL_LABEL, trackTeardown, type NativeEvents, type NativePeer, type WebRtcBackend, type WebRtcPeerOptions } from './webrtcPeer.js';

/** libdatachannel's default and advertised maximum message size. */
const NDC_MAX_MESSAGE_SIZE = 256 * 1024;

/**
 * libdatachannel takes messages as fast as they come (140–230 k msg/s measured, no drops), so
 * the budget only keeps one turn from monopolising the event loop.
 */
const NDC_SENDS_PER_TURN = 256;

/** Longest wait, in ms, for the peer to let go of the connection after our close before it is cut. */
const CLOSE_GRACE_MS = 1000;

/** How long, in ms, a candidate waits for libdatachannel's ICE transport at most (50 tries of 10 ms). */
const ICE_TRANSPORT_WAIT = { tries: 50, ms: 10 };

/**
 * The node-datachannel backend: libdatachannel's native WebRTC, 15–20× werift's message rate.
 * An optional dependency: `loadWebRtcBackend` imports this file only when the package loads.
 * It needs no STUN server (it never falls back to a public one) and binds to 127.0.0.1 when
 * `loopbackOnly` is set.
 */
export const ndcBackend: WebRtcBackend = nativeBackend({
  name: 'node-datachannel',
  maxMessageSize: NDC_MAX_MESSAGE_SIZE,
  maxSendsPerTurn: NDC_SENDS_PER_TURN,
  closeGrace: CLOSE_GRACE_MS,
  // The connection stays until the peer, having read everything including the link's close
  // frame, closes its side: libdatachannel misses a stream reset cut off by an immediate close.
  closeAcknowledgement: 'connection',
  connect: connectNdc,
});

let livePeers = 0;

function connectNdc(options: WebRtcPeerOptions, events: NativeEvents): NativePeer {
  const clock = options.clock ?? systemClock;
  livePeers++;
  const pc = new nodeDataChannel.PeerConnection(DATA_CHANNEL_LABEL, {
    iceServers: [...(options.iceServers ?? [])],
    maxMessageSize: options.maxMessageSize ?? NDC_MAX_MESSAGE_SIZE,
    ...(options.loopbackOnly ? { bindAddress: '127.0.0.1' } : {}),
  });
  let closed = false;
  // libdatachannel negotiates on its own: the local description arrives by callback once a
  // data channel exists (offerer) or the remote offer is set (answerer).
  const localDescription = new Promise<string>((resolve) => pc.onLocalDescription((sdp) => resolve(sdp)));
  pc.onLocalCandidate((candidate, mid) => events.localCandidate(candidate, mid));
  pc.onStateChange((state) => events.connectionState(state));

  let dc: DataChannel | undefined;
  const opened = (channel: DataChannel) =>
    events.open({
      // false means libdatachannel buffered it; it throws only once the channel is closed.
      send: (message) => void channel.sendMessageBinary(message),
      get bufferedAmount() {
        return channel.bufferedAmount();
      },
      setLowThreshold: (bytes) => channel.setBufferedAmountLowThreshold(bytes),
      get isOpen() {
        return channel.isOpen();
      },
    });
  const adopt = (channel: DataChannel) => {
    dc = channel;
    // Registration order matters. Each callback reaches JS through its own thread-safe queue,
    // and when several are pending at once Node runs them in the order they were registered:
    // the message queue must come before "closed", or the peer's last messages (the link's
    // close frame) would arrive after the close.
    channel.onMessage((message) => {
      if (typeof message !== 'string') events.message(message instanceof ArrayBuffer ? new Uint8Array(message) : message);
    });
    channel.onBufferedAmountLow(() => events.bufferedLow());
    channel.onOpen(() => opened(channel));
    channel.onClosed(() => events.channelClosed());
    channel.onError((error) => events.error(String(error)));
    if (channel.isOpen()) opened(channel);
  };
  pc.onDataChannel(adopt);

  return {
    createOffer() {
      // The offer is left as libdatachannel made it (`a=setup:actpass`). The answerer then is the
      // DTLS client and often speaks before this side listens, which costs one OpenSSL
      // retransmit: 1 s in about half the setups measured here (5–60 ms otherwise). Claiming
      // the client role in the offer (`a=setup:active`) removed that delay but is not allowed
      // to an offerer (RFC 5763) and made ~1 % of setups fail inside libdatachannel.
      adopt(pc.createDataChannel(DATA_CHANNEL_LABEL, { unordered: false }));
      return localDescription;
    },
    acceptOffer(sdp) {
      pc.setRemoteDescription(sdp, 'offer');
      return localDescription;
    },
    async acceptAnswer(sdp) {
      pc.setRemoteDescription(sdp, 'answer');
    },
    async addCandidate(candidate, mid) {
      for (let attempt = 0; !closed; attempt++) {
        try {
          pc.addRemoteCandidate(candidate, mid);
          return;
        } catch (error) {
          // libdatachannel builds its ICE transport on its own thread once the description is
          // set; a candidate that gets there first is refused. Wait for the transport (bounded).
          if (attempt >= ICE_TRANSPORT_WAIT.tries || !/without ICE transport/.test((error as Error).message)) throw error;
          await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), ICE_TRANSPORT_WAIT.ms));
        }
      }
    },
    closeChannel() {
      try {
        dc?.close();
      } catch {
        // Already closed by libdatachannel.
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        pc.close();
      } catch {
        // Already torn down by libdatachannel.
      }
      releaseNative();
    },
  };
}

/**
 * libdatachannel runs its own threads, which keep the process alive until `cleanup()`; it is
 * called once the last peer of this process has closed (a later peer starts them again).
 */
function releaseNative(): void {
  if (--livePeers > 0) return;
  trackTeardown(
    new Promise<void>((resolve) =>
      // On the next turn: a peer created meanwhile (a reconnect) keeps the threads running.
      setImmediate(() => {
        if (livePeers === 0) nodeDataChannel.cleanup();
        resolve();
      }),
    ),
  );
}
