import type { NodeId } from '../firefly/address.js';
import { systemClock, type Clock } from '../firefly/clock.js';
import { GlowError } from '../firefly/errors.js';
import { toBase64url } from './base64url.js';
import type { Channel } from './channel.js';
import type { NodeIdentity } from './identity.js';
import { SIGNALING_VERSION, ServerMessageSchema, parseMessage, registrationMessage, type ClientMessage } from './signalingProtocol.js';
import { acceptWebRtc, dialWebRtc, type NegotiationOptions } from './webrtcNegotiation.js';
import type { SignalPort, WebRtcSignal } from './webrtcSignal.js';

// Browser-safe: no Node import. The WebSocket class is passed in (the browser's own, or `ws`).

/** The part of the WHATWG WebSocket the client uses (text messages only). */
export interface SignalingSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: any) => void) | null;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers, `ws`'s `WebSocket` in Node. */
export type SignalingSocketClass = new (url: string) => SignalingSocket;

/** Options of {@link connectSignaling}. */
export interface SignalingClientOptions {
  /** `ws://` or `wss://` URL of the signaling server. */
  url: string;
  /** This node's key: it signs the server's challenge to register its id. */
  identity: NodeIdentity;
  /**
   * The WebSocket class to use.
   * @default globalThis.WebSocket
   */
  WebSocket?: SignalingSocketClass;
  /**
   * Time, in ms (on `clock`), to connect and register before giving up (`timeout`).
   * @default 10000
   */
  timeout?: number;
  /**
   * The clock of the registration timeout.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Most negotiations other nodes may have open with us at once; further offers are refused.
   * Bounds what a flood of offers can make this node allocate.
   * @default 32
   */
  maxIncomingSessions?: number;
}

/** An offer another node made us through the server. */
export interface IncomingOffer {
  /** The sender's id as the server vouches for it (proven again by the link handshake). */
  readonly from: NodeId;
  /** Answers it; resolves with the open (not yet authenticated) channel. */
  accept(options: NegotiationOptions): Promise<Channel>;
  /** Declines it; the offerer's negotiation fails with `noconnection`. */
  reject(reason?: string): void;
}

const OPEN = 1;

interface Session extends SignalPort {
  readonly key: string;
}

/**
 * A node's connection to a signaling server: registered under its proven id, it dials other
 * nodes by id and receives their offers. Channels it produces are raw: run `openLink` on them.
 */
export class SignalingClient {
  /** ICE servers the signaling server advertised (its STUN responder, usually). */
  readonly iceServers: readonly string[];
  /** Offers from other nodes; with no handler they are rejected. */
  onoffer: ((offer: IncomingOffer) => void) | undefined;
  /** The connection to the server ended (with the server's reason when it gave one). */
  onclose: ((reason: string) => void) | undefined;
  private readonly sessions = new Map<string, Session>();
  private incoming = 0;
  private closed = false;

  /** @internal Use {@link connectSignaling}. */
  constructor(
    readonly id: NodeId,
    private readonly socket: SignalingSocket,
    iceServers: readonly string[],
    private readonly maxIncoming: number,
  ) {
    this.iceServers = iceServers;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.ended(event.reason || `signaling connection closed (${event.code ?? 'no code'})`);
  }

  /**
   * Opens a WebRTC data channel to `remote` through the server. Rejects with `noconnection` when
   * `remote` is not registered or refused, `timeout` when nothing opened in time. Uses the
   * server's ICE servers unless `options.iceServers` is given.
   */
  dial(remote: NodeId, options: NegotiationOptions): Promise<Channel> {
    if (this.closed) return Promise.reject(new GlowError('noconnection', 'the signaling connection is closed'));
    const port = this.session(remote, randomSession(), false);
    return dialWebRtc(port, { ...options, iceServers: options.iceServers ?? this.iceServers });
  }

  /** Closes the connection to the server; negotiations in progress fail. */
  close(): void {
    if (this.closed) return;
    this.socket.close(1000, 'bye');
    this.ended('closed');
  }

  private session(remote: NodeId, session: string, incoming: boolean): Session {
    const key = `${remote} ${session}`;
    let open = true;
    if (incoming) this.incoming++;
    const port: Session = {
      key,
      onsignal: undefined,
      // Never throws: a negotiation on a lost server fails by its `end` signal or its timeout.
      send: (signal: WebRtcSignal) => {
        if (open) this.send({ t: 'signal', to: remote, session, signal });
      },
      close: () => {
        if (!open) return;
        open = false;
        if (incoming) this.incoming--;
        this.sessions.delete(key);
      },
    };
    this.sessions.set(key, port);
    return port;
  }

