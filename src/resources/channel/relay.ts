import { formatResourceId, type ResourceId } from '../../firefly/address.js';
import { errorToWire, GlowError, toGlowError } from '../../firefly/errors.js';
import { closeIterator } from '../../actors/closeIterator.js';
import type { Node } from '../../actors/node.js';
import type { ResourceRef } from '../../actors/ref.js';
import type { Timer } from '../../firefly/clock.js';
import { nextTurn } from '../../transport/turn.js';
import { Hub } from './hub.js';
import { ChannelInterface, RelayInterface, type ChannelItem, type RelayState, type SubscribeArgs } from './interface.js';
import { RelaySubscription } from './relaySubscription.js';

/** Options of the relay a node starts for a remote channel. */
export interface RelayOptions {
  /**
   * Milliseconds a relay without subscribers lingers before it ends, so that a quick
   * resubscribe (a page reload, a reconnecting CLI) reuses its upstream and its history.
   * @default 1000
   */
  idle?: number;
  /**
   * Credit of the relay's upstream subscription: messages in flight on the link to the
   * channel's node before the relay grants more.
   * @default 64
   */
  credit?: number;
}

/** Defaults of {@link RelayOptions}. */
export const RELAY_DEFAULTS = Object.freeze({ idle: 1000, credit: 64 });

/**
 * Relays by node, then by channel id: this is the "local name" under which a node finds its
 * relay for a channel. A table in memory rather than a directory name, because a relay is
 * private to its node and the directory replicates every name to the whole mesh.
 */
const relays = new WeakMap<Node, Map<string, Relay>>();

/**
 * The node's relay for a channel on another node, started if there is none (or the last one
 * ended). Subscribe to it right away, in the same turn: a relay nobody subscribes to ends
 * after its idle time.
 */
export function relayFor(node: Node, channel: ResourceId, options: RelayOptions = {}): ResourceRef<typeof RelayInterface> {
  let table = relays.get(node);
  if (!table) relays.set(node, (table = new Map()));
  const key = formatResourceId(channel);
  let relay = table.get(key);
  if (!relay || relay.ended) {
    const created = new Relay(node, channel, options, () => {
      if (table.get(key) === created) table.delete(key);
    });
    table.set(key, (relay = created));
  }
  return relay.ref;
}

/** The relays running on `node` now, with their state (for tools and tests). */
export function relaysOn(node: Node): RelayState[] {
  return [...(relays.get(node)?.values() ?? [])].map((relay) => relay.state());
}

/**
 * One node's copy of a remote channel: a resource (`glow.ChannelRelay/1`) with ONE upstream
 * subscription (policy `block`, from the channel's next offset when the relay started) and a
 * hub that fans each message out to every local subscriber with that subscriber's own policy,
 * buffer and offset. So the link to the channel's node carries one copy of each message however
 * many subscribers this node has, and a local `block` subscriber that lags pauses the upstream,
 * which pauses the channel's publishers: nothing is lost anywhere on the way.
 *
 * Subscribers that want offsets older than the relay holds catch up with a subscription of
 * their own to the channel and join the relay's hub as soon as it holds their next offset (see
 * {@link RelaySubscription}).
 *
 * It ends when its last subscriber has been gone for `idle` ms, or when its upstream fails (the
 * channel ended or crashed, its node became unreachable): subscribers then get what the relay
 * already holds, then that error, and the next subscriber starts a fresh relay.
 */
export class Relay {
  readonly ref: ResourceRef<typeof RelayInterface>;
  readonly channel: ResourceRef<typeof ChannelInterface>;
  /** Resolves with the hub once the relay is subscribed upstream; rejects if it never gets there. */
  readonly ready: Promise<Hub>;
  hub?: Hub;
  /** The channel's default subscriber buffer (from its `info`). */
  buffer = 256;
  ended = false;
  private readonly idle: number;
  private readonly credit: number;
  private attached = 0;
  private idleTimer?: Timer;
  private upstream?: AsyncIterableIterator<ChannelItem>;
  private roomWaiter?: () => void;

