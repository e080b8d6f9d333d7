import { Observable } from 'rxjs';
import { parseResourceId, type ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import type { Node } from '../../actors/node.js';
import { ResourceRef, type AnyResourceRef, type CallOptions } from '../../actors/ref.js';
import { ChannelInterface, type ChannelItem, type ChannelPolicy, type SubscribeArgs } from './interface.js';
import { relayFor } from './relay.js';

/** A channel as callers name it: a ref, an id, a registered name, or `glow://node/id`. */
export type ChannelTarget = AnyResourceRef | ResourceId | string;

/** Options of {@link subscribeChannel} and {@link observeChannel}. */
export interface SubscribeChannelOptions {
  /**
   * First offset wanted (e.g. the last one seen + 1 to resume). Older than the channel keeps:
   * the first item carries `gap`. Past the channel's next offset: the stream fails with `badarg`.
   * @default undefined (live: from the next message published)
   */
  from?: number;
  /**
   * What happens when this subscriber falls behind: `block` pauses publishers (nothing lost),
   * `dropOldest` keeps the newest `buffer` messages and reports `dropped`.
   * @default 'block'
   */
  policy?: ChannelPolicy;
  /**
   * Lag allowed before the policy applies, in messages (beyond `credit`).
   * @default the channel's `buffer` (256)
   */
  buffer?: number;
  /**
   * Stream credit: items in flight to this subscriber before it takes them.
   * @default 32
   */
  credit?: number;
  /**
   * Idle time of the relay this call may start (see `RelayOptions.idle`).
   * @default 1000
   */
  relayIdle?: number;
}

/**
 * The channel's id now. A name is resolved at each subscribe, so a subscriber that resubscribes
 * after its channel was restarted elsewhere follows the name. Throws `noproc` for an unknown
 * name, `badarg` for a malformed id.
 */
export function resolveChannel(node: Node, target: ChannelTarget): ResourceId {
  if (target instanceof ResourceRef) return target.id;
  if (typeof target !== 'string') return target;
  const bare = target.startsWith('glow://') ? target.slice('glow://'.length) : target;
  const named = node.whereis(bare);
  if (named) return named;
  if (bare.includes('/')) return parseResourceId(`glow://${bare}`);
  throw new GlowError('noproc', `no channel is named ${JSON.stringify(bare.slice(0, 200))}`);
}

function subscribeArgs(options: SubscribeChannelOptions): SubscribeArgs {
  const args: SubscribeArgs = {};
  if (options.from !== undefined) args.from = options.from;
  if (options.policy !== undefined) args.policy = options.policy;
  if (options.buffer !== undefined) args.buffer = options.buffer;
  return args;
}

/**
 * What a subscriber on `node` subscribes to: the channel itself when it lives on `node`, else
 * the node's relay for it (started on first use), so every subscriber of one node shares one
 * upstream copy of each message.
 */
function source(node: Node, target: ChannelTarget, options: SubscribeChannelOptions): ResourceRef<typeof ChannelInterface> {
  const id = resolveChannel(node, target);
  if (id.node === node.id) return node.ref(id, ChannelInterface);
  // The relay answers the same `subscribe`; typed as the channel for the one member used.
  return relayFor(node, id, { idle: options.relayIdle }) as unknown as ResourceRef<typeof ChannelInterface>;
}

/**
 * Subscribes to a channel from `node`, as an async iterator of {@link ChannelItem}s: credit is
 * granted only as the loop pulls, so a slow `for await` loop is a slow subscriber and its
 * policy applies. Breaking out of the loop (or `return()`) unsubscribes. The iterator throws a
 * GlowError when the subscription ends: `crashed`/`noproc` when the channel crashed or ended,
 * `noconnection` when its node became unreachable, `badarg` for an offset past the channel's
 * next one. Resume after an error with `from: lastOffset + 1`.
 */
export function subscribeChannel(node: Node, target: ChannelTarget, options: SubscribeChannelOptions = {}): AsyncIterableIterator<ChannelItem> {
  let inner: AsyncIterableIterator<ChannelItem> | undefined;
  let closed = false;
  const iterator: AsyncIterableIterator<ChannelItem> = {
    next: () => {
      if (closed) return Promise.resolve({ value: undefined, done: true });
      if (!inner) {
        // Resolved, and the relay found or started, at the first pull, and subscribed to in the
        // same turn: a relay that nobody subscribes to would end after its idle time.
        try {
          inner = source(node, target, options).iterate('subscribe', subscribeArgs(options), { credit: options.credit });
        } catch (error) {
          closed = true;
          return Promise.reject(error);
        }
      }
      return inner.next();
    },
    return: () => {
      closed = true;
      return inner?.return?.() ?? Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Subscribes to a channel from `node`, as an rxjs Observable of {@link ChannelItem}s (each
 * subscription is one channel subscription; unsubscribing ends it). Items are pushed as they
 * arrive, so an observer is never a slow subscriber: use {@link subscribeChannel} to apply
 * backpressure. Errors are GlowErrors as for {@link subscribeChannel}.
 */
export function observeChannel(node: Node, target: ChannelTarget, options: SubscribeChannelOptions = {}): Observable<ChannelItem> {
  return new Observable<ChannelItem>((subscriber) => {
    let ref: ResourceRef<typeof ChannelInterface>;
    try {
      ref = source(node, target, options);
    } catch (error) {
      subscriber.error(error);
      return undefined;
    }
    return ref.stream('subscribe', subscribeArgs(options), { credit: options.credit }).subscribe(subscriber);
  });
}

/**
 * Publishes `message` to a channel from `node`; resolves with its offset. Fails with `busy`
 * (not published) when a `block` subscriber lagged for the channel's whole `publishTimeout`,
 * `badarg` when the message is too large, `noproc`/`noconnection` when the channel is gone.
 */
export function publishChannel(node: Node, target: ChannelTarget, message: unknown, options?: CallOptions): Promise<number> {
  let id: ResourceId;
  try {
    id = resolveChannel(node, target);
  } catch (error) {
    return Promise.reject(error);
  }
  return node.ref(id, ChannelInterface).call('publish', { message }, options);
}
