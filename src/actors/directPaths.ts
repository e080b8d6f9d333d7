/**
 * Direct paths: a node reached only through others (two homes that meet through a VPS) is
 * offered a direct WebRTC link, negotiated through the mesh itself, with STUN candidates from the
 * servers that public nodes of the mesh run. Where the NATs let it through (hole punching), the
 * router then prefers the direct link; where they do not, traffic keeps going through the mesh,
 * and the attempt is made again with backoff, so a path that becomes possible later is taken.
 */
import type { NodeId } from '../firefly/address.js';
import type { Mesh } from './mesh.js';
import { RTC_RESOURCE, RtcInterface } from './meshSignals.js';

/** Options of {@link keepDirectPaths}. */
export interface DirectPathOptions {
  /** Whether a direct link to `node` is wanted (e.g. one of this user's devices). */
  wanted(node: NodeId): boolean;
  /**
   * Whether this node dials `peer` (the other end only answers). Both ends must agree.
   * @default the smaller node id dials
   */
  dials?(peer: NodeId): boolean;
  /** Wait after the first failed attempt, ms; it doubles up to `max`. @default 2000 */
  initial?: number;
  /** Longest wait between attempts, ms. @default 60000 */
  max?: number;
  /** How often relayed destinations are looked over, and STUN servers asked again, ms. @default 5000 */
  every?: number;
  /**
   * How long one negotiation may take, ms: a hole is punched within a second or two when it can be
   * at all, and ICE takes much longer to give up by itself.
   * @default 5000
   */
  timeout?: number;
  /** Most negotiations at once. @default 2 */
  concurrency?: number;
  /** What happened: a direct link made (`ms` from the start of the attempt) or an attempt that failed. */
  log?(event: { event: 'direct.linked'; peer: NodeId; ms: number } | { event: 'direct.failed'; peer: NodeId; failures: number; retryIn: number; reason: string }): void;
}

/** When no neighbour told of a STUN server, ms before they are asked again. */
const ASK_AGAIN_EMPTY = 500;

/** After a direct link closed, ms before the next look: the route through others settles first. */
const RESWEEP_AFTER_LOSS = 1000;

interface Attempts {
  failures: number;
  /** When the next attempt may start (ms, performance.now()). */
  next: number;
}

/** Running direct paths. */
export interface DirectPaths {
  /** Something `wanted` reads changed (a device became known): look over the relayed nodes soon. */
  lookAgain(): void;
  /** This machine's network changed: paths that failed may work now, so every wait ends. */
  networkChanged(): void;
  stop(): void;
}

/** Seeks direct links to the wanted nodes this mesh reaches through others. */
export function keepDirectPaths(mesh: Mesh, options: DirectPathOptions): DirectPaths {
  const { initial = 2000, max = 60_000, every = 5000, timeout = 5000, concurrency = 2 } = options;
  const dials = options.dials ?? ((peer: NodeId) => mesh.id < peer);
  const attempts = new Map<NodeId, Attempts>();
  const running = new Set<NodeId>();
  let stopped = false;
  let learnedAt = -Infinity;

  const linked = (node: NodeId) => mesh.router.neighbours().some((neighbour) => neighbour.node === node);

  /** Asks the neighbours which STUN servers they run (a public node does), at most once per `every`. */
  async function learnIceServers(): Promise<void> {
    if (performance.now() - learnedAt < every) return;
    // Learned once per `every` when someone told of a server; asked again soon otherwise (at a
    // start, before the first link to a public node, there is no one to ask).
    learnedAt = performance.now() - every + ASK_AGAIN_EMPTY;
    const answers = await Promise.all(
      mesh.router.neighbours().map((neighbour) =>
        mesh.node
          .ref({ node: neighbour.node, local: RTC_RESOURCE }, RtcInterface)
          .call('iceServers', {}, { timeout: 2000 })
          .catch(() => [] as string[]),
      ),
    );
    if (stopped) return;
    mesh.learnIceServers(answers.flat());
    if (mesh.iceServers().length > 0) learnedAt = performance.now();
  }

  async function attempt(peer: NodeId): Promise<void> {
    running.add(peer);
    const started = performance.now();
    try {
      await learnIceServers();
      const link = await mesh.connectRtc(peer, { timeout });
      attempts.delete(peer);
      options.log?.({ event: 'direct.linked', peer, ms: Math.round(performance.now() - started) });
      // Lost later (a network change at either end): tried again once the routes have settled.
      link.onClose(() => {
        attempts.delete(peer);
        if (!stopped) setTimeout(sweep, RESWEEP_AFTER_LOSS).unref?.();
      });
    } catch (error) {
      const state = attempts.get(peer) ?? { failures: 0, next: 0 };
      state.failures++;
      const retryIn = Math.min(max, initial * 2 ** (state.failures - 1));
      state.next = performance.now() + retryIn;
      attempts.set(peer, state);
      options.log?.({ event: 'direct.failed', peer, failures: state.failures, retryIn, reason: (error as Error).message });
      setTimeout(sweep, retryIn).unref?.();
    } finally {
      running.delete(peer);
    }
  }

  function sweep(): void {
    if (stopped) return;
    const now = performance.now();
    for (const route of mesh.router.routes()) {
      const peer = route.destination;
      if (running.size >= concurrency) return;
      // Two nodes that both keep direct paths would dial each other at once: one of them dials.
      if (route.nextHop === peer || !dials(peer) || running.has(peer)) continue;
      if ((attempts.get(peer)?.next ?? 0) > now || linked(peer) || !options.wanted(peer)) continue;
      // attempt() settles every outcome itself; only a throwing log callback could reach here.
      attempt(peer).catch(() => undefined);
    }
  }

  // The answering side of a negotiation needs the servers as much as the dialling one: a
  // negotiation waits for them (once per `every`) before it gathers candidates.
  mesh.useIceServerSource(learnIceServers);
  // Learning needs no wanted peer: the answering side of a negotiation uses the servers too.
  const learn = () => {
    learnIceServers().catch(() => undefined);
  };
  const stopListening = mesh.router.onReachability((event) => {
    if (!event.reachable) return attempts.delete(event.node);
    // A node that has just become reachable is looked at once its routes settle.
    setTimeout(sweep, 50).unref?.();
    learn();
  });
  const timer = setInterval(() => {
    learn();
    sweep();
  }, every);
  timer.unref?.();
  return {
    lookAgain() {
      setTimeout(sweep, 50).unref?.();
    },
    networkChanged() {
      attempts.clear();
      learnedAt = -Infinity;
      // After the links have had their probe (Mesh.probeLinks) and the routes settled.
      setTimeout(sweep, 500).unref?.();
    },
    stop() {
      stopped = true;
      mesh.useIceServerSource(undefined);
      stopListening();
      clearInterval(timer);
    },
  };
}
