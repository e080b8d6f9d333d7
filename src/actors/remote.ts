import { decodeValue, encodeValue } from '../firefly/codec.js';
import { errorFromWire, errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import type { NodeId, ResourceId } from '../firefly/address.js';
import { decodePacket, DEFAULT_HOP_LIMIT, PacketKind, PacketRejection, PROTOCOL_VERSION, type Packet } from '../firefly/packet.js';
import type { Node } from './node.js';
import type { PacketPort } from '../router/port.js';
import { DeadlineTimer } from './deadlines.js';
import { RemoteStreams } from './remoteStreams.js';
import type { ExitReason, Replier, StreamSink } from './types.js';
import { PendingCalls, type PendingCall } from './pendingCalls.js';

interface RemoteMonitor {
  node: NodeId;
  fire: (reason: ExitReason) => void;
}

const CLEAN_REASONS = new Set(['normal', 'shutdown', 'killed', 'noproc', 'noconnection']);

/** Reads an exit reason from untrusted data; anything malformed becomes a crash with `badpacket`. */
function reasonFromWire(value: unknown): ExitReason {
  if (typeof value === 'string' && CLEAN_REASONS.has(value)) return value as ExitReason;
  if (value === 'kill') return 'killed';
  const error = typeof value === 'object' && value !== null ? (value as { error?: unknown }).error : undefined;
  return { error: errorToWire(error === undefined ? new GlowError('badpacket', 'malformed exit reason') : errorFromWire(error)) };
}

/**
 * Everything a node does with packets: calls, casts and monitors to resources of other nodes,
 * and serving those that arrive. Bad packets are answered with a typed error when the sender
 * can be named, and counted either way; nothing here throws into the caller of `receive`.
 */
export class Remote {
  port?: PacketPort;
  private seq = 0;
  private readonly pending = new PendingCalls();
  private readonly deadlines = new DeadlineTimer((now) => this.timeOut(now));
  /** Monitors this node holds on remote resources, by monitor id. */
  private readonly watching = new Map<number, RemoteMonitor>();
  /** Monitors remote nodes hold on our resources: `node:monitor` → our local monitor id. */
  private readonly watched = new Map<string, number>();

  private readonly streams: RemoteStreams;

  constructor(private readonly node: Node) {
    this.streams = new RemoteStreams(node, (kind, dst, corr, method, body) => this.send(kind, dst, corr, method, body));
  }

  private send(kind: PacketKind, dst: ResourceId, corr: number, method: string, body: Uint8Array, src: ResourceId = this.node.self.id): void {
    this.port?.send({ version: PROTOCOL_VERSION, kind, src, dst, hop: DEFAULT_HOP_LIMIT, corr, method, body });
  }

  private sendError(dst: ResourceId, corr: number, error: GlowError): void {
    if (!this.port) return;
    this.send(PacketKind.error, dst, corr, '', encodeValue(errorToWire(error)));
  }

  // ---- outgoing --------------------------------------------------------------------------

  call(id: ResourceId, member: string, args: unknown, timeout: number): Promise<unknown> {
    if (!this.port) return Promise.reject(new GlowError('noconnection', `no route to node ${id.node}`));
    let body: Uint8Array;
    try {
      body = encodeValue(args);
    } catch (error) {
      return Promise.reject(toGlowError(error, 'badarg'));
    }
    const corr = ++this.seq;
    return new Promise((resolve, reject) => {
      const deadline = DeadlineTimer.now() + timeout;
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

  cast(id: ResourceId, member: string, args: unknown): void {
    if (!this.port) return this.node.castFailed(id, new GlowError('noconnection', `no route to node ${id.node}`));
    try {
      this.send(PacketKind.cast, id, 0, member, encodeValue(args));
    } catch (error) {
      this.node.castFailed(id, toGlowError(error, 'badarg'));
    }
  }

  stream(id: ResourceId, member: string, args: unknown, sink: StreamSink): void {
    if (!this.port) return sink.error(new GlowError('noconnection', `no route to node ${id.node}`));
    this.streams.open(++this.seq, id, member, args, sink);
  }

  /**
   * A link, unlink or exit signal from a local resource to one on another node. Without a port
   * the other side is unreachable: a link (or exit) ends as `noconnection` at once.
   */
  signal(name: 'link' | 'unlink' | 'exit', from: ResourceId, target: ResourceId, reason?: ExitReason | 'kill'): void {
    if (!this.port) {
      if (name === 'link') queueMicrotask(() => this.node.signalTable.exitFromRemote(from, target, 'noconnection'));
      return;
    }
    this.send(PacketKind.signal, target, 0, name, encodeValue(reason ?? null), from);
  }

  monitor(target: ResourceId, monitor: number, fire: (reason: ExitReason) => void): void {
    if (!this.port) {
      queueMicrotask(() => fire('noconnection'));
      return;
    }
    this.watching.set(monitor, { node: target.node, fire });
    this.send(PacketKind.signal, target, monitor, 'monitor', encodeValue(null));
  }

  demonitor(node: NodeId, monitor: number): void {
    if (!this.watching.delete(monitor) || !this.port) return;
    this.send(PacketKind.signal, { node, local: 'node' }, monitor, 'demonitor', encodeValue(null));
  }

  /** A node is gone: its pending calls and monitors end with `noconnection` now. */
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
    for (const [key, local] of this.watched) {
      if (!key.startsWith(`${node}:`)) continue;
      this.watched.delete(key);
      this.node.signalTable.demonitor(local);
    }
    this.streams.nodeUnreachable(node);
    this.node.signalTable.nodeUnreachable(node);
  }

  close(): void {
    this.deadlines.clear();
    for (const call of this.pending.all()) {
      this.pending.delete(call);
      call.reject(new GlowError('noconnection', 'the node shut down'));
    }
    this.streams.close();
  }

  // ---- incoming --------------------------------------------------------------------------

  receive(input: Packet | Uint8Array): void {
    let packet: Packet;
    if (input instanceof Uint8Array) {
      try {
        packet = decodePacket(input, this.node.limits);
      } catch (error) {
        this.node.stats.packetsRejected++;
        if (error instanceof PacketRejection && error.src) this.sendError(error.src, error.corr ?? 0, error);
        return;
      }
    } else {
      packet = input;
    }
    // Every packet goes through here: no closure is made for it unless it is needed.
    if (packet.dst.node !== this.node.id) return this.refuse(packet, new GlowError('noconnection', `this node is not ${packet.dst.node}`));
    switch (packet.kind) {
      case PacketKind.call:
        return this.serveCall(packet);
      case PacketKind.cast:
        return this.serveCast(packet);
      case PacketKind.reply:
      case PacketKind.error: {
        const call = this.pending.get(packet.corr);
        if (call) return this.settle(packet, call);
        if (!this.streams.consumerPacket(packet)) this.node.stats.packetsRejected++;
        return;
      }
      case PacketKind.item:
      case PacketKind.end:
        if (!this.streams.consumerPacket(packet)) this.refuse(packet, new GlowError('noproc', 'no such stream'));
        return;
      case PacketKind.stream:
        return this.streams.serve(packet, (error) => this.refuse(packet, error));
      case PacketKind.credit:
      case PacketKind.cancel:
        return this.streams.producerPacket(packet);
      case PacketKind.signal:
        return this.serveSignal(packet);
      default:
        // route and rtc packets are the router's; one reaching the node came from a confused peer.
        return this.refuse(packet, new GlowError('unsupported', `packet kind ${packet.kind} is not served by this node`));
    }
  }

  /** A packet this node cannot serve: counted, and its sender told (unless it was an answer). */
  private refuse(packet: Packet, error: GlowError): void {
    this.node.stats.packetsRejected++;
    // Never answer an answer: an error about an error could ping-pong forever.
    if (packet.kind !== PacketKind.error && packet.kind !== PacketKind.reply) this.sendError(packet.src, packet.corr, error);
  }

  /** The packet's body; a body that does not decode is refused (with `refuse`) or just ignored. */
  private decodeBody(packet: Packet, refuse = true): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: decodeValue(packet.body, this.node.limits) };
    } catch (error) {
      if (refuse) this.refuse(packet, toGlowError(error, 'badpacket'));
      return { ok: false };
    }
  }

  private serveCall(packet: Packet): void {
    const cell = this.node.cell(packet.dst.local);
    if (!cell) return this.refuse(packet, new GlowError('noproc', `no resource ${packet.dst.local} on node ${this.node.id}`));
    const body = this.decodeBody(packet);
    if (!body.ok) return;
    cell.accept('glow.call', packet.method, body.value, new CallReplier(this, packet), packet.src);
  }

  /** @internal Answers a call that came in `packet` with its result. */
  answer(packet: Packet, value: unknown): void {
    let encoded: Uint8Array;
    try {
      encoded = encodeValue(value);
    } catch (error) {
      return this.sendError(packet.src, packet.corr, toGlowError(error, 'crashed'));
    }
    this.send(PacketKind.reply, packet.src, packet.corr, '', encoded);
  }

  /** @internal Answers a call that came in `packet` with an error. */
  answerError(packet: Packet, error: GlowError): void {
    this.sendError(packet.src, packet.corr, error);
  }

  private serveCast(packet: Packet): void {
    const cell = this.node.cell(packet.dst.local);
    const body = this.decodeBody(packet);
    if (!body.ok) return;
    const error = cell ? cell.accept('glow.cast', packet.method, body.value, undefined, packet.src) : new GlowError('noproc', `no resource ${packet.dst.local}`);
    if (error) this.node.castFailed(packet.dst, error);
  }

  private settle(packet: Packet, call: PendingCall): void {
    // A reply from a node the call did not go to is forged or stale: drop it, count it.
    if (call.node !== packet.src.node) {
      this.node.stats.packetsRejected++;
      return;
    }
    this.pending.delete(call);
    if (this.pending.size === 0) this.deadlines.idle();
    let value: unknown;
    try {
      value = decodeValue(packet.body, this.node.limits);
    } catch (error) {
      return call.reject(toGlowError(error, 'badpacket'));
    }
    if (packet.kind === PacketKind.reply) call.resolve(value);
    else call.reject(errorFromWire(value));
  }

  private serveSignal(packet: Packet): void {
    const key = `${packet.src.node}:${packet.corr}`;
    switch (packet.method) {
      case 'monitor': {
        const local = this.node.signalTable.monitor(packet.dst, (reason) => {
          this.watched.delete(key);
          this.send(PacketKind.signal, packet.src, packet.corr, 'down', encodeValue(reason));
        });
        this.watched.set(key, local);
        return;
      }
      case 'demonitor': {
        const local = this.watched.get(key);
        this.watched.delete(key);
        if (local !== undefined) this.node.signalTable.demonitor(local);
        return;
      }
      case 'down': {
        const watch = this.watching.get(packet.corr);
        if (!watch || watch.node !== packet.src.node) {
          this.node.stats.packetsRejected++;
          return;
        }
        const body = this.decodeBody(packet, false);
        this.watching.delete(packet.corr);
        watch.fire(body.ok ? reasonFromWire(body.value) : { error: errorToWire(new GlowError('badpacket', 'malformed DOWN')) });
        return;
      }
      case 'link':
        if (!this.node.signalTable.linkFromRemote(packet.dst, packet.src)) {
          this.send(PacketKind.signal, packet.src, 0, 'exit', encodeValue('noproc'), packet.dst);
        }
        return;
      case 'unlink':
        return this.node.signalTable.unlinkFromRemote(packet.dst, packet.src);
      case 'exit': {
        const body = this.decodeBody(packet);
        if (!body.ok) return;
        const reason = body.value === 'kill' ? 'kill' : reasonFromWire(body.value);
        return this.node.signalTable.exitFromRemote(packet.dst, packet.src, reason);
      }
      default:
        return this.refuse(packet, new GlowError('unsupported', `unknown signal ${JSON.stringify(packet.method.slice(0, 32))}`));
    }
  }
}

/**
 * Where the answer to a call from another node goes. A class rather than an object of arrow
 * functions: one is made for every call served, and methods cost nothing per instance.
 */
class CallReplier implements Replier {
  constructor(
    private readonly remote: Remote,
    private readonly packet: Packet,
  ) {}

  resolve(value: unknown): void {
    this.remote.answer(this.packet, value);
  }

  reject(error: GlowError): void {
    this.remote.answerError(this.packet, error);
  }
}
