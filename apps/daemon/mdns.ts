/**
 * DNS-SD over multicast DNS (RFC 6762/6763) for `_glow._tcp`: each daemon advertises
 *
 *   PTR  _glow._tcp.local          → <id>._glow._tcp.local
 *   SRV  <id>._glow._tcp.local     → port = its WebSocket link listener, target <id>.local
 *   TXT  <id>._glow._tcp.local     → v=1, id=<node id>[, http=<port of its HTTP gateway>]
 *   A    <id>.local                → the interface address(es)
 *
 * announces them at start (three times, 1 s then 2 s apart), again every half TTL, answers
 * queries for them, and says goodbye (TTL 0) when it stops. Browsing is the other half: every
 * response that carries a `_glow._tcp` instance with a valid node id is a peer at the packet's
 * source address and the SRV port (and its HTTP gateway at the same address and the `http` port, where
 * `glow join CODE` looks for the inviter). A peer not heard of for a TTL, or that said goodbye, is gone.
 *
 * The interface is a setting: a loopback daemon uses 127.0.0.1 (other daemons on this machine
 * only, nothing leaves it) and ignores packets from anywhere else.
 */
import type { RemoteInfo } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import makeMdns from 'multicast-dns';
import type { Answer } from 'dns-packet';
import type { NodeId } from '../../src/firefly/address.js';
import { publicKeyOf } from '../../src/transport/identity.js';

/** The service type. */
export const SERVICE = '_glow._tcp.local';

/** A daemon found on the network. */
export interface DiscoveredPeer {
  id: NodeId;
  /** `ws://address:port` of its link listener. */
  url: string;
  /** `http://address:port` of its HTTP gateway, when it advertises one. */
  http?: string;
}

/** Options of {@link startMdns}. */
export interface MdnsOptions {
  id: NodeId;
  /** Port of the WebSocket link listener to advertise. */
  linkPort: number;
  /** Port of the HTTP gateway to advertise (TXT `http=`); none when it is not reachable there. */
  httpPort?: number;
  /** IPv4 address of the multicast interface. @default every interface */
  interface?: string;
  /** @default 5353 */
  port?: number;
  /** Only packets from 127.0.0.0/8 are heard. @default interface is loopback */
  loopbackOnly?: boolean;
  /** Record TTL, seconds. @default 120 */
  ttl?: number;
  /**
   * Most peers remembered at once; advertisements of further ones are ignored until some are
   * gone. Bounds what a flood of forged advertisements on a LAN can make this daemon hold.
   * @default 256
   */
  maxPeers?: number;
  /** A peer appeared, or its address changed. */
  onPeer: (peer: DiscoveredPeer) => void;
  /** A peer said goodbye or was not heard of for a TTL. */
  onGone: (id: NodeId) => void;
  /** Socket trouble that does not stop discovery. */
  onWarning?: (error: Error) => void;
}

/** Running discovery. */
export interface Mdns {
  /** Peers heard of and not gone. */
  peers(): DiscoveredPeer[];
  /** Asks the network who is there. */
  query(): void;
  /** Says goodbye and closes the socket. */
  close(): Promise<void>;
}

