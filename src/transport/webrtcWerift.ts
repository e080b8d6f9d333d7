import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, RTCPeerConnection, SignatureAlgorithm, type RTCDataChannel } from 'werift';
import type { Channel } from './channel.js';
import { acquireLoopbackStun, releaseLoopbackStun } from './stunShared.js';
import { PacedDataChannel } from './webrtcChannel.js';
import { DATA_CHANNEL_LABEL, trackTeardown, type WebRtcBackend, type WebRtcPeer, type WebRtcPeerOptions } from './webrtcPeer.js';
import { negotiatedMessageSize, webrtcBinding } from './webrtcSdp.js';

/** werift's largest data-channel message (its SCTP stack's default and maximum). */
const WERIFT_MAX_MESSAGE_SIZE = 64 * 1024;

/**
 * Sends per event-loop turn on a werift channel: ~12 k msg/s holds up to ~32, delivery falls
 * to ~400 msg/s at 64 (webrtc-loopback.md). 16 leaves a margin; the link batches packets, so
 * 16 messages a turn still carry thousands of packets.
 */
const WERIFT_SENDS_PER_TURN = 16;

/** Bytes werift itself may hold before the channel holds further messages back. */
const WERIFT_HIGH_WATER = 256 * 1024;

/**
 * Receive (and send) buffer of werift's UDP sockets, in bytes (Linux caps it at
 * net.core.rmem_max, 4 MiB here). werift's SCTP never retransmits sooner than 1 s (its RTO
 * minimum), so a datagram dropped because a busy event loop let the default ~200 KiB buffer
 * fill turns a burst into seconds of silence; a bigger buffer keeps loopback and LAN bursts whole.
 */
const WERIFT_SOCKET_BUFFER = 4 * 1024 * 1024;

/** Longest wait, in ms, for the peer to acknowledge the data channel's close before the connection is cut. */
const CLOSE_GRACE_MS = 200;

/**
 * The werift backend: WebRTC in pure TypeScript, the design's default in Node. Every peer gets
 * a STUN server — the configured one, or the shared loopback responder — because werift with
 * none falls back to Google's and stalls 5 s.
 */
export const weriftBackend: WebRtcBackend = {
  name: 'werift',
  createPeer: (options = {}) => new WeriftPeer(options),
};

class WeriftPeer implements WebRtcPeer {
  onlocalcandidate: ((candidate: string, mid: string) => void) | undefined;
  readonly channel: Promise<Channel>;
  private pc: RTCPeerConnection | undefined;
  private usesSharedStun = false;
  private closed = false;
  private paced: PacedDataChannel | undefined;
  private dc: RTCDataChannel | undefined;
  private resolveChannel!: (channel: Channel) => void;
  private rejectChannel!: (error: Error) => void;

  constructor(private readonly options: WebRtcPeerOptions) {
    this.channel = new Promise<Channel>((resolve, reject) => {
      this.resolveChannel = resolve;
      this.rejectChannel = reject;
    });
    // The negotiation awaits `channel` only after signaling succeeded; an early failure must
    // not surface as an unhandled rejection meanwhile.
    this.channel.catch(() => undefined);
  }

