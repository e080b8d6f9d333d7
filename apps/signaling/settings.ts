import type { NodeId } from '../../src/firefly/address.js';
import { systemClock, type Clock } from '../../src/firefly/clock.js';

/** Options of `startSignalingServer`. Every limit has a default and the reason for it. */
export interface SignalingServerOptions {
  /**
   * Address to listen on. Loopback until the operator opens it to a network.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * TCP port; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Run a STUN Binding responder beside the server and advertise it to clients, so that ICE has
   * a STUN server on the LAN (or loopback) and never falls back to a public one.
   * @default true
   */
  stun?: boolean;
  /**
   * Address of the STUN responder.
   * @default same as `host`
   */
  stunHost?: string;
  /**
   * UDP port of the STUN responder; 0 picks a free one.
   * @default 0 (the `apps/signaling` CLI defaults to 3478)
   */
  stunPort?: number;
  /**
   * More ICE server URLs to advertise to clients (after the built-in STUN responder's).
   * @default []
   */
  iceServers?: string[];
  /**
   * Largest message accepted, in bytes; larger ones get `too-large`, and frames over four times
   * this close the connection unread. An SDP is a few KiB at most.
   * @default 65536
   */
  maxMessageBytes?: number;
  /**
   * Messages per second a connection may send on average. A negotiation is an offer, an
   * answer and a handful of candidates; this leaves room for dozens at once.
   * @default 50
   */
  ratePerSecond?: number;
  /**
   * Messages a connection may send at once before the rate applies.
   * @default 100
   */
  rateBurst?: number;
  /**
   * Messages over the rate a connection may send before it is closed (1008): a client that keeps
   * flooding after being told is not a client.
   * @default 500
   */
  maxViolations?: number;
  /**
   * Time, in ms, a new connection has to register before it is closed.
   * @default 10000
   */
  registerTimeout?: number;
  /**
   * Most connections at once; the next ones are refused (`server-full`, 1013).
   * @default 10000
   */
  maxConnections?: number;
  /**
   * Bytes queued towards one client beyond which messages to it are dropped (`busy` to the
   * sender): a client that does not read must not grow the server's memory.
   * @default 1048576
   */
  maxBufferedBytes?: number;
  /**
   * The clock of the register timeout, the rate limits and the close deadline.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where the server reports registrations, departures, refusals and abuse.
   * @default undefined (nothing is logged)
   */
  log?: (event: SignalingLogEvent) => void;
}

/** Everything the server reports through `log`. */
export type SignalingLogEvent =
  | { event: 'signaling.registered'; id: NodeId }
  | { event: 'signaling.left'; id: NodeId }
  | { event: 'signaling.refused'; claimed: string; reason: string }
  | { event: 'signaling.abuse'; id: NodeId | undefined; reason: string }
  | { event: 'signaling.error'; id: NodeId | undefined; error: unknown };

/** {@link SignalingServerOptions} with its defaults filled in. */
export type SignalingSettings = Required<Omit<SignalingServerOptions, 'log' | 'stunHost'>> &
  Pick<SignalingServerOptions, 'log' | 'stunHost'>;

/** Fills in the defaults of {@link SignalingServerOptions}. */
export function signalingSettings(options: SignalingServerOptions): SignalingSettings {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    stun: options.stun ?? true,
    stunHost: options.stunHost,
    stunPort: options.stunPort ?? 0,
    iceServers: options.iceServers ?? [],
    maxMessageBytes: options.maxMessageBytes ?? 64 * 1024,
    ratePerSecond: options.ratePerSecond ?? 50,
    rateBurst: options.rateBurst ?? 100,
    maxViolations: options.maxViolations ?? 500,
    registerTimeout: options.registerTimeout ?? 10_000,
    maxConnections: options.maxConnections ?? 10_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    clock: options.clock ?? systemClock,
    log: options.log,
  };
}
