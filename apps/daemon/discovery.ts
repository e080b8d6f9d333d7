/**
 * LAN discovery: advertises this daemon with mDNS (mdns.ts) and links to the daemons it finds.
 * Only the daemon with the smaller node id dials, so two daemons that find each other make one
 * link, not two; it dials the advertised address and `expect`s the advertised id, so a record
 * that lies about the id yields a refused link, never a link to someone else. A peer that goes
 * away is dialled again with backoff (reconnect.ts) for as long as it is advertised.
 */
import type { Mesh } from '../../src/actors/mesh.js';
import type { NodeId } from '../../src/firefly/address.js';
import type { Link } from '../../src/transport/link.js';
import type { Logger } from './log.js';
import { startMdns, type DiscoveredPeer, type Mdns } from './mdns.js';
import { keepConnected, type BackoffOptions, type Reconnector } from './reconnect.js';

/** Options of {@link startDiscovery}. */
export interface DiscoveryOptions {
  mesh: Mesh;
  linkPort: number;
  /** The HTTP gateway's port, advertised so that `glow join CODE` on another daemon finds it. */
  httpPort?: number;
  interface: string | undefined;
  port: number;
  backoff: BackoffOptions;
  log: Logger;
  /**
   * Most peers dialled at once: bounds what a flood of forged advertisements on the LAN can make
   * this daemon do.
   * @default 64
   */
  maxPeers?: number;
}

/** Running discovery. */
export interface Discovery {
  peers(): DiscoveredPeer[];
  /** Asks the network who is there (answers arrive in `peers()`). */
  query(): void;
  close(): Promise<void>;
}

/** Starts mDNS and the linking; resolves with undefined (and logs why) when the socket cannot be bound. */
export async function startDiscovery(options: DiscoveryOptions): Promise<Discovery | undefined> {
  const { mesh, log } = options;
  const maxPeers = options.maxPeers ?? 64;
  const urls = new Map<NodeId, string>();
  const dialers = new Map<NodeId, Reconnector>();

  const linked = (id: NodeId) => mesh.router.neighbours().some((neighbour) => neighbour.node === id);

  function found(peer: DiscoveredPeer): void {
    urls.set(peer.id, peer.url);
    log.debug({ event: 'mdns.peer', peer: peer.id, url: peer.url }, `found ${peer.id} at ${peer.url}`);
    const existing = dialers.get(peer.id);
    if (existing) return existing.kick();
    // The larger id waits to be dialled.
    if (mesh.id > peer.id || dialers.size >= maxPeers) return;
    dialers.set(
      peer.id,
      keepConnected({
        ...options.backoff,
        wanted: () => !linked(peer.id),
        connect: async () => {
          const link: Link = await mesh.connect(urls.get(peer.id)!, { expect: peer.id });
          return { closed: new Promise((resolve) => link.onClose(resolve)), close: () => link.close('daemon stopping') };
        },
        onConnected: () => log.info({ event: 'mdns.linked', peer: peer.id }, `linked to ${peer.id} (found by mDNS)`),
        onFailure: (error, failures, retryIn) =>
          log[failures === 1 ? 'warn' : 'debug'](
            { event: 'mdns.dialFailed', peer: peer.id, url: urls.get(peer.id), failures, retryIn: Math.round(retryIn), error: String(error) },
            `cannot link to ${peer.id} at ${urls.get(peer.id)}: ${String(error)}`,
          ),
      }),
    );
  }

  function gone(id: NodeId): void {
    urls.delete(id);
    // An established link stays up (it has its own heartbeat); only the redialling stops.
    dialers.get(id)?.stop(false);
    dialers.delete(id);
    log.debug({ event: 'mdns.gone', peer: id }, `${id} is no longer advertised`);
  }

  let mdns: Mdns;
  try {
    mdns = await startMdns({
      id: mesh.id,
      linkPort: options.linkPort,
      ...(options.httpPort ? { httpPort: options.httpPort } : {}),
      interface: options.interface,
      port: options.port,
      onPeer: found,
      onGone: gone,
      onWarning: (error) => log.debug({ event: 'mdns.warning', error: error.message }, `mDNS: ${error.message}`),
    });
  } catch (error) {
    log.warn({ event: 'mdns.unavailable', error: String(error) }, `mDNS discovery is off: ${String(error)}`);
    return undefined;
  }
  return {
    peers: () => mdns.peers(),
    query: () => mdns.query(),
    async close() {
      for (const dialer of dialers.values()) dialer.stop(false);
      dialers.clear();
      await mdns.close();
    },
  };
}