  async createOffer(): Promise<string> {
    const pc = await this.connection();
    this.adopt(pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true }));
    await pc.setLocalDescription(await pc.createOffer());
    return this.localSdp(pc);
  }

  async acceptOffer(sdp: string): Promise<string> {
    const pc = await this.connection();
    pc.onDataChannel.subscribe((dc) => this.adopt(dc));
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    return this.localSdp(pc);
  }

  async acceptAnswer(sdp: string): Promise<void> {
    await this.requirePc().setRemoteDescription({ type: 'answer', sdp });
  }

  async addCandidate(candidate: string, mid: string): Promise<void> {
    await this.requirePc().addIceCandidate({ candidate, sdpMid: mid });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rejectChannel(new Error('peer connection closed before the data channel opened'));
    this.paced?.end('closed');
    this.shutdown();
  }

  private async connection(): Promise<RTCPeerConnection> {
    if (this.pc) throw new Error('this peer already negotiated');
    const { iceServers = [], loopbackOnly = false } = this.options;
    const keys = newCertificate();
    let stun: Promise<readonly string[]> = Promise.resolve(iceServers);
    if (iceServers.length === 0) {
      this.usesSharedStun = true;
      stun = acquireLoopbackStun().then((url) => [url]);
    }
    const [certificate, stunUrls] = await Promise.all([keys, stun]);
    // Closed while waiting: close() found no connection to tear down, so none may be made.
    if (this.closed) throw new Error('peer connection closed');
    const pc = new RTCPeerConnection({
      iceServers: stunUrls.map((urls) => ({ urls })),
      maxMessageSize: this.options.maxMessageSize ?? WERIFT_MAX_MESSAGE_SIZE,
      dtls: { keys: certificate },
      // Loopback: sockets bound to 127.0.0.1, the loopback address gathered (werift skips it
      // by default), no IPv6. werift still lists other interfaces in its SDP; the negotiation
      // filters those lines.
      ...(loopbackOnly ? { iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' } } : {}),
    });
    this.pc = pc;
    pc.onIceCandidate.subscribe((candidate) => {
      if (candidate?.candidate && !this.closed) this.onlocalcandidate?.(candidate.candidate, candidate.sdpMid ?? '0');
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.fail(`connection ${state}`);
    });
    return pc;
  }

  private adopt(dc: RTCDataChannel): void {
    this.dc = dc;
    dc.stateChanged.subscribe((state) => {
      if (state === 'open') this.opened(dc);
      else if (state === 'closed') this.fail('closed by peer');
    });
    if (dc.readyState === 'open') this.opened(dc);
  }

  private opened(dc: RTCDataChannel): void {
    const pc = this.pc;
    if (this.paced || this.closed || !pc) return;
    enlargeSocketBuffers(pc);
    const localSdp = pc.localDescription?.sdp ?? '';
    const remoteSdp = pc.remoteDescription?.sdp ?? '';
    let binding: string;
    try {
      binding = webrtcBinding(localSdp, remoteSdp);
    } catch (error) {
      return this.fail(error instanceof Error ? error.message : String(error));
    }
    const paced = new PacedDataChannel(
      {
        // werift queues the bytes and sends them later: a copy, so that a caller reusing its
        // buffer cannot change a message in the queue (negligible beside werift's own cost).
        send: (message) => dc.send(Buffer.from(message)),
        get bufferedAmount() {
          return dc.bufferedAmount;
        },
        setLowThreshold: (bytes) => (dc.bufferedAmountLowThreshold = bytes),
        close: () => this.close(),
      },
      {
        maxMessageSize: negotiatedMessageSize(this.options.maxMessageSize ?? WERIFT_MAX_MESSAGE_SIZE, remoteSdp),
        maxSendsPerTurn: WERIFT_SENDS_PER_TURN,
        // werift's own queue kept short: a heartbeat sent under load waits behind at most this
        // much (~20 ms at werift's 12 MB/s) instead of 1 MiB (~85 ms). Throughput is the same
        // or slightly better (64 KiB messages: 12–14 MB/s measured either way).
        rawHighWater: WERIFT_HIGH_WATER,
        lowWater: WERIFT_HIGH_WATER / 4,
        binding,
      },
    );
    this.paced = paced;
    dc.bufferedAmountLow.subscribe(() => paced.rawLow());
    dc.onMessage.subscribe((data) => {
      // Only binary messages are part of the protocol; a text message is ignored.
      if (typeof data !== 'string') paced.received(data);
    });
    this.resolveChannel(paced);
  }

  /** The connection broke or the peer closed: ends the channel, or fails the negotiation. */
  private fail(reason: string): void {
    if (this.closed) return;
    if (this.paced) this.paced.end(reason);
    else {
      this.rejectChannel(new Error(`WebRTC ${reason}`));
      this.close();
    }
  }

  private shutdown(): void {
    const pc = this.pc;
    const dc = this.dc;
    // Closing the data channel first sends an SCTP stream reset, which is how the peer learns
    // of the close at once (werift's pc.close() alone tells it nothing, and libdatachannel
    // misses a reset that is cut off by an immediate pc.close()). The connection closes when
    // the reset is acknowledged, or after CLOSE_GRACE_MS at the latest.
    const acknowledged = new Promise<void>((resolve) => {
      if (dc?.readyState !== 'open') return resolve();
      const grace = setTimeout(resolve, CLOSE_GRACE_MS);
      dc.stateChanged.subscribe((state) => {
        if (state !== 'closed') return;
        clearTimeout(grace);
        resolve();
      });
      dc.close();
    });
    const stun = this.usesSharedStun;
    this.usesSharedStun = false;
    trackTeardown(
      acknowledged.then(async () => {
        // A failure to close cleanly leaves nothing else to do.
        await pc?.close().catch(() => undefined);
        if (stun) await releaseLoopbackStun();
      }),
    );
  }

  private requirePc(): RTCPeerConnection {
    if (!this.pc || this.closed) throw new Error('peer connection is not open');
    return this.pc;
  }

  private localSdp(pc: RTCPeerConnection): string {
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new Error('werift produced no local description');
    return sdp;
  }
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
