import type { NodeId } from '../firefly/address.js';
import type { Device, DeviceCertificate } from './certificate.js';

/** The transports a link can run over. */
export type LinkKind = 'memory' | 'websocket' | 'webrtc';

/** Why a link closed, and which side decided it. */
export interface LinkClose {
  /** Human-readable and stable enough to test: `'closed by peer'`, `'heartbeat timeout'`, … */
  readonly reason: string;
  /** `local`: this side called close; `remote`: the peer said so; `transport`: the pipe broke. */
  readonly by: 'local' | 'remote' | 'transport';
}

/**
 * The contract every link keeps, whatever it runs over: an ordered, reliable, message-oriented
 * pipe to one authenticated neighbour, carrying Firefly packets (encoded bytes) of any size.
 *
 * - `send` never throws; after close it drops the packet (the router fails what waited on it).
 * - Backpressure: `bufferedAmount` counts bytes accepted and not yet handed to the transport;
 *   `onDrain` fires when it falls back under the link's low-water mark.
 * - Packets written by one task (or one event-loop turn) may travel in one transport message (batching);
 *   packets larger than the transport's message size travel in chunks and arrive whole.
 */
export interface Link {
  readonly kind: LinkKind;
  /** The neighbour's node id, proven by the handshake. */
  readonly remote: NodeId;
  /** The neighbour's device (its user, name and roles), when it presented a valid certificate. */
  readonly device?: Device;
  /** The certificate the neighbour presented, once verified. */
  readonly certificate?: DeviceCertificate;
  /** Smoothed round-trip time in ms, from heartbeats; undefined until measured. */
  readonly rtt: number | undefined;
  readonly bufferedAmount: number;
  readonly closed: boolean;
  /** Bytes the transport carried each way (framed links; an in-memory link has none). */
  readonly traffic?: { readonly bytesIn: number; readonly bytesOut: number };
  send(packet: Uint8Array): void;
  close(reason?: string): void;
  /**
   * Closes the link (`heartbeat timeout`) unless the peer is heard from within `within` ms: for
   * when this machine's network changed and the link's path may be gone. Links without a
   * heartbeat (in memory) have none.
   */
  probe?(within: number): void;
  onPacket(listener: (packet: Uint8Array) => void): void;
  onDrain(listener: () => void): void;
  onClose(listener: (close: LinkClose) => void): void;
}
