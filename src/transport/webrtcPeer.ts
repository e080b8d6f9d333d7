import type { Clock } from '../firefly/clock.js';
import type { Channel } from './channel.js';
import type { CandidateFilter } from './webrtcSdp.js';

/** The data channel's label; both ends use one channel per connection. */
export const DATA_CHANNEL_LABEL = 'glow';

/** Options every WebRTC backend accepts for one peer connection. */
export interface WebRtcPeerOptions {
  /**
   * STUN/TURN server URLs (`stun:host:port`). Empty means host candidates only — enough on a
   * LAN and on loopback. werift, which falls back to Google's STUN server when it has none,
   * then gets an in-process loopback responder instead (see `webrtcWerift.ts`).
   * @default []
   */
  iceServers?: readonly string[];
  /**
   * Keep everything on 127.0.0.1: bind sockets there, gather only loopback host candidates,
   * and signal (and accept) no other candidate. For tests and same-host nodes; the suite runs
   * with it so that no packet ever leaves loopback.
   * @default false
   */
  loopbackOnly?: boolean;
  /**
   * Which candidates may be signalled to the peer and accepted from it (both in trickle and in
   * the SDP's `a=candidate` lines). `loopbackOnly` implies {@link loopbackCandidates}.
   * @default accept all
   */
  candidateFilter?: CandidateFilter;
  /**
   * Largest message we accept, advertised as `a=max-message-size`; the channel uses the smaller
   * of ours and the peer's.
   * @default 65536 (werift, browsers), 262144 (node-datachannel)
   */
  maxMessageSize?: number;
  /**
   * The clock of the timers that decide what happens: the negotiation's timeout, the wait for
   * the peer to let go after a close, the paced channel's close grace.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * One side of a WebRTC peer connection carrying one data channel, seen from the negotiation:
 * SDP in, SDP out, candidates both ways, and a channel once it opens. SDPs and candidates here
 * are unfiltered; the negotiation filters what crosses the signaling path.
 */
export interface WebRtcPeer {
  /** Offering side: creates the data channel and the offer; resolves with the local SDP. */
  createOffer(): Promise<string>;
  /** Answering side: applies the offer; resolves with the answer SDP. */
  acceptOffer(sdp: string): Promise<string>;
  /** Offering side: applies the answer. */
  acceptAnswer(sdp: string): Promise<void>;
  /** Adds a remote candidate; only called after the remote description is applied. */
  addCandidate(candidate: string, mid: string): Promise<void>;
  /** A local candidate was gathered (`candidate:…`, without `a=`). */
  onlocalcandidate: ((candidate: string, mid: string) => void) | undefined;
  /**
   * The data channel as a {@link Channel}, once it is open. Rejects when the connection fails
   * or the peer is closed first.
   */
  readonly channel: Promise<Channel>;
  /** Tears the connection down (before or after the channel opened). */
  close(): void;
}

/**
 * One native WebRTC stack (werift, node-datachannel, the browser's RTCPeerConnection) as the
 * lifecycle (`webrtcLifecycle.ts`) drives it: native calls translated, nothing decided. The
 * lifecycle owns the rest — the channel's binding, pacing, failure and teardown — once for all.
 */
export interface NativeBackend {
  readonly name: WebRtcBackend['name'];
  /** Largest message this stack takes, advertised unless `WebRtcPeerOptions.maxMessageSize` says otherwise. */
  readonly maxMessageSize: number;
  /** See `PacingOptions.maxSendsPerTurn`: what this stack takes per event-loop turn without collapsing. */
  readonly maxSendsPerTurn: number;
  /**
   * See `PacingOptions.rawHighWater`.
   * @default 1 MiB
   */
  readonly rawHighWater?: number;
  /**
   * See `PacingOptions.lowWater`.
   * @default 256 KiB
   */
  readonly lowWater?: number;
  /** Longest wait, in ms, after our close for the peer to let go before the connection is cut. */
  readonly closeGrace: number;
  /**
   * What shows that the peer has let go after our close: its data channel closing (`channel`:
   * the stream reset came back), or the connection itself leaving `connected` (`connection`:
   * libdatachannel, which misses a reset cut off by an immediate close).
   */
  readonly closeAcknowledgement: 'channel' | 'connection';
  /** Makes one peer connection, reporting to `events`; may be asynchronous (werift: a certificate, a STUN responder). */
  connect(options: WebRtcPeerOptions, events: NativeEvents): NativePeer | Promise<NativePeer>;
}

/** One native peer connection: the calls the lifecycle makes. */
export interface NativePeer {
  /** Creates the data channel and the offer, and sets it as the local description; resolves with its SDP. */
  createOffer(): Promise<string>;
  /** Applies the offer, then creates and sets the answer; resolves with its SDP. */
  acceptOffer(sdp: string): Promise<string>;
  /** Applies the answer. */
  acceptAnswer(sdp: string): Promise<void>;
  /** Adds a remote candidate (`candidate:…`); called only once the remote description is applied. */
  addCandidate(candidate: string, mid: string): Promise<void>;
  /** Closes the data channel: its stream reset tells the peer, behind the data already sent. */
  closeChannel(): void;
  /** Closes the connection and releases what it holds (sockets, threads, a shared STUN responder). */
  close(): Promise<void>;
}

/** The open data channel, as the lifecycle paces it. */
export interface NativeChannel {
  /** Hands one binary message to the stack; may throw once the channel has closed. */
  send(message: Uint8Array): void;
  /** Bytes the stack holds for this channel. */
  readonly bufferedAmount: number;
  /** Sets the level under which the stack reports `bufferedLow`. */
  setLowThreshold(bytes: number): void;
  readonly isOpen: boolean;
}

/** What a native stack reports, translated; the adapter calls these. */
export interface NativeEvents {
  /** A local ICE candidate was gathered (`candidate:…`). */
  localCandidate(candidate: string, mid: string): void;
  /** The data channel opened (reporting it twice is harmless). */
  open(channel: NativeChannel): void;
  /** A binary message arrived (text messages are not part of the protocol: not reported). */
  message(message: Uint8Array): void;
  /** The channel's buffered amount fell under the threshold set by `setLowThreshold`. */
  bufferedLow(): void;
  /** The data channel closed: the peer closed it, or acknowledged our close. */
  channelClosed(): void;
  /** The connection's state changed (`connected`, `disconnected`, `failed`, `closed`, …). */
  connectionState(state: string): void;
  /** The data channel reported an error. */
  error(reason: string): void;
  /** The stack heard from the peer below the data channel (see {@link Channel.onpeeractive}); optional for a stack to report. */
  peerActive(): void;
}

/** The WebRTC implementations a Node process can use. */
export type WebRtcBackendName = 'werift' | 'node-datachannel';

/** A factory of peers for one WebRTC implementation. */
export interface WebRtcBackend {
  /** Which implementation: a Node backend, or `browser` for the platform's RTCPeerConnection (apps/web). */
  readonly name: WebRtcBackendName | 'browser';
  createPeer(options?: WebRtcPeerOptions): WebRtcPeer;
}

/** Strips the `a=` prefix some stacks put on candidate lines. */
export function bareCandidate(candidate: string): string {
  return candidate.startsWith('a=') ? candidate.slice(2) : candidate;
}

const teardowns = new Set<Promise<unknown>>();

/**
 * Records a peer connection's teardown (it outlives `close()`: werift awaits the peer's close
 * acknowledgement, then its sockets close) so that {@link webrtcTeardowns} can wait for it.
 */
export function trackTeardown(teardown: Promise<unknown>): void {
  // Failed or not, the teardown released what it could: it is forgotten once settled.
  const forget = () => void teardowns.delete(settled);
  const settled = teardown.then(forget, forget);
  teardowns.add(settled);
}

/**
 * Resolves once every peer connection closed so far has released its sockets and threads: for
 * a process (or a test) that wants to end with nothing left running.
 */
export async function webrtcTeardowns(): Promise<void> {
  while (teardowns.size > 0) await Promise.all([...teardowns]);
}
