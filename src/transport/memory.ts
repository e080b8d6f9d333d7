import type { NodeId } from '../firefly/address.js';
import { systemClock, type Clock } from '../firefly/clock.js';
import { type Device, type DeviceCertificate } from './certificate.js';
import type { Link, LinkClose } from './link.js';

/** Options of a memory link pair (for tests and simulations). */
export interface MemoryLinkOptions {
  /**
   * One-way delay in ms (on `clock`); 0 delivers on the next microtask.
   * @default 0
   */
  latency?: number;
  /**
   * Probability that a packet is silently dropped (simulates a lossy transport; breaks the
   * reliability contract on purpose, for fault tests).
   * @default 0
   */
  loss?: number;
  /**
   * Random source for `loss`, so simulations can be seeded.
   * @default Math.random
   */
  random?: () => number;
  /**
   * Round-trip time the links report, in ms (memory links do not measure).
   * @default 2 × latency, at least 0.05
   */
  rtt?: number;
  /**
   * The clock that delays packets by `latency`, so that simulations can run on a `ManualClock`.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The device certificates of the two ends, `[a, b]`, as each would present it in a handshake
   * (memory links run none: each end's `device` is what the other's certificate says, unchecked).
   * @default no certificates
   */
  certificates?: readonly [DeviceCertificate | undefined, DeviceCertificate | undefined];
}

/** Controls of a memory link pair beyond `close`. */
export interface MemoryLinkControls {
  /** Cuts the pair abruptly: both ends close with `by: 'transport'` (like a pulled cable). */
  cut(reason?: string): void;
  /** Packets dropped by `loss` so far. */
  readonly dropped: number;
}

class MemoryLink implements Link {
  readonly kind = 'memory' as const;
  peer!: MemoryLink;
  closed = false;
  private readonly packetListeners: ((packet: Uint8Array) => void)[] = [];
  private readonly closeListeners: ((close: LinkClose) => void)[] = [];

  device: Device | undefined;
  certificate: DeviceCertificate | undefined;

  constructor(
    readonly remote: NodeId,
    readonly rtt: number,
    private readonly options: Required<Pick<MemoryLinkOptions, 'latency' | 'loss' | 'random' | 'clock'>>,
    private readonly stats: { dropped: number },
  ) {}

  get bufferedAmount(): number {
    return 0;
  }

  send(packet: Uint8Array): void {
    if (this.closed) return;
    if (this.options.loss > 0 && this.options.random() < this.options.loss) {
      this.stats.dropped++;
      return;
    }
    const peer = this.peer;
    const deliver = () => {
      if (!peer.closed) for (const listener of peer.packetListeners) listener(packet);
    };
    if (this.options.latency > 0) this.options.clock.setTimeout(deliver, this.options.latency);
    else queueMicrotask(deliver);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.end({ reason, by: 'local' });
    queueMicrotask(() => this.peer.end({ reason, by: 'remote' }));
  }

  end(close: LinkClose): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) listener(close);
  }

  onPacket(listener: (packet: Uint8Array) => void): void {
    this.packetListeners.push(listener);
  }
  onDrain(): void {
    // A memory link never buffers, so it never needs to drain.
  }
  onClose(listener: (close: LinkClose) => void): void {
    this.closeListeners.push(listener);
  }
}

/**
 * Two ends of an in-process link between nodes `a` and `b`: `[atA, atB, controls]`, where
 * `atA.remote === b`. Both ends are created by the same trusted code, so no handshake runs.
 */
export function memoryLinkPair(a: NodeId, b: NodeId, options: MemoryLinkOptions = {}): [Link, Link, MemoryLinkControls] {
  const settings = {
    latency: options.latency ?? 0,
    loss: options.loss ?? 0,
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
  };
  const rtt = options.rtt ?? Math.max(0.05, 2 * settings.latency);
  const stats = { dropped: 0 };
  const atA = new MemoryLink(b, rtt, settings, stats);
  const atB = new MemoryLink(a, rtt, settings, stats);
  [atA.certificate, atB.certificate] = [options.certificates?.[1], options.certificates?.[0]];
  for (const end of [atA, atB]) {
    const cert = end.certificate;
    if (cert) end.device = { user: cert.user, node: cert.node, name: cert.name, roles: cert.roles, expires: cert.expires };
  }
  atA.peer = atB;
  atB.peer = atA;
  const controls: MemoryLinkControls = {
    cut(reason = 'cut') {
      atA.end({ reason, by: 'transport' });
      atB.end({ reason, by: 'transport' });
    },
    get dropped() {
      return stats.dropped;
    },
  };
  return [atA, atB, controls];
}
