import { decodeValue, encodeValue } from '../firefly/codec.js';
import { errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import type { NodeId, ResourceId } from '../firefly/address.js';
import type { InterfaceDef } from '../firefly/idl.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { decodePacket, PacketKind, PacketRejection, type Packet } from '../firefly/packet.js';
import type { Cell } from './cell.js';
import { ADMIT, type Denial, type PeerAction, type PeerPolicy, type PeerRequest } from './policy.js';
import { reasonFromWire, type Remote } from './remote.js';
import type { RemoteStreams } from './remoteStreams.js';
import type { Signals } from './signals.js';
import type { NodeStats } from './stats.js';
import type { Replier } from './types.js';

/** What the door needs from its node. */
export interface DoorHost {
  readonly id: NodeId;
  readonly limits: ReceiveLimits;
  readonly stats: NodeStats;
  /** A local cell by its local id. */
  cell(local: string): Cell | undefined;
  readonly signals: Signals;
  readonly remote: Remote;
  readonly streams: RemoteStreams;
  /** Counts and reports a cast that could not be delivered. */
  castFailed(target: ResourceId, error: GlowError): void;
  /** Who may ask what; undefined admits everything. */
  readonly policy: PeerPolicy | undefined;
}

const SIGNAL_ACTIONS: Record<string, PeerAction | undefined> = { __proto__: null, monitor: 'monitor', link: 'link', unlink: 'unlink', exit: 'exit' } as never;

/**
 * The one door: every packet from another node enters the actor runtime here, through
 * {@link Door.receive}, and nowhere else. It is where a packet's sender is known — the node in
 * its `src`, which sealed sessions will prove — and where authorization is decided: every
 * request (call, cast, stream, monitor, link, unlink, exit) goes to the node's
 * {@link PeerPolicy} before any mailbox sees it, and a refusal is a typed `denied` with the
 * policy's reason, answered wherever the sender waits for an answer. Answers to what this node
 * asked (replies, errors, stream items, `down`) are matched against its own tables, keyed by the
 * node they came from. Nothing past this door checks again: code inside the node is trusted.
 *
 * Bad packets are answered with a typed error when the sender can be named, and counted either
 * way; nothing here throws into the router.
 */
export class Door {
  /** Monitors other nodes hold on our resources: `node:monitor` → our local monitor id. */
  private readonly watched = new Map<string, number>();

  constructor(private readonly host: DoorHost) {}

  /** Monitors other nodes hold on our resources (for tests of what is kept). */
  get watchedCount(): number {
    return this.watched.size;
  }

  /** A packet (or its bytes) from another node. */
  receive(input: Packet | Uint8Array): void {
    let packet: Packet;
    if (input instanceof Uint8Array) {
      try {
        packet = decodePacket(input, this.host.limits);
      } catch (error) {
        this.host.stats.packetsRejected++;
        if (error instanceof PacketRejection && error.src) this.host.remote.sendError(error.src, error.corr ?? 0, error);
        return;
      }
    } else {
      packet = input;
    }
    // Every packet goes through here: no closure is made for it unless it is needed.
    if (packet.dst.node !== this.host.id) return this.refuse(packet, new GlowError('noconnection', `this node is not ${packet.dst.node}`));
    switch (packet.kind) {
      case PacketKind.call:
        return this.admit(packet, 'call') ? this.serveCall(packet) : undefined;
      case PacketKind.cast:
        return this.admit(packet, 'cast') ? this.serveCast(packet) : undefined;
      case PacketKind.stream:
        return this.admit(packet, 'stream') ? this.host.streams.serve(packet, (error) => this.refuse(packet, error)) : undefined;
      case PacketKind.reply:
      case PacketKind.error:
        if (this.host.remote.settle(packet)) return;
        if (!this.host.streams.consumerPacket(packet)) this.host.stats.packetsRejected++;
        return;
      case PacketKind.item:
      case PacketKind.end:
        if (!this.host.streams.consumerPacket(packet)) this.refuse(packet, new GlowError('noproc', 'no such stream'));
        return;
      case PacketKind.credit:
      case PacketKind.cancel:
        return this.host.streams.producerPacket(packet);
      case PacketKind.signal:
        return this.serveSignal(packet);
      default:
        // route and rtc packets are the router's; one reaching the node came from a confused peer.
        return this.refuse(packet, new GlowError('unsupported', `packet kind ${packet.kind} is not served by this node`));
    }
  }

  /**
   * Asks the policy about a request; a refusal is counted and answered here (`denied`, with
   * `details.reason`) as the request's kind allows: a call or stream gets an error, a monitor a
   * `DOWN`, a link an `EXIT`; casts, unlinks and exits have no one waiting and are only counted.
   */
  private admit(packet: Packet, action: PeerAction): boolean {
    const policy = this.host.policy;
    if (!policy) return true;
    const request = new DoorRequest(packet, action, this.host);
    let verdict: typeof ADMIT | Denial;
    try {
      verdict = policy(request);
    } catch (error) {
      // A policy that fails refuses: failing open would hand a stranger what the policy guards.
      verdict = { deny: `the policy failed: ${toGlowError(error).message}` };
    }
    if (verdict === ADMIT) return true;
    this.host.stats.denied++;
    const denied = new GlowError('denied', `${action} refused: ${verdict.deny}`, { reason: verdict.deny });
    if (action === 'call' || action === 'stream') this.refuse(packet, denied, false);
    else if (action === 'monitor') this.host.remote.send(PacketKind.signal, packet.src, packet.corr, 'down', encodeValue({ error: errorToWire(denied) }));
    else if (action === 'link') this.host.remote.send(PacketKind.signal, packet.src, 0, 'exit', encodeValue({ error: errorToWire(denied) }), packet.dst);
    else if (action === 'cast') this.host.castFailed(packet.dst, denied);
    return false;
  }

  /** A packet this node cannot serve: counted, and its sender told (unless it was an answer). */
  private refuse(packet: Packet, error: GlowError, count = true): void {
    if (count) this.host.stats.packetsRejected++;
    // Never answer an answer: an error about an error could ping-pong forever.
    if (packet.kind !== PacketKind.error && packet.kind !== PacketKind.reply) this.host.remote.sendError(packet.src, packet.corr, error);
  }

  /** The packet's body; a body that does not decode is refused. */
  private decodeBody(packet: Packet): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: decodeValue(packet.body, this.host.limits) };
    } catch (error) {
      this.refuse(packet, toGlowError(error, 'badpacket'));
      return { ok: false };
    }
  }

  private serveCall(packet: Packet): void {
    const cell = this.host.cell(packet.dst.local);
    if (!cell) return this.refuse(packet, new GlowError('noproc', `no resource ${packet.dst.local} on node ${this.host.id}`));
    const body = this.decodeBody(packet);
    if (!body.ok) return;
    cell.accept('glow.call', packet.method, body.value, new CallReplier(this.host.remote, packet), packet.src);
  }

  private serveCast(packet: Packet): void {
    const cell = this.host.cell(packet.dst.local);
    const body = this.decodeBody(packet);
    if (!body.ok) return;
    const error = cell ? cell.accept('glow.cast', packet.method, body.value, undefined, packet.src) : new GlowError('noproc', `no resource ${packet.dst.local}`);
    if (error) this.host.castFailed(packet.dst, error);
  }

  private serveSignal(packet: Packet): void {
    if (packet.method === 'down') return this.host.remote.down(packet);
    const key = `${packet.src.node}:${packet.corr}`;
    if (packet.method === 'demonitor') {
      // Drops only what the same node set: always allowed.
      const local = this.watched.get(key);
      this.watched.delete(key);
      if (local !== undefined) this.host.signals.demonitor(local);
      return;
    }
    const action = SIGNAL_ACTIONS[packet.method];
    if (!action) return this.refuse(packet, new GlowError('unsupported', `unknown signal ${JSON.stringify(packet.method.slice(0, 32))}`));
    if (!this.admit(packet, action)) return;
    const signals = this.host.signals;
    switch (action) {
      case 'monitor': {
        // A monitor set again under the same id (a duplicate packet, a peer reusing its id)
        // replaces the first, which could otherwise never be dropped by its `demonitor`.
        const previous = this.watched.get(key);
        if (previous !== undefined) signals.demonitor(previous);
        const local = signals.monitor(packet.dst, (reason) => {
          this.watched.delete(key);
          this.host.remote.send(PacketKind.signal, packet.src, packet.corr, 'down', encodeValue(reason));
        });
        this.watched.set(key, local);
        return;
      }
      case 'link':
        if (!signals.linkFromRemote(packet.dst, packet.src)) {
          this.host.remote.send(PacketKind.signal, packet.src, 0, 'exit', encodeValue('noproc'), packet.dst);
        }
        return;
      case 'unlink':
        return signals.unlinkFromRemote(packet.dst, packet.src);
      case 'exit': {
        const body = this.decodeBody(packet);
        if (!body.ok) return;
        const reason = body.value === 'kill' ? 'kill' : reasonFromWire(body.value);
        return signals.exitFromRemote(packet.dst, packet.src, reason);
      }
    }
  }

  /** A node is gone: the monitors it held on our resources are dropped. */
  nodeUnreachable(node: NodeId): void {
    const prefix = `${node}:`;
    for (const [key, local] of this.watched) {
      if (!key.startsWith(prefix)) continue;
      this.watched.delete(key);
      this.host.signals.demonitor(local);
    }
  }
}

