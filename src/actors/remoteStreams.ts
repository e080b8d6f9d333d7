import { decodeValue, encodeValue } from '../firefly/codec.js';
import { errorFromWire, errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import type { NodeId, ResourceId } from '../firefly/address.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { PacketKind, type Packet } from '../firefly/packet.js';
import type { Cell } from './cell.js';
import type { NodeStats } from './stats.js';
import type { StreamSink } from './types.js';

/** How the stream code sends packets (the Remote's `send`). */
export type SendPacket = (kind: PacketKind, dst: ResourceId, corr: number, method: string, body: Uint8Array) => void;

/** What streams between nodes need from their node. */
export interface StreamsHost {
  readonly limits: ReceiveLimits;
  readonly stats: NodeStats;
  /** A local cell by its local id. */
  cell(local: string): Cell | undefined;
  readonly send: SendPacket;
}

interface ConsumerStream {
  node: NodeId;
  sink: StreamSink;
  /** Credit the producer knows about: what we granted minus the items that arrived. */
  granted: number;
}

/** The producer's side of a stream opened from another node: a sink that writes packets. */
class RemoteSink implements StreamSink {
  credit: number;
  creditListener?: () => void;
  cancelListener?: () => void;

  constructor(
    private readonly streams: RemoteStreams,
    readonly key: string,
    readonly consumer: ResourceId,
    readonly corr: number,
    credit: number,
  ) {
    this.credit = credit;
  }

  item(value: unknown): void {
    if (this.credit <= 0) return;
    let body: Uint8Array;
    try {
      body = encodeValue(value);
    } catch (error) {
      this.error(toGlowError(error, 'crashed'));
      this.cancelListener?.();
      return;
    }
    this.credit--;
    this.streams.send(PacketKind.item, this.consumer, this.corr, '', body);
  }
  end(): void {
    if (this.streams.finish(this.key)) this.streams.send(PacketKind.end, this.consumer, this.corr, '', encodeValue(null));
  }
  error(error: GlowError): void {
    if (this.streams.finish(this.key)) this.streams.send(PacketKind.error, this.consumer, this.corr, '', encodeValue(errorToWire(error)));
  }
  onCredit(listener: () => void): void {
    this.creditListener = listener;
  }
  onCancel(listener: () => void): void {
    this.cancelListener = listener;
  }
}

/**
 * Streams between nodes, both ends. The consumer grants credit in `credit` packets as its
 * subscriber takes items; the producer sends `item` packets only while it holds credit, so a
 * slow consumer pauses a producer on another node just as it would locally.
 */
export class RemoteStreams {
  private readonly consuming = new Map<number, ConsumerStream>();
  private readonly producing = new Map<string, RemoteSink>();

  constructor(private readonly host: StreamsHost) {}

  /** Sends a packet of a stream. */
  send(kind: PacketKind, dst: ResourceId, corr: number, method: string, body: Uint8Array): void {
    this.host.send(kind, dst, corr, method, body);
  }

  /** Streams open in each direction (for tests of what is kept). */
  get open(): { consuming: number; producing: number } {
    return { consuming: this.consuming.size, producing: this.producing.size };
  }

  // ---- consumer side ---------------------------------------------------------------------

  /** Opens a stream on a remote resource; `corr` is the caller's fresh correlation id. */
  consume(corr: number, id: ResourceId, member: string, args: unknown, sink: StreamSink): void {
    let body: Uint8Array;
    try {
      body = encodeValue([args, sink.credit]);
    } catch (error) {
      return sink.error(toGlowError(error, 'badarg'));
    }
    const stream: ConsumerStream = { node: id.node, sink, granted: sink.credit };
    this.consuming.set(corr, stream);
    sink.onCredit(() => {
      const more = sink.credit - stream.granted;
      if (more <= 0 || !this.consuming.has(corr)) return;
      stream.granted = sink.credit;
      this.send(PacketKind.credit, id, corr, '', encodeValue(more));
    });
    sink.onCancel(() => {
      if (this.consuming.delete(corr)) this.send(PacketKind.cancel, id, corr, '', encodeValue(null));
    });
    this.send(PacketKind.stream, id, corr, member, body);
  }

  /** An item, end or error for a stream we consume; false when `corr` is not one of ours. */
  consumerPacket(packet: Packet): boolean {
    const stream = this.consuming.get(packet.corr);
    if (!stream) return false;
    if (stream.node !== packet.src.node) return false;
    let value: unknown;
    try {
      value = decodeValue(packet.body, this.host.limits);
    } catch (error) {
      this.consuming.delete(packet.corr);
      stream.sink.error(toGlowError(error, 'badpacket'));
      return true;
    }
    if (packet.kind === PacketKind.item) {
      stream.granted--;
      stream.sink.item(value);
    } else {
      this.consuming.delete(packet.corr);
      if (packet.kind === PacketKind.end) stream.sink.end();
      else stream.sink.error(errorFromWire(value));
    }
    return true;
  }

  // ---- producer side ---------------------------------------------------------------------

  /** A `stream` packet: open the resource's stream into a sink that writes packets back. */
  serve(packet: Packet, reject: (error: GlowError) => void): void {
    const cell = this.host.cell(packet.dst.local);
    if (!cell) return reject(new GlowError('noproc', `no resource ${packet.dst.local} on node ${packet.dst.node}`));
    let args: unknown;
    let credit: unknown;
    try {
      [args, credit] = decodeValue(packet.body, this.host.limits) as [unknown, unknown];
    } catch (error) {
      return reject(toGlowError(error, 'badpacket'));
    }
    if (typeof credit !== 'number' || !Number.isInteger(credit) || credit < 1 || credit > 65536) {
      return reject(new GlowError('badpacket', 'stream credit must be an integer from 1 to 65536'));
    }
    const key = `${packet.src.node}:${packet.corr}`;
    const sink = new RemoteSink(this, key, packet.src, packet.corr, credit);
    this.producing.set(key, sink);
    cell.accept('glow.stream', packet.method, args, sink, packet.src);
  }

  /** A `credit` or `cancel` packet for a stream we produce. */
  producerPacket(packet: Packet): void {
    const sink = this.producing.get(`${packet.src.node}:${packet.corr}`);
    if (!sink) {
      this.host.stats.packetsRejected++;
      return;
    }
    if (packet.kind === PacketKind.cancel) {
      this.producing.delete(sink.key);
      sink.cancelListener?.();
      return;
    }
    let more: unknown;
    try {
      more = decodeValue(packet.body, this.host.limits);
    } catch {
      more = undefined;
    }
    if (typeof more !== 'number' || !Number.isInteger(more) || more < 1 || more > 65536) {
      this.host.stats.packetsRejected++;
      return;
    }
    sink.credit += more;
    sink.creditListener?.();
  }

  /** Forgets a produced stream; true the first time (so end/error go out once). */
  finish(key: string): boolean {
    return this.producing.delete(key);
  }

  /** A node is gone: streams from it fail with `noconnection`, streams to it are cancelled. */
  nodeUnreachable(node: NodeId): void {
    for (const [corr, stream] of this.consuming) {
      if (stream.node !== node) continue;
      this.consuming.delete(corr);
      stream.sink.error(new GlowError('noconnection', `node ${node} is unreachable`));
    }
    for (const [key, sink] of this.producing) {
      if (sink.consumer.node !== node) continue;
      this.producing.delete(key);
      sink.cancelListener?.();
    }
  }

  /** The node shuts down: every stream it consumes fails. */
  close(): void {
    for (const stream of this.consuming.values()) stream.sink.error(new GlowError('noconnection', 'the node shut down'));
    this.consuming.clear();
  }
}
