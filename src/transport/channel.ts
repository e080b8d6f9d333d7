import type { LinkKind } from './link.js';

/**
 * A raw message pipe as a transport provides it (a WebSocket, a WebRTC data channel): what
 * `openLink` turns into an authenticated, framed {@link Link}. One consumer (the link) sets the
 * `on…` callbacks.
 */
export interface Channel {
  readonly kind: LinkKind;
  /** Largest message the transport carries whole, in bytes (data channels: 64 KiB in werift, 256 KiB in libdatachannel, 16 KiB safe for browsers). */
  readonly maxMessageSize: number;
  /** Most `send`s per event-loop turn the transport handles well: werift collapses beyond ~32 (see webrtc-loopback.md); Infinity when unbounded. */
  readonly maxSendsPerTurn: number;
  /** Bytes given to the transport and not yet sent. */
  readonly bufferedAmount: number;
  /**
   * What binds the link handshake to this very channel: for WebRTC both DTLS fingerprints
   * (local and remote, as each side sees them, sorted and joined), so a signaling server that
   * swapped SDPs to sit in the middle yields signatures that do not verify; '' when the
   * transport offers nothing to bind to.
   */
  readonly binding: string;
  send(message: Uint8Array): void;
  /** Closes the transport; `onclose` follows. */
  close(): void;
  onmessage: ((message: Uint8Array) => void) | undefined;
  /** The transport closed or broke, with whatever reason it gives. */
  onclose: ((reason: string) => void) | undefined;
  /** `bufferedAmount` fell back under the channel's low-water mark. */
  ondrain: (() => void) | undefined;
  /**
   * The transport heard from the peer below the message layer (an SCTP acknowledgement): proof
   * that the peer is alive even while its messages are held back, as an ordered data channel
   * holds everything behind a lost datagram until it is retransmitted. Transports with no such
   * signal leave it uncalled.
   */
  onpeeractive?: (() => void) | undefined;
}
