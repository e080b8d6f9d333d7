import { systemClock, unrefTimer, type Clock, type Timer } from '../firefly/clock.js';
import { GlowError } from '../firefly/errors.js';
import type { NodeId } from '../firefly/address.js';
import type { Channel } from './channel.js';
import { CloseReason } from './closeReasons.js';
import type { NodeIdentity } from './identity.js';
import type { FramedLink } from './framedLink.js';
import { openLink, type OpenLinkOptions } from './openLink.js';
import { Inbox } from './inbox.js';

/**
 * The part of the WHATWG `WebSocket` a channel uses: the browser's native socket and `ws`'s
 * (Node) both fit, so this file imports nothing platform-specific. Handlers are typed loosely
 * because the two declare different event classes.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: destroys the connection at once (browsers manage this themselves). */
  terminate?(): void;
  /**
   * Node only, for `wss://`: whether the server's certificate chains to a trusted CA for its
   * name, and the node it is bound to (tlsCertificate.ts), if any. Browsers check certificates
   * themselves and have none.
   */
  tlsPeer?(): { authorized: boolean; node: NodeId | undefined } | undefined;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

/** Options of a WebSocket channel. */
export interface WebSocketChannelOptions {
  /**
   * Largest message written and accepted, in bytes. The server refuses larger ones at the
   * socket (`maxPayload`), and the framing refuses them on every side.
   * @default 262144 (256 KiB)
   */
  maxMessageSize?: number;
  /**
   * `ondrain` fires when the socket's `bufferedAmount`, having reached this, falls under it
   * (polled: WebSocket has no drain event).
   * @default 262144 (256 KiB)
   */
  lowWaterMark?: number;
  /**
   * How long, in ms, a closing socket may wait for the peer's close handshake before it is
   * destroyed (`ws` waits 30 s on its own, which holds a dead peer's socket far too long).
   * @default 1000
   */
  closeTimeout?: number;
  /**
   * The clock of the drain poll and the close timeout.
   * @default systemClock
   */
  clock?: Clock;
}

const OPEN = 1;
const POLL_MS = 4;

/** A {@link Channel} over an open WebSocket (binary messages only; a text message breaks it). */
export function webSocketChannel(socket: WebSocketLike, options: WebSocketChannelOptions = {}): Channel {
  const lowWaterMark = options.lowWaterMark ?? 256 * 1024;
  const clock = options.clock ?? systemClock;
  let closed = false;
  const inbox = new Inbox(() => !closed);
  let drainTimer: Timer | undefined;
  let killTimer: Timer | undefined;

  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    clock.clearTimeout(drainTimer);
    clock.clearTimeout(killTimer);
    channel.onclose?.(reason);
  };
  const watchDrain = () => {
    if (drainTimer || closed) return;
    drainTimer = clock.setTimeout(() => {
      drainTimer = undefined;
      if (socket.bufferedAmount < lowWaterMark) channel.ondrain?.();
      else watchDrain();
    }, POLL_MS);
  };

  const channel: Channel = {
    kind: 'websocket',
    maxMessageSize: options.maxMessageSize ?? 256 * 1024,
    maxSendsPerTurn: Infinity,
    // Plain WebSocket offers nothing both ends can see to bind the handshake to.
    binding: '',
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send(message) {
      if (closed || socket.readyState !== OPEN) return;
      socket.send(message);
      if (socket.bufferedAmount >= lowWaterMark) watchDrain();
    },
    close() {
      if (closed || killTimer) return;
      socket.close(1000);
      killTimer = clock.setTimeout(() => socket.terminate?.(), options.closeTimeout ?? 1000);
      unrefTimer(killTimer);
    },
    // Messages that arrive before the consumer sets `onmessage` wait for it (see Inbox).
    get onmessage() {
      return inbox.handler;
    },
    set onmessage(handler) {
      inbox.handler = handler;
    },
    onclose: undefined,
    ondrain: undefined,
  };

  // Node's `ws` (it has `terminate`) hands over the Buffer it assembled, with no copy; browsers
  // only know 'arraybuffer' (for which `ws` would copy every message once more).
  socket.binaryType = typeof socket.terminate === 'function' ? 'nodebuffer' : 'arraybuffer';
  socket.onmessage = (event: { data: unknown }) => {
    if (closed) return;
    const { data } = event;
    let message: Uint8Array;
    if (data instanceof Uint8Array) {
      // A plain view of the Buffer's bytes: Buffer's `slice` would share them, Uint8Array's copies.
      message = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } else if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
      // Checked by tag as well: an ArrayBuffer from another realm (a VM context) is still one.
      message = new Uint8Array(data as ArrayBuffer);
    } else {
      socket.close(1003, 'binary messages only');
      return finish('protocol error: text message on a binary channel');
    }
    inbox.deliver(message);
  };
  socket.onclose = (event: { code?: number; reason?: string }) => {
    const why = event.reason || lastError;
    finish(`websocket closed (${event.code ?? 1006})${why ? `: ${why}` : ''}`);
  };
  // An error is followed by a close event; its message (`ws` gives one, browsers do not) makes
  // the close reason clearer. A listener must exist, or `ws` throws the error event.
  let lastError = '';
  socket.onerror = (event: { message?: unknown }) => {
    if (typeof event?.message === 'string') lastError = event.message.slice(0, 120);
  };
  return channel;
}

