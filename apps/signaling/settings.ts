import type { NodeId } from '../../src/firefly/address.js';
import { systemClock, type Clock } from '../../src/firefly/clock.js';
import { PROGRAMS_ONLY, type OriginPolicy } from '../../src/transport/originCheck.js';
import type { TlsCredentials } from '../../src/transport/tlsCertificate.js';

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
  /** Serve `wss://` with this certificate and key. @default plain `ws://` */
  tls?: TlsCredentials;
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
   * Most connections at once from one remote address; the next ones are refused
   * (`address-full`, 1013). A household behind one NAT, or a daemon and its tabs on loopback,
   * stay far below it; one process opening thousands does not.
   * @default 64
   */
  maxConnectionsPerAddress?: number;
  /**
   * Registrations per second one remote address may make on average, and at once
   * (`registrationBurst`); over it the registration is refused (`register-rate`, 1013). A node
   * registers once per connection, so this bounds how fast one address can mint fresh ids.
   * @default 2 per second, 30 at once
   */
  registrationsPerSecond?: number;
  registrationBurst?: number;
  /**
   * Registrations per second over all addresses, and at once: what the server accepts even
   * from many addresses together.
   * @default 100 per second, 300 at once
   */
  globalRegistrationsPerSecond?: number;
  globalRegistrationBurst?: number;
  /**
   * The web pages that may connect (their `Origin`); any other is answered 403 before the
   * upgrade. Programs send no `Origin` and are always accepted.
   * @default PROGRAMS_ONLY
   */
  allowOrigin?: OriginPolicy;
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
  | { event: 'signaling.limited'; address: string; reason: 'origin' | 'address-full' | 'register-rate'; origin?: string }
  | { event: 'signaling.abuse'; id: NodeId | undefined; reason: string }
  | { event: 'signaling.error'; id: NodeId | undefined; error: unknown };

/** {@link SignalingServerOptions} with its defaults filled in. */
export type SignalingSettings = Required<Omit<SignalingServerOptions, 'log' | 'stunHost' | 'tls'>> &
  Pick<SignalingServerOptions, 'log' | 'stunHost' | 'tls'>;

/** Fills in the defaults of {@link SignalingServerOptions}. */
export function signalingSettings(options: SignalingServerOptions): SignalingSettings {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    stun: options.stun ?? true,
    stunHost: options.stunHost,
    tls: options.tls,
    stunPort: options.stunPort ?? 0,
    iceServers: options.iceServers ?? [],
    maxMessageBytes: options.maxMessageBytes ?? 64 * 1024,
    ratePerSecond: options.ratePerSecond ?? 50,
    rateBurst: options.rateBurst ?? 100,
    maxViolations: options.maxViolations ?? 500,
    registerTimeout: options.registerTimeout ?? 10_000,
    maxConnections: options.maxConnections ?? 10_000,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 64,
    registrationsPerSecond: options.registrationsPerSecond ?? 2,
    registrationBurst: options.registrationBurst ?? 30,
    globalRegistrationsPerSecond: options.globalRegistrationsPerSecond ?? 100,
    globalRegistrationBurst: options.globalRegistrationBurst ?? 300,
    allowOrigin: options.allowOrigin ?? PROGRAMS_ONLY,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    clock: options.clock ?? systemClock,
    log: options.log,
  };
}
