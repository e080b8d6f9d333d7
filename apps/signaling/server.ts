import { randomBytes } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { NodeId } from '../../src/firefly/address.js';
import type { Timer } from '../../src/firefly/clock.js';
import { fromBase64url, toBase64url } from '../../src/transport/base64url.js';
import { verifySignature } from '../../src/transport/identity.js';
import {
  CHALLENGE_BYTES,
  ClientMessageSchema,
  SIGNALING_ERRORS,
  SIGNALING_VERSION,
  parseMessage,
  registrationMessage,
  type ServerMessage,
  type SignalingErrorCode,
} from '../../src/transport/signalingProtocol.js';
import { startStunServer, type StunServer } from '../../src/transport/stunServer.js';
import { originAllowed } from '../../src/transport/originCheck.js';
import { AddressLimits, remoteAddress } from './addressLimits.js';
import { TokenBucket } from './rateLimiter.js';
import { signalingSettings, type SignalingLogEvent, type SignalingServerOptions } from './settings.js';

/** A running signaling server (and its STUN responder, when started). */
export interface SignalingServer {
  /** `ws://host:port` for clients. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `stun:host:port` of the responder beside it; undefined when it was not started. */
  readonly stunUrl: string | undefined;
  /** Ids registered right now. */
  readonly registered: number;
  /** Stops accepting, closes every connection (1001) and the STUN responder. */
  close(): Promise<void>;
}

/** One client connection's state. */
interface Connection {
  readonly socket: WebSocket;
  /** The remote address, as the per-address limits count it. */
  readonly address: string;
  readonly nonce: string;
  readonly bucket: TokenBucket;
  id: NodeId | undefined;
  violations: number;
  lastRateError: number;
  registerTimer: Timer | undefined;
}

// WebSocket close codes (RFC 6455 §7.4.1).
const GOING_AWAY = 1001;
const POLICY_VIOLATION = 1008;
const TRY_AGAIN_LATER = 1013;

/**
 * Starts the signaling server: nodes register with a signed proof of their id, then exchange
 * WebRTC signals with other registered nodes by id. Every message is size-checked, rate-limited
 * and validated before anything else looks at it; a bad one gets an `error` reply (see
 * `SIGNALING_ERRORS`) and never throws out of a handler.
 *
 * Refusals, each logged (`signaling.limited`, or `signaling.abuse` / `signaling.refused`):
 * - a browser page whose `Origin` the policy does not allow: HTTP 403 before the upgrade;
 * - more connections than `maxConnections` (`server-full`) or than `maxConnectionsPerAddress`
 *   from one address (`address-full`): the error, then close 1013 (try again later);
 * - a registration over its address's or the server's rate (`register-rate`): the error, then
 *   close 1013;
 * - a bad signature or no registration in time: the error, then close 1008 (policy violation).
 */
