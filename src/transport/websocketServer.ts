import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock } from '../firefly/clock.js';
import type { FramedLink } from './framedLink.js';
import type { NodeIdentity } from './identity.js';
import { safeLog } from './linkOptions.js';
import type { OpenLinkOptions } from './openLink.js';
import { openLink } from './openLink.js';
import { boundNode, type TlsCredentials } from './tlsCertificate.js';
import { originAllowed, PROGRAMS_ONLY, type OriginPolicy } from './originCheck.js';
import { webSocketChannel, type WebSocketChannelOptions, type WebSocketLike } from './websocket.js';

// Node only: this file imports `ws`. The browser uses websocket.ts with its native WebSocket.

/** Options of {@link listenWebSocket}. */
export interface ListenWebSocketOptions extends Omit<OpenLinkOptions, 'expect'>, WebSocketChannelOptions {
  identity: NodeIdentity;
  /** Called with each link that completed its handshake. */
  onLink: (link: FramedLink) => void;
  /**
   * Address to bind. Loopback unless the embedding program opens the node to its network.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port to bind; 0 picks a free one (read it from the result).
   * @default 0
   */
  port?: number;
  /**
   * The web pages that may link in (a browser tab of the embedding program's own web app). A
   * connection with any other `Origin` is answered 403 before the upgrade; programs send none.
   * @default PROGRAMS_ONLY
   */
  allowOrigin?: OriginPolicy;
  /** Told of each connection refused for its `Origin` (for the embedding program's log). */
  onOriginRefused?: (refusal: { origin: string; remote: string }) => void;
  /**
   * Serve `wss://` with this certificate and key (a CA's, or one bound to the node key:
   * tlsCertificate.ts). Plain `ws://` without.
   */
  tls?: TlsCredentials;
}

/** A listening WebSocket link server. */
export interface WebSocketListener {
  /** `ws://host:port` to dial. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, closes every link (`'server closing'`) and every socket; resolves when all are gone. */
  close(): Promise<void>;
}

/**
 * Accepts WebSocket connections and runs the link handshake on each; authenticated links go to
 * `onLink`, refused ones are logged (`link.refused`) and closed. Browser pages get in only when
 * `allowOrigin` names their origin. Each connection's messages are
 * limited to `maxMessageSize` at the socket.
 */
export async function listenWebSocket(options: ListenWebSocketOptions): Promise<WebSocketListener> {
  const { identity, onLink, host = '127.0.0.1', port = 0 } = options;
  const maxMessageSize = options.maxMessageSize ?? 256 * 1024;
  const allowOrigin = options.allowOrigin ?? PROGRAMS_ONLY;
  // With TLS, an HTTPS server of our own carries the upgrades; ws makes its plain one otherwise.
  const secure = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : undefined;
  const server = new WebSocketServer({
    ...(secure ? { server: secure } : { host, port }),
    maxPayload: maxMessageSize,
    perMessageDeflate: false,
    // Before the upgrade: a page of another site gets a plain 403 and never reaches the handshake.
    verifyClient: ({ req }, accept) => {
      const origin = req.headers.origin;
      if (originAllowed(allowOrigin, origin)) return accept(true);
      try {
        options.onOriginRefused?.({ origin: origin!, remote: req.socket.remoteAddress ?? '' });
      } catch {
        // The embedding program's log failed; the refusal stands all the same.
      }
      accept(false, 403, 'origin not allowed');
    },
  });
  await new Promise<void>((resolve, reject) => {
    const listening = secure ?? server;
    listening.once('listening', resolve);
    listening.once('error', reject);
    secure?.listen(port, host);
  });
  // A TLS handshake that fails (a scanner, a client that refuses the certificate) ends one socket.
  secure?.on('tlsClientError', () => {});
  secure?.on('error', () => {});
  // After listening, errors concern single connections; they close and are reported per link.
  server.on('error', () => {});
  const links = new Set<FramedLink>();
  const handshaking = new Set<WebSocket>();

  server.on('connection', (socket) => {
    const channel = webSocketChannel(socket, { ...options, maxMessageSize });
    handshaking.add(socket);
    openLink(channel, identity, options).then(
      (link) => {
        handshaking.delete(socket);
        links.add(link);
        link.onClose(() => links.delete(link));
        try {
          onLink(link);
        } catch (error) {
          // The embedding program's bug: the link cannot be used, and the error is not swallowed.
          link.close('onLink failed');
          if (options.log) safeLog(options.log)({ event: 'link.listenerError', kind: link.kind, remote: link.remote, error });
          else
            queueMicrotask(() => {
              throw error;
            });
        }
      },
      () => {
        // Refused or failed: openLink logged it and closed the channel.
        handshaking.delete(socket);
      },
    );
  });

  const address = (secure ?? server).address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${secure ? 'wss' : 'ws'}://${urlHost}:${address.port}`,
    port: address.port,
    async close() {
      for (const link of [...links]) link.close('server closing');
      // A connection still in its handshake has no link to tell; it simply ends.
      for (const socket of handshaking) socket.terminate();
      const closed = new Promise<void>((resolve) => server.close(() => (secure ? secure.close(() => resolve()) : resolve())));
      secure?.closeAllConnections();
      // Give close handshakes a moment, then destroy whatever is left (handshaking sockets too).
      const clock = options.clock ?? systemClock;
      const deadline = clock.setTimeout(() => {
        for (const client of server.clients) client.terminate();
      }, options.closeTimeout ?? 1000);
      await closed;
      clock.clearTimeout(deadline);
    },
  };
}

/**
 * A client socket for `connectWebSocket` in Node (which has no global WebSocket before v22):
 * `ws` without compression, limited to `maxPayload` bytes per message.
 */
export function createNodeWebSocket(url: string, maxPayload = 256 * 1024): WebSocketLike {
  if (!url.startsWith('wss:')) return new WebSocket(url, { maxPayload, perMessageDeflate: false });
  // A public node's certificate is often its own, bound to its node key rather than signed by a
  // CA: the socket takes it, and connectWebSocket refuses the link unless a CA vouched for it or
  // it is bound to the node the handshake proves.
  const socket = new WebSocket(url, { maxPayload, perMessageDeflate: false, rejectUnauthorized: false });
  let peer: { authorized: boolean; node: string | undefined } | undefined;
  socket.once('upgrade', (response) => {
    const tls = response.socket as TLSSocket;
    peer = { authorized: tls.authorized, node: boundNode(tls.getPeerCertificate().raw ?? new Uint8Array()) };
  });
  return Object.assign(socket, { tlsPeer: () => peer ?? { authorized: false, node: undefined } });
}
