import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, RTCPeerConnection, SignatureAlgorithm, type RTCDataChannel } from 'werift';
import { acquireLoopbackStun, releaseLoopbackStun } from './stunShared.js';
import { nativeBackend } from './webrtcLifecycle.js';
import { DATA_CHANNEL_LABEL, type NativeEvents, type NativePeer, type WebRtcBackend, type WebRtcPeerOptions } from './webrtcPeer.js';

/** werift's largest data-channel message (its SCTP stack's default and maximum). */
const WERIFT_MAX_MESSAGE_SIZE = 64 * 1024;

/**
 * Sends per event-loop turn on a werift channel: ~12 k msg/s holds up to ~32, delivery falls
 * to ~400 msg/s at 64 (webrtc-loopback.md). 16 leaves a margin; the link batches packets, so
 * 16 messages a turn still carry thousands of packets.
 */
const WERIFT_SENDS_PER_TURN = 16;

/**
 * Bytes werift itself may hold before the channel holds further messages back: a heartbeat
 * sent under load waits behind at most this much (~20 ms at werift's 12 MB/s) instead of 1 MiB
 * (~85 ms). Throughput is the same or slightly better (64 KiB messages: 12–14 MB/s either way).
 */
const WERIFT_HIGH_WATER = 256 * 1024;

/**
 * Receive (and send) buffer of werift's UDP sockets, in bytes (Linux caps it at
 * net.core.rmem_max, 4 MiB here). werift's SCTP never retransmits sooner than 1 s (its RTO
 * minimum), so a datagram dropped because a busy event loop let the default ~200 KiB buffer
 * fill turns a burst into seconds of silence. With {@link WERIFT_RECEIVE_WINDOW} bounding what
 * is in flight, the buffer never fills; it is this large because the kernel charges each
 * 1.2 KB datagram several KB.
 */
const WERIFT_SOCKET_BUFFER = 4 * 1024 * 1024;

/**
 * The SCTP receive window werift advertises, in bytes (its own default: 1 MiB). werift's sender
 * grows its congestion window without bound on a path that never drops, so with 1 MiB a busy
 * direction kept a whole MiB queued in its peer's socket buffer: under CPU load the SCTP round
 * trip grew to 1–4 s, the other direction's acknowledgements waited behind that data (it stayed
 * in slow start, ~10 KB a round trip) and its receiver heard nothing past the heartbeat timeout.
 * With two busy-looping processes per core the 10 000-packet compliance burst failed that way in
 * 4 of 6 runs at 1 MiB, none of 6 at 256 KiB (nor in 12 runs with one per core). 256 KiB is four
 * of the largest messages, and still 2.6 MB/s on a 100 ms path.
 */
const WERIFT_RECEIVE_WINDOW = 256 * 1024;

/**
 * Shortest SCTP retransmission timeout, in seconds (werift's: RFC 9260's recommended 1 s).
 * A link's heartbeat gives up after 1 s of silence, and a lost datagram holds back everything
 * behind it on an ordered channel — the heartbeat's pings too — until it is retransmitted: with
 * a 1 s floor, one tail loss closed the link (reproduced with werift's default socket buffers
 * and two busy cores: both ends closed by 'heartbeat timeout' mid-burst). 0.22 s is the floor
 * of the SCTP stack in Chromium's data channels (dcSCTP); above it the timeout still follows the
 * measured round trip (SRTT + 4·RTTVAR), so a slow path is not flooded with early retransmits.
 */
const WERIFT_RTO_MIN_S = 0.22;

/** SCTP retransmission timeout, in seconds, until a round trip is measured (dcSCTP's). */
const WERIFT_RTO_INITIAL_S = 0.5;

/** Longest wait, in ms, for the peer to acknowledge the data channel's close before the connection is cut. */
const CLOSE_GRACE_MS = 200;