/** Options of {@link connectWebSocket}. */
export interface ConnectWebSocketOptions extends OpenLinkOptions, WebSocketChannelOptions {
  /**
   * Makes the socket. In Node 20 (no global WebSocket) pass `createNodeWebSocket` from
   * `websocketServer.ts`.
   * @default (url) => new globalThis.WebSocket(url)
   */
  createSocket?: (url: string) => WebSocketLike;
  /**
   * How long, in ms (on `clock`), the socket may take to open (`timeout`).
   * @default 5000
   */
  connectTimeout?: number;
}

/**
 * Dials a WebSocket link server and runs the link handshake over the connection. Rejects with
 * `noconnection` when the socket does not open, `timeout` when it takes too long, and as
 * `openLink` does once it is open. Set `expect` to the id you meant to reach.
 */
export async function connectWebSocket(url: string, identity: NodeIdentity, options: ConnectWebSocketOptions = {}): Promise<FramedLink> {
  const create =
    options.createSocket ??
    ((target: string) => {
      const Native = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
      if (!Native) throw new GlowError('unsupported', 'no global WebSocket: pass createSocket');
      return new Native(target);
    });
  const socket = create(url);
  const clock = options.clock ?? systemClock;
  socket.binaryType = 'arraybuffer';
  const channel = await new Promise<Channel>((resolve, reject) => {
    const fail = (error: GlowError) => {
      clock.clearTimeout(timer);
      socket.onopen = socket.onclose = null;
      reject(error);
    };
    const timer = clock.setTimeout(() => {
      fail(new GlowError('timeout', `websocket to ${url} did not open`));
      (socket.terminate ?? socket.close).call(socket);
    }, options.connectTimeout ?? 5000);
    // The channel is made inside the open event: `ws` may deliver the peer's first message
    // before a promise continuation would run, and the channel holds it until it is read.
    socket.onopen = () => {
      clock.clearTimeout(timer);
      socket.onopen = null;
      resolve(webSocketChannel(socket, options));
    };
    socket.onerror = () => {};
    socket.onclose = (event: { code?: number }) =>
      fail(new GlowError('noconnection', `websocket to ${url} closed before it opened (${event.code ?? 1006})`));
  });
  const link = await openLink(channel, identity, options);
  // A certificate no CA vouches for passes only when it is bound to the node the handshake proved.
  const tls = socket.tlsPeer?.();
  if (tls && !tls.authorized && tls.node !== link.remote) {
    link.close(`${CloseReason.denied}: the TLS certificate is not bound to this node`);
    throw new GlowError('denied', `${url} presented a TLS certificate that neither a CA nor ${link.remote}'s key vouches for`);
  }
  return link;
}