/** Binds the mDNS socket and starts advertising and browsing; rejects when the socket cannot be bound. */
export async function startMdns(options: MdnsOptions): Promise<Mdns> {
  const ttl = options.ttl ?? 120;
  const loopbackOnly = options.loopbackOnly ?? options.interface?.startsWith('127.') ?? false;
  // Bound to 0.0.0.0: on Linux a socket bound to a unicast address does not receive multicast.
  const mdns = makeMdns({ port: options.port ?? 5353, interface: options.interface, bind: '0.0.0.0', reuseAddr: true, loopback: true });
  await new Promise<void>((resolve, reject) => {
    mdns.once('ready', resolve);
    mdns.once('error', reject);
  });
  mdns.on('error', (error: Error) => options.onWarning?.(error));
  mdns.on('warning', (error: Error) => options.onWarning?.(error));

  const instance = `${options.id}.${SERVICE}`;
  const host = `${options.id}.local`;
  const peers = new Map<NodeId, DiscoveredPeer & { seen: number }>();
  const records = (recordTtl: number): Answer[] => [
    { name: SERVICE, type: 'PTR', ttl: recordTtl, data: instance },
    { name: instance, type: 'SRV', ttl: recordTtl, data: { port: options.linkPort, target: host, priority: 0, weight: 0 } },
    { name: instance, type: 'TXT', ttl: recordTtl, data: ['v=1', `id=${options.id}`, ...(options.httpPort ? [`http=${options.httpPort}`] : [])] },
    ...addresses(options.interface).map((address): Answer => ({ name: host, type: 'A', ttl: recordTtl, data: address })),
  ];
  const announce = () => mdns.respond({ answers: records(ttl) });
  const query = () => mdns.query({ questions: [{ name: SERVICE, type: 'PTR' }] });

  mdns.on('query', (packet, rinfo: RemoteInfo) => {
    if (loopbackOnly && !rinfo.address.startsWith('127.')) return;
    const asked = packet.questions.some(
      (question) => (same(question.name, SERVICE) && ['PTR', 'ANY'].includes(question.type)) || same(question.name, instance),
    );
    if (asked) announce();
  });

  mdns.on('response', (packet, rinfo: RemoteInfo) => {
    if (loopbackOnly && !rinfo.address.startsWith('127.')) return;
    const all = [...packet.answers, ...(packet.additionals ?? [])] as { name: string; type: string; ttl?: number; data?: unknown }[];
    for (const pointer of all) {
      if (pointer.type !== 'PTR' || !same(pointer.name, SERVICE) || typeof pointer.data !== 'string') continue;
      const name = pointer.data;
      const txt = all.find((record) => record.type === 'TXT' && same(record.name, name));
      const id = txt ? txtValue(txt.data, 'id') : undefined;
      if (!id || id === options.id || !publicKeyOf(id)) continue;
      if (pointer.ttl === 0) {
        if (peers.delete(id)) options.onGone(id);
        continue;
      }
      const srv = all.find((record) => record.type === 'SRV' && same(record.name, name));
      const port = Number((srv?.data as { port?: unknown } | undefined)?.port ?? NaN);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) continue;
      const url = `ws://${rinfo.address}:${port}`;
      const httpPort = Number(txtValue(txt!.data, 'http') ?? NaN);
      const http = Number.isInteger(httpPort) && httpPort > 0 && httpPort <= 65535 ? `http://${rinfo.address}:${httpPort}` : undefined;
      const known = peers.get(id);
      if (!known && peers.size >= (options.maxPeers ?? 256)) continue;
      peers.set(id, { id, url, ...(http ? { http } : {}), seen: Date.now() });
      if (known?.url !== url || known.http !== http) options.onPeer({ id, url, ...(http ? { http } : {}) });
    }
  });

  // RFC 6762 §8.3: announce at least twice, one second apart; then refresh before the TTL runs out.
  const timers = [setTimeout(announce, 1000), setTimeout(announce, 3000), setTimeout(query, 1000)];
  const refresh = setInterval(announce, (ttl * 1000) / 2);
  const expire = setInterval(() => {
    const limit = Date.now() - ttl * 1000;
    for (const [id, peer] of peers) {
      if (peer.seen < limit) {
        peers.delete(id);
        options.onGone(id);
      }
    }
  }, 5000);
  for (const timer of [...timers, refresh, expire]) timer.unref();
  announce();
  query();

  let closing: Promise<void> | undefined;
  return {
    peers: () => [...peers.values()].map(({ id, url, http }) => ({ id, url, ...(http ? { http } : {}) })),
    query,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of [...timers, refresh, expire]) clearTimeout(timer);
        // Goodbye (TTL 0) so peers forget us now rather than after a TTL; then close.
        mdns.respond({ answers: records(0) }, () => mdns.destroy(() => resolve()));
      });
      return closing;
    },
  };
}

/** DNS names compare case-insensitively. */
function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function txtValue(data: unknown, key: string): string | undefined {
  const entries = Array.isArray(data) ? data : [data];
  for (const entry of entries) {
    const text = typeof entry === 'string' ? entry : entry instanceof Uint8Array ? Buffer.from(entry).toString('utf8') : '';
    if (text.startsWith(`${key}=`)) return text.slice(key.length + 1);
  }
  return undefined;
}

/** The IPv4 addresses to put in A records: the interface's, or every external one. */
function addresses(iface: string | undefined): string[] {
  if (iface && iface !== '0.0.0.0') return [iface];
  const found = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry!.address);
  return found.length > 0 ? found : ['127.0.0.1'];
}