/** A request as the policy sees it; its arguments are decoded only if the policy asks. */
class DoorRequest implements PeerRequest {
  readonly from: NodeId;
  readonly caller: ResourceId;
  readonly target: ResourceId;
  readonly member: string;
  private decoded?: { value: unknown };

  constructor(
    private readonly packet: Packet,
    readonly action: PeerAction,
    private readonly host: Pick<DoorHost, 'cell' | 'limits'>,
  ) {
    this.from = packet.src.node;
    this.caller = packet.src;
    this.target = packet.dst;
    this.member = packet.method;
  }

  // Looked up only by a policy that reads it: own devices' requests never pay for it.
  get iface(): InterfaceDef | undefined {
    return this.host.cell(this.packet.dst.local)?.iface;
  }

  args(): unknown {
    if (this.action !== 'call' && this.action !== 'cast' && this.action !== 'stream') return undefined;
    if (!this.decoded) {
      try {
        const value = decodeValue(this.packet.body, this.host.limits);
        // A stream's body is [args, initial credit].
        this.decoded = { value: this.action === 'stream' ? (Array.isArray(value) ? value[0] : undefined) : value };
      } catch {
        this.decoded = { value: undefined };
      }
    }
    return this.decoded.value;
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
    let encoded: Uint8Array;
    try {
      encoded = encodeValue(value);
    } catch (error) {
      return this.remote.sendError(this.packet.src, this.packet.corr, toGlowError(error, 'crashed'));
    }
    this.remote.send(PacketKind.reply, this.packet.src, this.packet.corr, '', encoded);
  }

  reject(error: GlowError): void {
    this.remote.sendError(this.packet.src, this.packet.corr, error);
  }
}
