/**
 * An in-memory mesh of routers for the routing benchmarks: `Router`s on endpoints that drop what
 * they receive, joined by the transport's memory links (one-way latency 1 ms, RTTs drawn from
 * 1–20 ms, as in the router's own simulation test), on a seeded random topology; and the check
 * that every routing table agrees with the topology.
 */
import type { NodeId } from '../../src/firefly/address.js';
import { DEFAULT_HOP_LIMIT } from '../../src/firefly/packet.js';
import type { RouterOptions } from '../../src/router/options.js';
import { createIdentity } from '../../src/transport/identity.js';
import { Router } from '../../src/router/router.js';
import { memoryLinkPair, type MemoryLinkControls } from '../../src/transport/memory.js';

/** A small seeded PRNG (mulberry32): a run replays the same topology and events. */
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

/** One-way latency of every link, ms. */
const LATENCY = 1;

/** Routers `0…size-1` (ids `r0000`…) and the links between them; indices name them here. */
export class RouterMesh {
  readonly ids: NodeId[];
  readonly routers: (Router | undefined)[];
  /** Neighbours of each router, by index. */
  readonly adjacency: Set<number>[];
  private readonly links = new Map<string, MemoryLinkControls>();
  private readonly index = new Map<NodeId, number>();

  constructor(
    size: number,
    private readonly random: () => number,
    options: RouterOptions = {},
    /** Whether routers have real keys and sign their seqnos (ids are then the keys, not `r0000`…). */
    signed = false,
  ) {
    const identities = signed ? Array.from({ length: size }, () => createIdentity()) : undefined;
    this.ids = identities ? identities.map((identity) => identity.id) : Array.from({ length: size }, (_, i) => `r${String(i).padStart(4, '0')}`);
    this.ids.forEach((id, i) => this.index.set(id, i));
    this.adjacency = this.ids.map(() => new Set<number>());
    // The routers' jitter draws from a stream of its own, so that the topology and the events
    // replay exactly whatever the timing.
    const jitter = seeded(Math.floor(random() * 2 ** 32));
    this.routers = this.ids.map(
      (id, i) => new Router({ id, receive() {}, nodeUnreachable() {} }, { random: jitter, ...options, ...(identities ? { identity: identities[i]! } : {}) }),
    );
  }

  /** A random connected topology of average degree `degree`: a random spanning tree, then random extra links. */
  static random(size: number, degree: number, seed: number, options: RouterOptions = {}, signed = false): RouterMesh {
    const random = seeded(seed);
    const mesh = new RouterMesh(size, random, options, signed);
    for (let i = 1; i < size; i++) mesh.link(i, Math.floor(random() * i));
    const edges = Math.round((size * degree) / 2);
    while (mesh.links.size < edges) {
      const a = Math.floor(random() * size);
      const b = Math.floor(random() * size);
      if (a !== b && !mesh.adjacency[a]!.has(b)) mesh.link(a, b);
    }
    return mesh;
  }

  get edges(): number {
    return this.links.size;
  }

  link(a: number, b: number): void {
    const [atA, atB, controls] = memoryLinkPair(this.ids[a]!, this.ids[b]!, { latency: LATENCY, rtt: 1 + Math.floor(this.random() * 20) });
    this.routers[a]!.addLink(atA);
    this.routers[b]!.addLink(atB);
    this.links.set(key(a, b), controls);
    this.adjacency[a]!.add(b);
    this.adjacency[b]!.add(a);
  }

  /** Cuts a link abruptly (both ends see it close, as when a cable is pulled). */
  cut(a: number, b: number): void {
    this.links.get(key(a, b))?.cut();
    this.links.delete(key(a, b));
    this.adjacency[a]!.delete(b);
    this.adjacency[b]!.delete(a);
  }

  /** Removes a router: its links are cut and it stops. */
  remove(node: number): void {
    for (const other of [...this.adjacency[node]!]) this.cut(node, other);
    this.routers[node]!.close();
    this.routers[node] = undefined;
  }

  /** A random link, as `[a, b]`. */
  randomLink(): [number, number] {
    const keys = [...this.links.keys()];
    const [a, b] = keys[Math.floor(this.random() * keys.length)]!.split('-').map(Number) as [number, number];
    return [a, b];
  }

  /** A random router still running. */
  randomRouter(): number {
    const alive = this.routers.flatMap((router, i) => (router ? [i] : []));
    return alive[Math.floor(this.random() * alive.length)]!;
  }

  /** Component label of every running router (undefined for removed ones). */
  components(): Int32Array {
    const label = new Int32Array(this.ids.length).fill(-1);
    let next = 0;
    for (let start = 0; start < this.ids.length; start++) {
      if (!this.routers[start] || label[start] !== -1) continue;
      const stack = [start];
      label[start] = next;
      while (stack.length > 0) {
        for (const neighbour of this.adjacency[stack.pop()!]!) {
          if (label[neighbour] !== -1) continue;
          label[neighbour] = next;
          stack.push(neighbour);
        }
      }
      next++;
    }
    return label;
  }

  /**
   * Undefined when every routing table agrees with the topology; otherwise what is wrong: for
   * every destination, following next hops from any router of its component leads to it within
   * the hop limit, and no router routes to a router outside its component (or a removed one).
   */
  disagreement(component: Int32Array = this.components()): string | undefined {
    const size = this.ids.length;
    // Every router's next hop to every destination (-1: none), read in one pass over its routes.
    const next = new Int16Array(size * size).fill(-1);
    for (let from = 0; from < size; from++) {
      const router = this.routers[from];
      if (!router) continue;
      for (const route of router.routes()) {
        const to = this.index.get(route.destination);
        const hop = this.index.get(route.nextHop);
        if (to === undefined || hop === undefined) return `${this.ids[from]} routes to an unknown router`;
        next[from * size + to] = hop;
      }
    }
    // Per destination, whether a router reaches it: 0 not yet known, 1 yes, 2 on the walk now.
    const state = new Uint8Array(size);
    const depth = new Uint8Array(size);
    const path: number[] = [];
    for (let to = 0; to < size; to++) {
      state.fill(0);
      depth[to] = 0;
      const alive = this.routers[to] !== undefined;
      if (alive) state[to] = 1;
      for (let from = 0; from < size; from++) {
        if (!this.routers[from] || from === to) continue;
        if (!alive || component[from] !== component[to]) {
          if (next[from * size + to] !== -1) return `${this.ids[from]} routes to ${this.ids[to]}, which it cannot reach`;
          continue;
        }
        path.length = 0;
        let at = from;
        while (state[at] !== 1) {
          if (state[at] === 2) return `a loop through ${this.ids[at]} towards ${this.ids[to]}`;
          state[at] = 2;
          path.push(at);
          const hop = next[at * size + to]!;
          if (hop === -1) return `${this.ids[at]} has no route to ${this.ids[to]}`;
          if (!this.adjacency[at]!.has(hop)) return `${this.ids[at]} routes to ${this.ids[to]} through ${this.ids[hop]}, not a neighbour`;
          at = hop;
        }
        // Everything on the walk reaches the destination, one hop further than the next.
        for (let i = path.length - 1; i >= 0; i--) {
          const node = path[i]!;
          depth[node] = depth[i === path.length - 1 ? at : path[i + 1]!]! + 1;
          if (depth[node]! > DEFAULT_HOP_LIMIT) return `${this.ids[node]} is more than ${DEFAULT_HOP_LIMIT} hops from ${this.ids[to]}`;
          state[node] = 1;
        }
      }
    }
    return undefined;
  }

  close(): void {
    for (const router of this.routers) router?.close();
  }
}

function key(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}