export async function startSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const settings = signalingSettings(options);
  const { clock } = settings;
  const log = (event: SignalingLogEvent) => {
    try {
      settings.log?.(event);
    } catch {
      // A broken logger must not break the server.
    }
  };
  let stun: StunServer | undefined;
  if (settings.stun) stun = await startStunServer({ host: settings.stunHost ?? settings.host, port: settings.stunPort });
  const iceServers = [...(stun ? [stun.url] : []), ...settings.iceServers];

  const limits = new AddressLimits(settings, () => clock.now());
  const secure = settings.tls ? createHttpsServer({ cert: settings.tls.cert, key: settings.tls.key }) : undefined;
  secure?.on('tlsClientError', () => undefined);
  const wss = new WebSocketServer({
    ...(secure ? { server: secure } : { host: settings.host, port: settings.port }),
    // A page of another site never gets a socket here: 403 before the upgrade.
    verifyClient: ({ req }, accept) => {
      const origin = req.headers.origin;
      if (originAllowed(settings.allowOrigin, origin)) return accept(true);
      log({ event: 'signaling.limited', address: remoteAddress(req.socket.remoteAddress), reason: 'origin', origin: origin! });
      accept(false, 403, 'origin not allowed');
    },
    // Hard cap at the socket: frames over it close the connection (1009) unread. Messages between
    // maxMessageBytes and this get a polite `too-large` reply instead.
    maxPayload: settings.maxMessageBytes * 4,
    perMessageDeflate: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const listening = secure ?? wss;
      listening.once('listening', resolve);
      listening.once('error', reject);
      secure?.listen(settings.port, settings.host);
    });
  } catch (error) {
    await stun?.close();
    throw error;
  }
  wss.on('error', () => undefined);
  secure?.on('error', () => undefined);
  const address = (secure ?? wss).address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const nodes = new Map<NodeId, Connection>();

  function send(conn: Connection, message: ServerMessage): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(JSON.stringify(message));
  }

  function fail(conn: Connection, code: SignalingErrorCode, session?: string, closeCode?: number): void {
    // A client that does not read its replies must not make the server buffer them.
    if (conn.socket.bufferedAmount < settings.maxBufferedBytes) {
      send(conn, { t: 'error', code, message: SIGNALING_ERRORS[code], ...(session ? { session } : {}) });
    }
    if (closeCode !== undefined) conn.socket.close(closeCode, code);
  }

  function onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (!conn.bucket.take()) {
      conn.violations++;
      if (conn.violations > settings.maxViolations) {
        log({ event: 'signaling.abuse', id: conn.id, reason: 'rate limit' });
        return fail(conn, 'rate-limited', undefined, POLICY_VIOLATION);
      }
      const now = clock.now();
      if (now - conn.lastRateError >= 1000) {
        conn.lastRateError = now;
        fail(conn, 'rate-limited');
      }
      return;
    }
    if (size > settings.maxMessageBytes) return fail(conn, 'too-large');
    const text = isBinary ? undefined : String(data);
    const message = parseMessage(ClientMessageSchema, text);
    if (!message) return fail(conn, 'malformed');
    if (message.t === 'register') return register(conn, message.id, message.signature);
    if (!conn.id) return fail(conn, 'unauthenticated', message.session);
    const target = nodes.get(message.to);
    if (!target) return fail(conn, 'unknown-peer', message.session);
    if (target.socket.bufferedAmount >= settings.maxBufferedBytes) return fail(conn, 'busy', message.session);
    send(target, { t: 'signal', from: conn.id, session: message.session, signal: message.signal });
  }

  function register(conn: Connection, id: NodeId, signature: string): void {
    if (conn.id !== undefined) return fail(conn, 'malformed');
    // Counted before the signature is checked: a refused attempt costs its address all the same.
    if (!limits.register(conn.address)) {
      log({ event: 'signaling.limited', address: conn.address, reason: 'register-rate' });
      return fail(conn, 'register-rate', undefined, TRY_AGAIN_LATER);
    }
    const bytes = fromBase64url(signature);
    if (!bytes || !verifySignature(id, registrationMessage(conn.nonce, id), bytes)) {
      log({ event: 'signaling.refused', claimed: id, reason: 'bad signature' });
      return fail(conn, 'bad-signature', undefined, POLICY_VIOLATION);
    }
    clock.clearTimeout(conn.registerTimer);
    const previous = nodes.get(id);
    // The newer connection wins: the older one is most likely a dead socket not yet noticed.
    if (previous) fail(previous, 'replaced', undefined, POLICY_VIOLATION);
    conn.id = id;
    nodes.set(id, conn);
    log({ event: 'signaling.registered', id });
    send(conn, { t: 'registered', id });
  }

  wss.on('connection', (socket, request) => {
    const conn: Connection = {
      socket,
      address: remoteAddress(request.socket.remoteAddress),
      nonce: toBase64url(randomBytes(CHALLENGE_BYTES)),
      bucket: new TokenBucket(settings.ratePerSecond, settings.rateBurst, () => clock.now()),
      id: undefined,
      violations: 0,
      lastRateError: -Infinity,
      registerTimer: undefined,
    };
    socket.on('error', () => undefined);
    if (wss.clients.size > settings.maxConnections) return fail(conn, 'server-full', undefined, TRY_AGAIN_LATER);
    if (!limits.connect(conn.address)) {
      log({ event: 'signaling.limited', address: conn.address, reason: 'address-full' });
      return fail(conn, 'address-full', undefined, TRY_AGAIN_LATER);
    }
    conn.registerTimer = clock.setTimeout(() => fail(conn, 'register-timeout', undefined, POLICY_VIOLATION), settings.registerTimeout);
    socket.on('message', (data, isBinary) => {
      try {
        onMessage(conn, data, isBinary);
      } catch (error) {
        // Nothing above should throw; if it does, the connection ends, never the server.
        log({ event: 'signaling.error', id: conn.id, error });
        socket.terminate();
      }
    });
    socket.on('close', () => {
      limits.disconnect(conn.address);
      clock.clearTimeout(conn.registerTimer);
      if (conn.id !== undefined && nodes.get(conn.id) === conn) {
        nodes.delete(conn.id);
        log({ event: 'signaling.left', id: conn.id });
      }
    });
    send(conn, { t: 'challenge', v: SIGNALING_VERSION, nonce: conn.nonce, iceServers });
  });

  let closing: Promise<void> | undefined;
  return {
    url: `${secure ? 'wss' : 'ws'}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`,
    host: settings.host,
    port,
    stunUrl: stun?.url,
    get registered() {
      return nodes.size;
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => wss.close(() => (secure ? secure.close(() => resolve()) : resolve())));
        for (const socket of wss.clients) socket.close(GOING_AWAY, 'server closing');
        // A client that does not answer the close handshake is cut after a second.
        const cut = clock.setTimeout(() => wss.clients.forEach((socket) => socket.terminate()), 1000);
        secure?.closeIdleConnections();
        await closed;
        clock.clearTimeout(cut);
        await stun?.close();
      })();
      return closing;
    },
  };
}
