/**
 * A WebRTC backend over the browser's native RTCPeerConnection, behind the same `WebRtcPeer`
 * contract as the werift and node-datachannel backends, so `dialWebRtc`/`acceptWebRtc` and the
 * Mesh use it unchanged. Facts it relies on (webrtc-loopback.md): Chromium needs no STUN for
 * host candidates; on one machine its UDP sockets are bound to the wildcard address, so with
 * `loopbackOnly` each signalled IPv4 candidate is rewritten to 127.0.0.1 (the daemon, filtering
 * to loopback, would drop it otherwise, and packets would leave the machine).
 */
import type { Channel } from '../../../src/transport/channel.js';
import { PacedDataChannel } from '../../../src/transport/webrtcChannel.js';
import { DATA_CHANNEL_LABEL, type WebRtcBackend, type WebRtcPeer, type WebRtcPeerOptions } from '../../../src/transport/webrtcPeer.js';
import { negotiatedMessageSize, webrtcBinding } from '../../../src/transport/webrtcSdp.js';

/** Largest message we send: 64 KiB is safe across Chromium, Firefox and Safari data channels. */
const BROWSER_MAX_MESSAGE_SIZE = 64 * 1024;
/** Chromium's SCTP stack takes bursts well; the budget only keeps one turn from hogging the page. */
const BROWSER_SENDS_PER_TURN = 128;
/** Longest wait, in ms, for the peer to close its side after ours before the connection is cut. */
const CLOSE_GRACE_MS = 1000;

/** The browser's WebRTC. */
export const browserBackend: WebRtcBackend = {
  name: 'browser',
  createPeer: (options = {}) => new BrowserPeer(options),
};

/** `candidate:… <proto> <prio> <addr> <port> typ …` with an IPv4 UDP address put on 127.0.0.1. */
export function toLoopbackCandidate(candidate: string): string {
  const fields = candidate.split(' ');
  if (fields.length > 5 && fields[2]?.toLowerCase() === 'udp' && /^\d+\.\d+\.\d+\.\d+$/.test(fields[4] ?? '')) fields[4] = '127.0.0.1';
  return fields.join(' ');
}

class BrowserPeer implements WebRtcPeer {
  onlocalcandidate: ((candidate: string, mid: string) => void) | undefined;
  readonly channel: Promise<Channel>;
  private readonly pc: RTCPeerConnection;
  private dc: RTCDataChannel | undefined;
  private paced: PacedDataChannel | undefined;
  private closed = false;
  /** The SDPs this side set and received, for the channel binding. */
  private localSdp = '';
  private remoteSdp = '';
  private resolveChannel!: (channel: Channel) => void;
  private rejectChannel!: (error: Error) => void;

  constructor(private readonly options: WebRtcPeerOptions) {
    this.channel = new Promise<Channel>((resolve, reject) => {
      this.resolveChannel = resolve;
      this.rejectChannel = reject;
    });
    this.channel.catch(() => undefined);
    this.pc = new RTCPeerConnection({ iceServers: (options.iceServers ?? []).map((urls) => ({ urls })) });
    this.pc.onicecandidate = (event) => {
      const candidate = event.candidate;
      if (!candidate?.candidate || this.closed) return;
      const line = options.loopbackOnly ? toLoopbackCandidate(candidate.candidate) : candidate.candidate;
      this.onlocalcandidate?.(line, candidate.sdpMid ?? '0');
    };
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state === 'failed' || state === 'closed') this.fail(`connection ${state}`);
    };
    this.pc.ondatachannel = (event) => this.adopt(event.channel);
  }

  async createOffer(): Promise<string> {
    this.adopt(this.pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true }));
    const offer = await this.pc.createOffer();
    this.localSdp = offer.sdp ?? '';
    await this.pc.setLocalDescription(offer);
    return this.pc.localDescription!.sdp;
  }

  async acceptOffer(sdp: string): Promise<string> {
    this.remoteSdp = sdp;
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await this.pc.createAnswer();
    this.localSdp = answer.sdp ?? '';
    await this.pc.setLocalDescription(answer);
    return this.pc.localDescription!.sdp;
  }

  async acceptAnswer(sdp: string): Promise<void> {
    this.remoteSdp = sdp;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async addCandidate(candidate: string, mid: string): Promise<void> {
    if (!this.closed) await this.pc.addIceCandidate({ candidate, sdpMid: mid });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rejectChannel(new Error('peer connection closed before the data channel opened'));
    this.paced?.end('closed');
    const dc = this.dc;
    // The data channel closes first (its reset travels behind the data already sent); the
    // connection goes once the peer has closed its side, or after the grace: closing it at once
    // would discard the link's close frame still in flight.
    if (dc && dc.readyState === 'open') {
      const grace = setTimeout(() => this.pc.close(), CLOSE_GRACE_MS);
      dc.addEventListener('close', () => {
        clearTimeout(grace);
        this.pc.close();
      });
      dc.close();
    } else this.pc.close();
  }

  private adopt(dc: RTCDataChannel): void {
    this.dc = dc;
    dc.binaryType = 'arraybuffer';
    dc.onmessage = (event: MessageEvent) => {
      // Only binary messages are part of the protocol; text is ignored.
      if (event.data instanceof ArrayBuffer) this.paced?.received(new Uint8Array(event.data));
    };
    dc.onbufferedamountlow = () => this.paced?.rawLow();
    dc.onopen = () => this.opened(dc);
    dc.onclose = () => this.fail('closed by peer');
    dc.onerror = (event) => this.fail(`data channel error: ${(event as RTCErrorEvent).error?.message ?? 'unknown'}`);
    if (dc.readyState === 'open') this.opened(dc);
  }

  private opened(dc: RTCDataChannel): void {
    if (this.paced || this.closed) return;
    // The SDPs as they were signalled, not as the connection reports them now: the channel can
    // open while a description is still being applied, and the binding must be what both ends saw.
    const local = this.localSdp || this.pc.localDescription?.sdp || '';
    const remote = this.remoteSdp || this.pc.remoteDescription?.sdp || '';
    let binding: string;
    try {
      binding = webrtcBinding(local, remote);
    } catch (error) {
      return this.fail(error instanceof Error ? error.message : String(error));
    }
    this.paced = new PacedDataChannel(
      {
        send: (message) => dc.send(message as Uint8Array<ArrayBuffer>),
        get bufferedAmount() {
          return dc.bufferedAmount;
        },
        setLowThreshold: (bytes) => (dc.bufferedAmountLowThreshold = bytes),
        close: () => this.close(),
      },
      {
        maxMessageSize: negotiatedMessageSize(this.options.maxMessageSize ?? BROWSER_MAX_MESSAGE_SIZE, remote),
        maxSendsPerTurn: BROWSER_SENDS_PER_TURN,
        binding,
      },
    );
    this.resolveChannel(this.paced);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    if (this.paced) this.paced.end(reason);
    else {
      this.rejectChannel(new Error(`WebRTC ${reason}`));
      this.close();
    }
  }
}