/**
 * The werift backend: WebRTC in pure TypeScript, the design's default in Node. Every peer gets
 * a STUN server — the configured one, or the shared loopback responder — because werift with
 * none falls back to Google's and stalls 5 s.
 */
export const weriftBackend: WebRtcBackend = nativeBackend({
  name: 'werift',
  maxMessageSize: WERIFT_MAX_MESSAGE_SIZE,
  maxSendsPerTurn: WERIFT_SENDS_PER_TURN,
  rawHighWater: WERIFT_HIGH_WATER,
  lowWater: WERIFT_HIGH_WATER / 4,
  closeGrace: CLOSE_GRACE_MS,
  // Closing the data channel sends an SCTP stream reset, and its acknowledgement closes the
  // channel here: that is how the peer learns of the close at once (werift's pc.close() alone
  // tells it nothing).
  closeAcknowledgement: 'channel',
  connect: connectWerift,
});

async function connectWerift(options: WebRtcPeerOptions, events: NativeEvents): Promise<NativePeer> {
  const { iceServers = [], loopbackOnly = false } = options;
  const sharedStun = iceServers.length === 0;
  const [certificate, stun] = await Promise.allSettled([newCertificate(), sharedStun ? acquireLoopbackStun().then((url) => [url]) : iceServers]);
  if (certificate.status === 'rejected' || stun.status === 'rejected') {
    if (sharedStun && stun.status === 'fulfilled') await releaseLoopbackStun();
    throw certificate.status === 'rejected' ? certificate.reason : (stun as PromiseRejectedResult).reason;
  }
  const pc = new RTCPeerConnection({
    iceServers: stun.value.map((urls) => ({ urls })),
    maxMessageSize: options.maxMessageSize ?? WERIFT_MAX_MESSAGE_SIZE,
    dtls: { keys: certificate.value },
    // Loopback: sockets bound to 127.0.0.1, the loopback address gathered (werift skips it by
    // default), no IPv6. werift still lists other interfaces in its SDP; the negotiation
    // filters those lines.
    ...(loopbackOnly ? { iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' } } : {}),
  });
  pc.onIceCandidate.subscribe((candidate) => {
    if (candidate?.candidate) events.localCandidate(candidate.candidate, candidate.sdpMid ?? '0');
  });
  pc.connectionStateChange.subscribe((state) => events.connectionState(state));

  let dc: RTCDataChannel | undefined;
  let tuned = false;
  const opened = (channel: RTCDataChannel) => {
    if (!tuned) {
      tuned = true;
      enlargeSocketBuffers(pc);
      tuneSctp(pc, events);
    }
    events.open({
      // werift queues the bytes and sends them later: a copy, so that a caller reusing its
      // buffer cannot change a message in the queue (negligible beside werift's own cost).
      send: (message) => channel.send(Buffer.from(message)),
      get bufferedAmount() {
        return channel.bufferedAmount;
      },
      setLowThreshold: (bytes) => (channel.bufferedAmountLowThreshold = bytes),
      get isOpen() {
        return channel.readyState === 'open';
      },
    });
  };
  const adopt = (channel: RTCDataChannel) => {
    dc = channel;
    channel.stateChanged.subscribe((state) => {
      if (state === 'open') opened(channel);
      else if (state === 'closed') events.channelClosed();
    });
    channel.bufferedAmountLow.subscribe(() => events.bufferedLow());
    channel.onMessage.subscribe((data) => {
      if (typeof data !== 'string') events.message(data);
    });
    if (channel.readyState === 'open') opened(channel);
  };

  return {
    async createOffer() {
      adopt(pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      return localSdp(pc);
    },
    async acceptOffer(sdp) {
      pc.onDataChannel.subscribe(adopt);
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      return localSdp(pc);
    },
    async acceptAnswer(sdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp });
    },
    async addCandidate(candidate, mid) {
      await pc.addIceCandidate({ candidate, sdpMid: mid });
    },
    closeChannel: () => dc?.close(),
    async close() {
      // A failure to close cleanly leaves nothing else to do.
      await pc.close().catch(() => undefined);
      if (sharedStun) await releaseLoopbackStun();
    },
  };
}

function localSdp(pc: RTCPeerConnection): string {
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('werift produced no local description');
  return sdp;
}

/**
 * A fresh DTLS certificate for one connection (~7 ms). werift otherwise uses one per process:
 * two peers in one process would then show the same fingerprint, and a relay in the same
 * process as its victims could not be told apart by `Channel.binding`. Per-connection
 * certificates are also what browsers do, and make connections unlinkable.
 */
function newCertificate() {
  return CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
}

/**
 * Gives the peer connection's UDP sockets {@link WERIFT_SOCKET_BUFFER} bytes of buffer. werift
 * does not expose its sockets, so this reaches through its ICE objects, best effort: a werift
 * release that moves them only loses the bigger buffers.
 */
function enlargeSocketBuffers(pc: RTCPeerConnection): void {
  type Socket = { setRecvBufferSize(size: number): void; setSendBufferSize(size: number): void };
  const transports = (pc as unknown as { iceTransports?: { connection?: { protocols?: { transport?: { socket?: Socket } }[] } }[] }).iceTransports ?? [];
  for (const transport of transports) {
    for (const protocol of transport.connection?.protocols ?? []) {
      try {
        protocol.transport?.socket?.setRecvBufferSize(WERIFT_SOCKET_BUFFER);
        protocol.transport?.socket?.setSendBufferSize(WERIFT_SOCKET_BUFFER);
      } catch {
        // Not bound, or the OS refused: the defaults stay.
      }
    }
  }
}

/**
 * Tunes werift's SCTP association when the channel opens, before any data: it reports every
 * SACK from the peer as a sign of life ({@link NativeEvents.peerActive}), advertises
 * {@link WERIFT_RECEIVE_WINDOW} (the peer's sender takes it from our next SACK; its first flight,
 * in slow start, is a few KB anyway) and retransmits after {@link WERIFT_RTO_MIN_S} at the
 * earliest. Reaches into werift's association, best effort like the socket buffers: a release
 * that moves these fields keeps its own defaults.
 */
function tuneSctp(pc: RTCPeerConnection, events: NativeEvents): void {
  type Sctp = {
    advertisedRwnd?: number;
    rto?: number;
    srtt?: number;
    rttvar?: number;
    updateRto?: (sample: number) => void;
    receiveSackChunk?: (chunk: unknown) => Promise<void>;
  };
  const sctp = (pc as unknown as { sctpTransport?: { sctp?: Sctp } }).sctpTransport?.sctp;
  if (!sctp) return;
  if (typeof sctp.advertisedRwnd === 'number') sctp.advertisedRwnd = Math.min(sctp.advertisedRwnd, WERIFT_RECEIVE_WINDOW);
  // A SACK is the peer's stack acknowledging our data: it is alive, whatever its own messages
  // are waiting behind.
  const sack = sctp.receiveSackChunk;
  if (typeof sack === 'function') {
    sctp.receiveSackChunk = function (this: Sctp, chunk: unknown) {
      events.peerActive();
      return sack.call(this, chunk);
    };
  }
  const update = sctp.updateRto;
  if (typeof update !== 'function' || typeof sctp.rto !== 'number') return;
  // No round trip measured yet: werift starts at RFC 9260's 3 s, and a loss in the first flight
  // (a burst sent the moment the channel opens) then silenced that direction for 3 s. dcSCTP
  // starts at 0.5 s; the first sample replaces it within one round trip.
  sctp.rto = Math.min(sctp.rto, WERIFT_RTO_INITIAL_S);
  sctp.updateRto = function (this: Sctp, sample: number) {
    update.call(this, sample);
    if (this.srtt !== undefined && this.rttvar !== undefined) this.rto = Math.max(WERIFT_RTO_MIN_S, Math.min(this.srtt + 4 * this.rttvar, 60));
  };
}
