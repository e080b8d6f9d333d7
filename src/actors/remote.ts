import type { Clock } from '../firefly/clock.js';
import { decodeValue, encodeValue } from '../firefly/codec.js';
import { errorFromWire, errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import type { NodeId, ResourceId } from '../firefly/address.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { DEFAULT_HOP_LIMIT, PacketKind, PROTOCOL_VERSION, type Packet } from '../firefly/packet.js';
import type { PacketPort } from '../router/port.js';
import { DeadlineTimer } from './deadlines.js';
import { PendingCalls } from './pendingCalls.js';
import type { RemoteSignalPort } from './signals.js';
import type { NodeStats } from './stats.js';
import type { ExitReason } from './types.js';

/** What the outgoing side needs from its node. */
export interface RemoteHost {
  /** The node resource: the source of packets that no resource of ours sent. */
  readonly self: ResourceId;
  readonly limits: ReceiveLimits;
  readonly stats: NodeStats;
  readonly clock: Clock;
}

interface RemoteMonitor {
  node: NodeId;
  fire: (reason: ExitReason) => void;
}

const CLEAN_REASONS = new Set(['normal', 'shutdown', 'killed', 'noproc', 'noconnection']);

/** Reads an exit reason from untrusted data; anything malformed becomes a crash with `badpacket`. */
export function reasonFromWire(value: unknown): ExitReason {
  if (typeof value === 'string' && CLEAN_REASONS.has(value)) return value as ExitReason;
  if (value === 'kill') return 'killed';
  const error = typeof value === 'object' && value !== null ? (value as { error?: unknown }).error : undefined;
  return { error: errorToWire(error === undefined ? new GlowError('badpacket', 'malformed exit reason') : errorFromWire(error)) };
}

/**
 * What a node sends to other nodes and the answers it waits for: calls (with their deadlines),
 * casts, signals, monitors it holds on remote resources. Answers come back through the door
 * (`door.ts`), which hands them here; nothing here reads a packet a peer chose to send us.
 */
export class Remote implements RemoteSignalPort {
  private port?: PacketPort;
  private seq = 0;
  private readonly pending = new PendingCalls();
  private readonly deadlines: DeadlineTimer;
  /** Monitors this node holds on remote resources, by monitor id. */
  private readonly watching = new Map<number, RemoteMonitor>();

  constructor(private readonly host: RemoteHost) {
    this.deadlines = new DeadlineTimer(host.clock, (now) => this.timeOut(now));
  }

  /** Attaches the port packets leave through. */
  attach(port: PacketPort): void {
    this.port = port;
  }

  /** True once a port is attached (without one, every other node is unreachable). */
  get connected(): boolean {
    return this.port !== undefined;
  }

  /** A fresh correlation id. */
  nextCorr(): number {
    return ++this.seq;
  }

  /** Sends a packet from `src` (the node resource unless said otherwise). */
  send(kind: PacketKind, dst: ResourceId, corr: number, method: string, body: Uint8Array, src: ResourceId = this.host.self): void {
    this.port?.send({ version: PROTOCOL_VERSION, kind, src, dst, hop: DEFAULT_HOP_LIMIT, corr, method, body });
  }

  /** Sends an error to whoever waits on `corr` at `dst`. */
  sendError(dst: ResourceId, corr: number, error: GlowError): void {
    if (!this.port) return;
    this.send(PacketKind.error, dst, corr, '', encodeValue(errorToWire(error)));
  }

  // ---- calls -------------------------------------------------------------------------------

  call(id: ResourceId, member: string, args: unknown, timeout: number): Promise<unknown> {
    if (!this.port) return Promise.reject(new GlowError('noconnection', `no route to node ${id.node}`));
    let body: Uint8Array;
    try {
      body = encodeValue(args);
    } catch (error) {
      return Promise.reject(toGlowError(error, 'badarg'));
    }
    const corr = this.nextCorr();
    return new Promise((resolve, reject) => {
      const deadline = this.host.clock.now() + timeout;
      this.pending.add({ corr, node: id.node, resolve, reject, deadline, timeout });
      this.deadlines.add(deadline);
      this.send(PacketKind.call, id, corr, member, body);
    });
  }

  /** Fails the calls whose deadline has passed; answers the earliest deadline left. */
  private timeOut(now: number): number | undefined {
    let next: number | undefined;
    for (const call of this.pending.all()) {
      if (call.deadline <= now) {
        this.pending.delete(call);
        call.reject(new GlowError('timeout', `no reply from node ${call.node} within ${call.timeout} ms`, { timeout: call.timeout }));
      } else if (next === undefined || call.deadline < next) next = call.deadline;
    }
    return next;
  }

  /** A reply or error for one of our calls; false when `corr` is not a call of ours. */
  settle(packet: Packet): boolean {
    const call = this.pending.get(packet.corr);
    if (!call) return false;
    // A reply from a node the call did not go to is forged or stale: drop it, count it.
    if (call.node !== packet.src.node) {
      this.host.stats.packetsRejected++;
      return true;
    }
    this.pending.delete(call);
    if (this.pending.size === 0) this.deadlines.idle();
    let value: unknown;
    try {
      value = decodeValue(packet.body, this.host.limits);
    } catch (error) {
      call.reject(toGlowError(error, 'badpacket'));
      return true;
    }
    if (packet.kind === PacketKind.reply) call.resolve(value);
    else call.reject(errorFromWire(value));
    return true;
  }

  /** Casts; a cast that cannot leave is returned as an error (the node counts it). */
  cast(id: ResourceId, member: string, args: unknown): GlowError | undefined {
    if (!this.port) return new GlowError('noconnection', `no route to node ${id.node}`);
    try {
      this.send(PacketKind.cast, id, 0, member, encodeValue(args));
    } catch (error) {
      return toGlowError(error, 'badarg');
    }
    return undefined;
  }

  // ---- signals -----------------------------------------------------------------------------

  signal(name: 'link' | 'unlink' | 'exit', from: ResourceId, target: ResourceId, reason?: ExitReason | 'kill'): boolean {
    if (!this.port) return false;
    this.send(PacketKind.signal, target, 0, name, encodeValue(reason ?? null), from);
    return true;
  }

  monitor(target: ResourceId, monitor: number, fire: (reason: ExitReason) => void): boolean {
    if (!this.port) return false;
    this.watching.set(monitor, { node: target.node, fire });
    this.send(PacketKind.signal, target, monitor, 'monitor', encodeValue(null));
    return true;
  }

  demonitor(node: NodeId, monitor: number): void {
    if (!this.watching.delete(monitor) || !this.port) return;
    this.send(PacketKind.signal, { node, local: 'node' }, monitor, 'demonitor', encodeValue(null));
  }

  /** A `down` signal answering one of our monitors. */
  down(packet: Packet): void {
    const watch = this.watching.get(packet.corr);
    if (!watch || watch.node !== packet.src.node) {
      this.host.stats.packetsRejected++;
      return;
    }
    this.watching.delete(packet.corr);
    let reason: ExitReason;
    try {
      reason = reasonFromWire(decodeValue(packet.body, this.host.limits));
    } catch {
      reason = { error: errorToWire(new GlowError('badpacket', 'malformed DOWN')) };
    }
    watch.fire(reason);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Calls and monitors waiting (for tests of what is kept). */
  get waiting(): { calls: number; monitors: number } {
    return { calls: this.pending.size, monitors: this.watching.size };
  }

  /** A node is gone: its pending calls and our monitors on it end with `noconnection` now. */
  nodeUnreachable(node: NodeId): void {
    for (const call of this.pending.all()) {
      if (call.node !== node) continue;
      this.pending.delete(call);
      call.reject(new GlowError('noconnection', `node ${node} is unreachable`));
    }
    if (this.pending.size === 0) this.deadlines.idle();
    for (const [monitor, watch] of this.watching) {
      if (watch.node !== node) continue;
      this.watching.delete(monitor);
      watch.fire('noconnection');
    }
  }

  /** The node shuts down: every call waiting fails. */
  close(): void {
    this.deadlines.clear();
    for (const call of this.pending.all()) {
      this.pending.delete(call);
      call.reject(new GlowError('noconnection', 'the node shut down'));
    }
  }
}
