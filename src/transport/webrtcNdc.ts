import nodeDataChannel, { type DataChannel, type PeerConnection } from 'node-datachannel';
import type { Channel } from './channel.js';
import { PacedDataChannel } from './webrtcChannel.js';
import { DATA_CHANNEL_LABEL, trackTeardown, type WebRtcBackend, type WebRtcPeer, type WebRtcPeerOptions } from './webrtcPeer.js';
import { negotiatedMessageSize, webrtcBinding } from './webrtcSdp.js';

/** libdatachannel's default and advertised maximum message size. */
const NDC_MAX_MESSAGE_SIZE = 256 * 1024;

/**
 * libdatachannel takes messages as fast as they come (140–230 k msg/s measured, no drops), so
 * the budget only keeps one turn from monopolising the event loop.
 */
const NDC_SENDS_PER_TURN = 256;

/** Longest wait, in ms, for the peer to let go of the connection after our close before it is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * The node-datachannel backend: libdatachannel's native WebRTC, 15–20× werift's message rate.
 * An optional dependency: `loadWebRtcBackend` imports this file only when the package loads.
 * It needs no STUN server (it never falls back to a public one) and binds to 127.0.0.1 when
 * `loopbackOnly` is set.
 */
export const ndcBackend: WebRtcBackend = {
  name: 'node-datachannel',
  createPeer: (options = {}) => new NdcPeer(options),
};

let livePeers = 0;

class NdcPeer implements WebRtcPeer {
  onlocalcandidate: ((candidate: string, mid: string) => void) | undefined;
  readonly channel: Promise<Channel>;
  private readonly pc: PeerConnection;
  private readonly localDescription: Promise<string>;
  private closed = false;
  private paced: PacedDataChannel | undefined;
  private dc: DataChannel | undefined;
  /** Set while closing: the peer has closed its side of the connection. */
  private peerGone: (() => void) | undefined;
  private resolveChannel!: (channel: Channel) => void;
  private rejectChannel!: (error: Error) => void;

  constructor(private readonly options: WebRtcPeerOptions) {
    this.channel = new Promise<Channel>((resolve, reject) => {
      this.resolveChannel = resolve;
      this.rejectChannel = reject;
    });
    this.channel.catch(() => undefined);
    livePeers++;
    this.pc = new nodeDataChannel.PeerConnection(DATA_CHANNEL_LABEL, {
      iceServers: [...(options.iceServers ?? [])],
      maxMessageSize: options.maxMessageSize ?? NDC_MAX_MESSAGE_SIZE,
      ...(options.loopbackOnly ? { bindAddress: '127.0.0.1' } : {}),
    });
    // libdatachannel negotiates on its own: the local description arrives by callback once a
    // data channel exists (offerer) or the remote offer is set (answerer).
    this.localDescription = new Promise((resolve) => this.pc.onLocalDescription((sdp) => resolve(sdp)));
    this.pc.onLocalCandidate((candidate, mid) => {
      if (!this.closed) this.onlocalcandidate?.(candidate, mid);
    });
    this.pc.onStateChange((state) => {
      if (state !== 'failed' && state !== 'closed' && state !== 'disconnected') return;
      this.peerGone?.();
      if (state !== 'disconnected') this.fail(`connection ${state}`);
    });
    this.pc.onDataChannel((dc) => this.adopt(dc));
  }

  async createOffer(): Promise<string> {
    // The offer is left as libdatachannel made it (`a=setup:actpass`). The answerer then is the
    // DTLS client and often speaks before this side listens, which costs one OpenSSL
    // retransmit: 1 s in 79 of 150 setups measured here (5–60 ms otherwise). Claiming the client
    // role in the offer (`a=setup:active`) removed that delay but made ~1 % of setups fail
    // inside libdatachannel, so it is not done.
    this.adopt(this.pc.createDataChannel(DATA_CHANNEL_LABEL, { unordered: false }));
    return this.localDescription;
  }

  async acceptOffer(sdp: string): Promise<string> {
    this.pc.setRemoteDescription(sdp, 'offer');
    return this.localDescription;
  }

