import type { Observable } from 'rxjs';
import { formatResourceId, type ResourceId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import type { InterfaceDescription } from '../firefly/describe.js';
import type { ArgsOf, CastName, InterfaceDef, ItemOf, MethodName, ResultOf, StreamName } from '../firefly/idl.js';
import type { Node } from './node.js';
import { StreamConsumer, type StreamOptions } from './stream.js';

/** Options of one call. */
export interface CallOptions {
  /**
   * Milliseconds to wait for the reply before failing with `timeout`.
   * @default the node's `callTimeout` (5000)
   */
  timeout?: number;
}

/** A ref of any interface: what functions that only need the id (monitor, link, exit) accept. */
export type AnyResourceRef = ResourceRef<any>;

/**
 * The one handle to a resource, wherever it lives. Every call ends in its result or a
 * GlowError (`timeout`, `noproc`, `noconnection`, `busy`, `badarg`, `nomethod`, `crashed`, …);
 * a resource that ends mid-call fails the call at once, not after the timeout.
 * Typed by the resource's interface when one is given.
 */
export class ResourceRef<I extends InterfaceDef = InterfaceDef> {
  private readonly target: ResourceId | (() => ResourceId | undefined);

  constructor(
    /** The node calls go out from. */
    readonly node: Node,
    /** The resource's id, or (for a ref by name) how to find it at each use. */
    target: ResourceId | (() => ResourceId | undefined),
    /** The interface, when the holder knows it (types only; the resource validates). */
    readonly iface?: I,
    /** The name this ref follows, for refs made by `Node.named`. */
    readonly name?: string,
  ) {
    this.target = target;
  }

  /** The resource's id; for a ref by name, whatever the name names now (`noproc` when nothing). */
  get id(): ResourceId {
    if (typeof this.target !== 'function') return this.target;
    const id = this.target();
    if (!id) throw new GlowError('noproc', `no resource is named ${JSON.stringify(this.name)}`);
    return id;
  }

  /** Calls a method and waits for its result. */
  call<K extends MethodName<I>>(member: K, args: ArgsOf<I, K>, options?: CallOptions): Promise<ResultOf<I, K>> {
    let id: ResourceId;
    try {
      id = this.id;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.node.callResource(id, member, args, options) as Promise<ResultOf<I, K>>;
  }

  /**
   * Sends a one-way message. There is no reply; a cast that cannot be delivered (`noproc`,
   * `busy`, `badarg`) is counted in the node's stats and reported to its `onCastFailed` listeners.
   */
  cast<K extends CastName<I>>(member: K, args: ArgsOf<I, K>): void {
    this.node.castResource(this, member, args);
  }

  /**
   * Opens a server stream when subscribed. The producer may run ahead of the subscriber by at
   * most `credit` items; unsubscribing cancels the producer.
   */
  stream<K extends StreamName<I>>(member: K, args: ArgsOf<I, K>, options: StreamOptions = {}): Observable<ItemOf<I, K>> {
    const consumer = new StreamConsumer(options.credit);
    return consumer.toObservable((sink) => this.open(member, args, sink)) as Observable<ItemOf<I, K>>;
  }

  /**
   * Opens a server stream as an async iterator: credit is granted only as the loop pulls, so a
   * slow `for await` loop pauses the producer.
   */
  iterate<K extends StreamName<I>>(member: K, args: ArgsOf<I, K>, options: StreamOptions = {}): AsyncIterableIterator<ItemOf<I, K>> {
    const consumer = new StreamConsumer(options.credit);
    return consumer.toAsyncIterator((sink) => this.open(member, args, sink)) as AsyncIterableIterator<ItemOf<I, K>>;
  }

  private open(member: string, args: unknown, sink: StreamConsumer): void {
    let id: ResourceId;
    try {
      id = this.id;
    } catch (error) {
      return sink.error(error as GlowError);
    }
    this.node.openStream(id, member, args, sink);
  }

  /** The resource's interface id and a JSON Schema of every member. */
  describe(options?: CallOptions): Promise<InterfaceDescription> {
    return (this as ResourceRef).call('describe' as never, {} as never, options) as Promise<InterfaceDescription>;
  }

  /** `glow://<node>/<local>`, or `glow://<name>` for a ref by name. */
  toString(): string {
    return typeof this.target === 'function' ? `glow://${this.name}` : formatResourceId(this.target);
  }
}
