import { createSocket, type Socket } from 'node:dgram';
import { bindingSuccess, parseBindingRequest } from './stunMessage.js';

/** Options of {@link startStunServer}. */
export interface StunServerOptions {
  /**
   * Address to bind. Loopback by default so that nothing is exposed until asked for; a LAN
   * deployment passes its LAN address or `0.0.0.0`.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * UDP port; 0 picks an ephemeral one (read it back from `port`).
   * @default 3478 (the STUN port) — tests pass 0
   */
  port?: number;
  /**
   * Keep the process alive while the server runs. Off for the responder werift links start for
   * themselves, so a library user's process still exits when it is done.
   * @default true
   */
  ref?: boolean;
}

/** A running STUN Binding responder. */
export interface StunServer {
  readonly host: string;
  readonly port: number;
  /** `stun:host:port`, as ICE configurations spell it. */
  readonly url: string;
  /** Binding requests answered so far. */
  readonly answered: number;
  /** Datagrams that were not Binding requests and were dropped without an answer. */
  readonly ignored: number;
  close(): Promise<void>;
}

/**
 * Starts an RFC 5389 Binding responder on UDP: each Binding request gets a success response
 * carrying the address it came from (XOR-MAPPED-ADDRESS). That is all ICE asks of a STUN
 * server, and with one on the LAN or on loopback no ICE agent falls back to a public server.
 * Anything else is dropped and counted, never answered (no reflection of arbitrary input).
 */
export function startStunServer(options: StunServerOptions = {}): Promise<StunServer> {
  const host = options.host ?? '127.0.0.1';
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let answered = 0;
  let ignored = 0;
  socket.on('message', (message, from) => {
    const request = parseBindingRequest(message);
    if (!request) {
      ignored++;
      return;
    }
    answered++;
    const reply = bindingSuccess(request, { family: from.family === 'IPv6' ? 'IPv6' : 'IPv4', address: from.address, port: from.port });
    // A send error (the client vanished, ICMP unreachable) concerns one datagram only.
    socket.send(reply, from.port, from.address, () => undefined);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 3478, host, () => {
      socket.off('error', reject);
      // Errors after binding (e.g. ICMP-induced ECONNREFUSED on some platforms) must not crash
      // the process that hosts the responder.
      socket.on('error', () => undefined);
      if (options.ref === false) socket.unref();
      const port = socket.address().port;
      let closing: Promise<void> | undefined;
      resolve({
        host,
        port,
        url: `stun:${host.includes(':') ? `[${host}]` : host}:${port}`,
        get answered() {
          return answered;
        },
        get ignored() {
          return ignored;
        },
        close() {
          closing ??= new Promise((done) => socket.close(() => done()));
          return closing;
        },
      });
    });
  });
}
