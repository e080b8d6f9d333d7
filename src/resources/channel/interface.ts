import * as v from 'valibot';
import { processInterface, ProcessInfoSchema } from '../../actors/interfaces.js';
import { defineInterface, method, stream } from '../../firefly/idl.js';

/**
 * The wire contract of a channel (`glow.Channel/1`) and of the per-node relays that fan its
 * messages out (`glow.ChannelRelay/1`). Types only come from here; behaviour lives in
 * `hub.ts`, `channelKind.ts` and `relay.ts`.
 */

const offset = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/**
 * What a subscriber does when it falls behind:
 * - `block`: nothing is lost; once the subscriber lags `buffer` messages, publishes wait
 *   (and finally answer `busy`) until it catches up.
 * - `dropOldest`: publishers never wait for it; it keeps the newest `buffer` messages and the
 *   next item it receives says how many it lost (`dropped`).
 */
export const PolicySchema = v.picklist(['block', 'dropOldest']);

/** A slow-subscriber policy (see {@link PolicySchema}). */
export type ChannelPolicy = v.InferOutput<typeof PolicySchema>;

/** Arguments of `subscribe`. */
export const SubscribeArgsSchema = v.object({
  /**
   * First offset wanted. Omitted: live, from the next message published. Older than what the
   * channel keeps: the first item carries `gap`. Past the next offset: `badarg`.
   */
  from: v.optional(offset),
  /** Slow-subscriber policy. @default 'block' */
  policy: v.optional(PolicySchema),
  /**
   * How many messages this subscriber may lag (beyond its stream's credit) before its policy
   * applies. @default the channel's `buffer` (256)
   */
  buffer: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65536))),
});

/** What `subscribe` takes. */
export type SubscribeArgs = v.InferInput<typeof SubscribeArgsSchema>;

/** One delivered message. */
export const ChannelItemSchema = v.object({
  /** The message's offset: unique and increasing within the channel (a total order). */
  offset,
  message: v.unknown(),
  /** `dropOldest` only: messages this subscriber lost just before this one. */
  dropped: v.optional(v.number()),
  /** Offsets asked for (or expected) that the channel no longer had, just before this one. */
  gap: v.optional(v.object({ from: offset, to: offset })),
});

/** One delivered message (see {@link ChannelItemSchema}). */
export type ChannelItem = v.InferOutput<typeof ChannelItemSchema>;

/** The channel's own state, as `info` reports it next to the process fields. */
export const ChannelStateSchema = v.object({
  /** Oldest offset still kept (replayable); equals `next` when nothing is kept. */
  first: offset,
  /** The offset the next published message gets. */
  next: offset,
  /** Messages kept for replay (the spawn argument). */
  history: v.number(),
  /** Lag a subscriber may build before its policy applies, unless it asks for another. */
  buffer: v.number(),
  /** Open subscriptions (a relay counts as one). */
  subscribers: v.number(),
  /** Publishes waiting for a `block` subscriber to catch up. */
  waiting: v.number(),
});

/** A channel's state (see {@link ChannelStateSchema}). */
export type ChannelState = v.InferOutput<typeof ChannelStateSchema>;

/** `glow.Channel/1`: a process that orders, keeps and fans out published messages. */
export const ChannelInterface = processInterface('glow.Channel/1', {
  publish: method(v.object({ message: v.unknown() }), offset, {
    description: "appends a message; answers its offset (waits, then answers busy, while a 'block' subscriber lags)",
  }),
  subscribe: stream(SubscribeArgsSchema, ChannelItemSchema, {
    description: 'messages from `from` (replayed from history) or from now on, live',
  }),
  // A superset of glow.Process/1's info, so generic process tools still read it.
  info: method(v.object({}), v.intersect([ProcessInfoSchema, ChannelStateSchema]), {
    description: 'the process info plus the offset range kept, subscribers and waiting publishes',
  }),
});

/** What a relay's `info` answers. */
export const RelayStateSchema = v.object({
  /** The channel it relays (`glow://node/id`). */
  channel: v.string(),
  first: offset,
  next: offset,
  history: v.number(),
  subscribers: v.number(),
});

/** A relay's state (see {@link RelayStateSchema}). */
export type RelayState = v.InferOutput<typeof RelayStateSchema>;

/**
 * `glow.ChannelRelay/1`: one per node per remote channel. It holds one upstream subscription
 * and serves the node's subscribers with the channel's own `subscribe` contract.
 */
export const RelayInterface = defineInterface('glow.ChannelRelay/1', {
  subscribe: stream(SubscribeArgsSchema, ChannelItemSchema, { description: "the channel's subscribe, served from this node" }),
  info: method(v.object({}), RelayStateSchema, { description: 'the relayed channel, the offsets held here, local subscribers' }),
});
