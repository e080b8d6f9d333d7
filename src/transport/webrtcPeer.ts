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
   * @default 65536 (werift), 262144 (node-datachannel)
   */
  maxMessageSize?: number;
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
  const settled = teardown.then(
    () => undefined,
    () => undefined,
  );
  teardowns.add(settled);
  void settled.then(() => teardowns.delete(settled));
}

/**
 * Resolves once every peer connection closed so far has released its sockets and threads: for
 * a process (or a test) that wants to end with nothing left running.
 */
export async function webrtcTeardowns(): Promise<void> {
  while (teardowns.size > 0) await Promise.all([...teardowns]);
}