  private receive(data: unknown): void {
    const message = parseMessage(ServerMessageSchema, data);
    // A malformed message from the server is ignored: nothing it could mean is safe to guess.
    if (!message) return;
    if (message.t === 'signal') {
      const session = this.sessions.get(`${message.from} ${message.session}`);
      if (session) session.onsignal?.(message.signal);
      else if (message.signal.type === 'offer') this.offered(message.from, message.session, message.signal.sdp);
      // Anything else belongs to a negotiation that is over: stale candidates, a late `end`.
    } else if (message.t === 'error' && message.session !== undefined) {
      // The server could not deliver a signal of this session (unknown peer, busy): end it.
      for (const session of this.sessions.values()) {
        if (session.key.endsWith(` ${message.session}`)) session.onsignal?.({ type: 'end', reason: message.code });
      }
    }
  }

  private offered(from: NodeId, sessionId: string, sdp: string): void {
    const decline = (reason: string) => this.send({ t: 'signal', to: from, session: sessionId, signal: { type: 'end', reason } });
    if (this.incoming >= this.maxIncoming) return decline('too many negotiations');
    const handler = this.onoffer;
    if (!handler) return decline('not accepting offers');
    const port = this.session(from, sessionId, true);
    let answered = false;
    handler({
      from,
      accept: (options) => {
        if (answered) return Promise.reject(new GlowError('badarg', 'this offer was already answered'));
        answered = true;
        return acceptWebRtc(port, sdp, { ...options, iceServers: options.iceServers ?? this.iceServers });
      },
      reject: (reason = 'rejected') => {
        if (answered) return;
        answered = true;
        port.send({ type: 'end', reason: reason.slice(0, 200) });
        port.close();
      },
    });
  }

  private send(message: ClientMessage): void {
    if (!this.closed && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private ended(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const session of [...this.sessions.values()]) session.onsignal?.({ type: 'end', reason: 'signaling closed' });
    this.sessions.clear();
    this.onclose?.(reason);
  }
}

/**
 * Connects to a signaling server and registers: answers its challenge with this node's
 * signature. Resolves once the server confirmed; rejects with `noconnection` (unreachable,
 * refused, wrong protocol version) or `timeout`.
 */
export function connectSignaling(options: SignalingClientOptions): Promise<SignalingClient> {
  const Socket = options.WebSocket ?? (globalThis as { WebSocket?: SignalingSocketClass }).WebSocket;
  if (!Socket) return Promise.reject(new GlowError('badarg', 'no WebSocket class: pass options.WebSocket'));
  const { identity } = options;
  const socket = new Socket(options.url);
  const clock = options.clock ?? systemClock;
  return new Promise<SignalingClient>((resolve, reject) => {
    let iceServers: string[] = [];
    const timer = clock.setTimeout(() => fail(new GlowError('timeout', 'signaling registration timed out')), options.timeout ?? 10_000);
    function fail(error: GlowError): void {
      clock.clearTimeout(timer);
      socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close();
      reject(error);
    }
    socket.onerror = () => undefined;
    socket.onclose = (event) => fail(new GlowError('noconnection', `signaling server closed the connection: ${event.reason || event.code}`));
    socket.onmessage = (event) => {
      const message = parseMessage(ServerMessageSchema, event.data);
      if (message?.t === 'challenge') {
        if (message.v !== SIGNALING_VERSION) return fail(new GlowError('noconnection', `signaling protocol ${message.v} is not ${SIGNALING_VERSION}`));
        iceServers = message.iceServers;
        const signature = toBase64url(identity.sign(registrationMessage(message.nonce, identity.id)));
        socket.send(JSON.stringify({ t: 'register', id: identity.id, signature } satisfies ClientMessage));
      } else if (message?.t === 'registered' && message.id === identity.id) {
        clock.clearTimeout(timer);
        resolve(new SignalingClient(identity.id, socket, iceServers, options.maxIncomingSessions ?? 32));
      } else if (message?.t === 'error') {
        fail(new GlowError('noconnection', `signaling server refused: ${message.code}`));
      }
    };
  });
}

function randomSession(): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(16)));
}