  constructor(
    private readonly node: Node,
    channel: ResourceId,
    options: RelayOptions,
    private readonly forget: () => void,
  ) {
    this.idle = options.idle ?? RELAY_DEFAULTS.idle;
    this.credit = options.credit ?? RELAY_DEFAULTS.credit;
    this.channel = node.ref(channel, ChannelInterface);
    this.ref = node.spawnResource({
      iface: RelayInterface,
      handlers: {
        subscribe: (args: SubscribeArgs) => new RelaySubscription(this, args),
        info: () => this.state(),
      },
    });
    // Ended from outside (node shutdown, an exit signal): stop the upstream and the timer.
    node.monitor(this.ref, () => this.stop(new GlowError('noproc', 'the relay ended')));
    this.ready = this.start();
    this.ready.catch((error: unknown) => this.stop(toGlowError(error, 'failed')));
    this.armIdle();
  }

  /** What `info` answers. */
  state(): RelayState {
    const hub = this.hub;
    return {
      channel: this.channel.toString(),
      first: hub?.log.first ?? 0,
      next: hub?.log.next ?? 0,
      history: hub?.history ?? 0,
      subscribers: this.attached,
    };
  }

  /** A local subscription began. */
  attach(): void {
    this.attached++;
    this.node.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** A local subscription ended: the last one arms the idle timer (or ends a failed relay now). */
  detach(): void {
    if (--this.attached > 0) return;
    if (this.ended) this.exit();
    else this.armIdle();
  }

  /** Opens a catch-up subscription straight to the channel (see {@link RelaySubscription}). */
  direct(args: SubscribeArgs, credit: number | undefined): AsyncIterableIterator<ChannelItem> {
    return this.channel.iterate('subscribe', args, { credit });
  }

  private async start(): Promise<Hub> {
    const info = await this.channel.call('info', {});
    if (this.ended) throw new GlowError('noproc', 'the relay ended');
    const hub = new Hub({ start: info.next, history: info.history });
    this.buffer = info.buffer;
    hub.onRoom = () => {
      const wake = this.roomWaiter;
      this.roomWaiter = undefined;
      wake?.();
    };
    // From the offset `info` reported: messages published meanwhile are replayed, not missed.
    const upstream = this.channel.iterate('subscribe', { from: info.next, policy: 'block' }, { credit: this.credit });
    this.upstream = upstream;
    this.hub = hub;
    // `pump` stops the relay on any failure upstream; one that escapes it is a bug of the relay,
    // which then crashes (its subscribers get DOWN), not the node.
    this.pump(hub, upstream).catch((error: unknown) => this.node.exit(this.ref, { error: errorToWire(toGlowError(error, 'crashed')) }));
    return hub;
  }

  /** Copies upstream messages into the hub, pausing while a local `block` subscriber lags. */
  private async pump(hub: Hub, upstream: AsyncIterableIterator<ChannelItem>): Promise<void> {
    try {
      for (;;) {
        while (!this.ended && !hub.hasRoom()) await new Promise<void>((resolve) => (this.roomWaiter = resolve));
        if (this.ended) return;
        const result = await upstream.next();
        if (this.ended) return;
        if (result.done) throw new GlowError('noproc', 'the channel ended the subscription');
        hub.appendAt(result.value.offset, result.value.message);
      }
    } catch (error) {
      this.stop(toGlowError(error, 'failed'));
    }
  }

  private armIdle(): void {
    this.node.clock.clearTimeout(this.idleTimer);
    this.idleTimer = this.node.clock.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.attached === 0) this.stop(new GlowError('noproc', 'the relay ended: no subscribers'));
    }, this.idle);
  }

  /**
   * Ends the relay's work with `error`: no new subscriber finds it, the upstream is cancelled,
   * local subscribers drain and then get `error`. The resource itself exits once none is left.
   */
  private stop(error: GlowError): void {
    if (this.ended) return;
    this.ended = true;
    this.forget();
    this.node.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    closeIterator(this.upstream);
    this.roomWaiter?.();
    this.hub?.fail(error);
    if (this.attached === 0) this.exit();
  }

  /**
   * Ends the resource on a later turn (an exit signal `shutdown`: it does not trap exits): the
   * last subscriber's stream is still ending with the relay's error, and a resource that ends
   * first would end it with its own `noproc` instead.
   */
  private exit(): void {
    nextTurn(() => this.node.exit(this.ref, 'shutdown'));
  }
}
