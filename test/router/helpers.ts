import { decodeValue, encodeValue } from '../../src/firefly/codec.js';
import { errorFromWire, type GlowError } from '../../src/firefly/errors.js';
import type { NodeId } from '../../src/firefly/address.js';
import { decodePacket, DEFAULT_HOP_LIMIT, encodePacket, PacketKind, PROTOCOL_VERSION, type Packet } from '../../src/firefly/packet.js';
import type { LocalEndpoint } from '../../src/router/port.js';
import { Router, ROUTER_LOCAL } from '../../src/router/router.js';
import { encodeRouteBody, type RouteMessage } from '../../src/router/updates.js';
import type { RouterOptions } from '../../src/router/options.js';
import { memoryLinkPair, type MemoryLinkControls, type MemoryLinkOptions } from '../../src/transport/memory.js';

/** A local endpoint that records what the router hands it. */
export class Endpoint implements LocalEndpoint {
  readonly received: Packet[] = [];
  readonly unreachable: NodeId[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly id: NodeId) {}

  receive(packet: Packet | Uint8Array): void {
    this.received.push(packet instanceof Uint8Array ? decodePacket(packet) : packet);
    for (const wake of this.waiters) wake();
  }

  nodeUnreachable(node: NodeId): void {
    this.unreachable.push(node);
    for (const wake of this.waiters) wake();
  }

  /** Resolves with the first received packet that matches, waiting at most `timeout` ms. */
  next(match: (packet: Packet) => boolean, timeout = 1000): Promise<Packet> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received.find(match);
        if (!found) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching packet reached ${this.id} within ${timeout} ms`));
      }, timeout);
      if (!check()) this.waiters.add(check);
    });
  }
}

/** A packet from `src` (node) to `dst` (node), with sane defaults. */
export function packet(src: NodeId, dst: NodeId, changes: Partial<Packet> = {}): Packet {
  return {
    version: PROTOCOL_VERSION,
    kind: PacketKind.call,
    src: { node: src, local: 'caller' },
    dst: { node: dst, local: 'target' },
    hop: DEFAULT_HOP_LIMIT,
    corr: 1,
    method: 'ping',
    body: encodeValue({ hello: 'world' }),
    ...changes,
  };
}

/** The error an `error` packet carries. */
export function errorOf(packet: Packet): GlowError {
  expect(packet.kind).toBe(PacketKind.error);
  return errorFromWire(decodeValue(packet.body));
}

/** Routers on fake endpoints, linked by memory links; `close()` ends them all. */
export class Mesh {
  readonly routers = new Map<NodeId, Router>();
  readonly endpoints = new Map<NodeId, Endpoint>();
  readonly links = new Map<string, MemoryLinkControls>();

  constructor(private readonly defaults: RouterOptions = {}) {}

  add(id: NodeId, options: RouterOptions = {}): Router {
    const endpoint = new Endpoint(id);
    const router = new Router(endpoint, { ...this.defaults, ...options });
    this.endpoints.set(id, endpoint);
    this.routers.set(id, router);
    return router;
  }

  router(id: NodeId): Router {
    const router = this.routers.get(id);
    if (!router) throw new Error(`no router ${id}`);
    return router;
  }

  endpoint(id: NodeId): Endpoint {
    const endpoint = this.endpoints.get(id);
    if (!endpoint) throw new Error(`no endpoint ${id}`);
    return endpoint;
  }

  /** Links two routers; the key `a-b` (or the given one) names the link for `cut`. */
  link(a: NodeId, b: NodeId, options: MemoryLinkOptions = {}, key = linkKey(a, b)): MemoryLinkControls {
    const [atA, atB, controls] = memoryLinkPair(a, b, options);
    this.router(a).addLink(atA);
    this.router(b).addLink(atB);
    this.links.set(key, controls);
    return controls;
  }

  cut(a: NodeId, b: NodeId, key = linkKey(a, b)): void {
    const controls = this.links.get(key);
    if (!controls) throw new Error(`no link ${key}`);
    controls.cut();
    this.links.delete(key);
  }

  close(): void {
    for (const router of this.routers.values()) router.close();
  }
}

/** A link's name, whichever end is named first. */
export function linkKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** A small seeded PRNG (mulberry32): simulations replay exactly. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Follows next hops from `from` to `to`; the path, or a string saying why it failed. */
export function walk(routers: ReadonlyMap<NodeId, Router>, from: NodeId, to: NodeId, hopLimit = DEFAULT_HOP_LIMIT): NodeId[] | string {
  const path = [from];
  const seen = new Set([from]);
  let at = from;
  while (at !== to) {
    const next = routers.get(at)?.route(to)?.nextHop;
    if (next === undefined) return `${at} has no route to ${to} (path ${path.join('→')})`;
    if (seen.has(next)) return `loop at ${next} (path ${path.join('→')}→${next})`;
    if (path.length > hopLimit) return `longer than the hop limit (path ${path.join('→')})`;
    seen.add(next);
    path.push(next);
    at = next;
  }
  return path;
}

/** The bytes of a route packet from `src`'s router to `dst`'s, carrying `messages`. */
export function routePacket(src: NodeId, dst: NodeId, messages: RouteMessage[]): Uint8Array {
  return encodePacket({
    version: PROTOCOL_VERSION,
    kind: PacketKind.route,
    src: { node: src, local: ROUTER_LOCAL },
    dst: { node: dst, local: ROUTER_LOCAL },
    hop: 1,
    corr: 0,
    method: '',
    body: encodeRouteBody(messages),
  });
}

/**
 * A hand-driven neighbour: the far end of a memory link into `router`, so a test can send it
 * any bytes and see what it answers. Route packets it receives are kept apart from the rest.
 */
export function rawNeighbour(router: Router, id: NodeId, options: MemoryLinkOptions = {}) {
  const [atRouter, atRaw, controls] = memoryLinkPair(router.id, id, options);
  const packets: Packet[] = [];
  const routeBodies: Uint8Array[] = [];
  atRaw.onPacket((bytes) => {
    const received = decodePacket(bytes);
    if (received.kind === PacketKind.route) routeBodies.push(received.body);
    else packets.push(received);
  });
  router.addLink(atRouter);
  return { link: atRaw, controls, packets, routeBodies, send: (bytes: Uint8Array) => atRaw.send(bytes) };
}