  async acceptAnswer(sdp: string): Promise<void> {
    this.pc.setRemoteDescription(sdp, 'answer');
  }

  async addCandidate(candidate: string, mid: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return;
      try {
        this.pc.addRemoteCandidate(candidate, mid);
        return;
      } catch (error) {
        // libdatachannel builds its ICE transport on its own thread once the description is
        // set; a candidate that gets there first is refused. Wait for the transport (bounded).
        if (attempt >= 50 || !/without ICE transport/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rejectChannel(new Error('peer connection closed before the data channel opened'));
    this.paced?.end('closed');
    const dc = this.dc;
    // The data channel closes first: its stream reset travels behind the data already sent. The
    // connection itself stays until the peer has let go of it (its state changes once the peer,
    // having read everything including the link's close frame, closes its side), or
    // CLOSE_GRACE_MS at the latest: an immediate pc.close() discards what is still in flight.
    const acknowledged = new Promise<void>((resolve) => {
      if (!dc?.isOpen()) return resolve();
      const grace = setTimeout(resolve, CLOSE_GRACE_MS);
      this.peerGone = () => {
        clearTimeout(grace);
        resolve();
      };
      try {
        dc.close();
      } catch {
        resolve();
      }
    });
    trackTeardown(
      acknowledged.then(() => {
        try {
          this.pc.close();
        } catch {
          // Already torn down by libdatachannel.
        }
        releaseNative();
      }),
    );
  }

  private adopt(dc: DataChannel): void {
    this.dc = dc;
    // Registration order matters. Each callback reaches JS through its own thread-safe queue,
    // and when several are pending at once Node runs them in the order they were registered: the
    // message queue must come before "closed", or the peer's last messages (the link's close
    // frame) would arrive after the close. fail() also waits a turn, for the pc's state queue.
    dc.onMessage((message) => {
      // Only binary messages are part of the protocol; a text message is ignored.
      if (typeof message !== 'string') this.paced?.received(message instanceof ArrayBuffer ? new Uint8Array(message) : message);
    });
    dc.onBufferedAmountLow(() => this.paced?.rawLow());
    dc.onOpen(() => this.opened(dc));
    dc.onClosed(() => this.fail('closed by peer'));
    dc.onError((error) => this.fail(`data channel error: ${error}`));
    if (dc.isOpen()) this.opened(dc);
  }

  private opened(dc: DataChannel): void {
    if (this.paced || this.closed) return;
    const local = this.pc.localDescription()?.sdp ?? '';
    const remote = this.pc.remoteDescription()?.sdp ?? '';
    let binding: string;
    try {
      binding = webrtcBinding(local, remote);
    } catch (error) {
      return this.fail(error instanceof Error ? error.message : String(error));
    }
    const paced = new PacedDataChannel(
      {
        send: (message) => {
          // false means libdatachannel buffered it; it throws only when the channel is closed.
          try {
            dc.sendMessageBinary(message);
          } catch (error) {
            if (dc.isOpen()) throw error;
            // The peer closed. Its last messages (the link's close frame) may still be on their
            // way to JS — libdatachannel calls back through separate queues, so "closed" can
            // overtake them — and fail() ends the channel a turn later, after they arrived.
            this.fail('closed by peer');
          }
        },
        get bufferedAmount() {
          return dc.bufferedAmount();
        },
        setLowThreshold: (bytes) => dc.setBufferedAmountLowThreshold(bytes),
        close: () => this.close(),
      },
      {
        maxMessageSize: negotiatedMessageSize(this.options.maxMessageSize ?? NDC_MAX_MESSAGE_SIZE, remote),
        maxSendsPerTurn: NDC_SENDS_PER_TURN,
        binding,
      },
    );
    this.paced = paced;
    this.resolveChannel(paced);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    // libdatachannel calls back on its own threads through the event loop; ending on the next
    // turn keeps `pc.close()` out of its callbacks.
    setImmediate(() => {
      if (this.closed) return;
      if (this.paced) this.paced.end(reason);
      else {
        this.rejectChannel(new Error(`WebRTC ${reason}`));
        this.close();
      }
    });
  }
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
