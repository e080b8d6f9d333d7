/**
 * Channels: ordered publish/subscribe with a bounded replay history, per-subscriber
 * slow-subscriber policies, and per-node fan-out (one copy of each message per link to a node,
 * however many subscribers it has). See `channelKind.ts` for the resource, `relay.ts` for the
 * fan-out, `subscribeChannel.ts` for the client API.
 *
 * Errors (all GlowErrors):
 *
 * | code | when |
 * | --- | --- |
 * | `busy` | publish: a `block` subscriber lagged for the whole `publishTimeout`, or 512 publishes already wait; NOT published |
 * | `badarg` | publish: message over `maxMessageBytes` or not encodable; subscribe: `from` past the next offset |
 * | `crashed` | subscription / waiting publish: the channel crashed (relays pass it on to their subscribers) |
 * | `noproc` | the channel ended, or no channel has that name |
 * | `noconnection` | the channel's node became unreachable (resume later with `from: last + 1`) |
 *
 * Offsets belong to one incarnation of a channel: a restarted channel starts again at 0, and a
 * resume past its next offset fails with `badarg` rather than waiting silently.
 * @packageDocumentation
 */
export { channelKind, ChannelArgsSchema, CHANNEL_DEFAULTS } from './channelKind.js';
export type { ChannelArgs } from './channelKind.js';
export {
  ChannelInterface,
  RelayInterface,
  ChannelItemSchema,
  ChannelStateSchema,
  RelayStateSchema,
  SubscribeArgsSchema,
  PolicySchema,
} from './interface.js';
export type { ChannelItem, ChannelPolicy, ChannelState, RelayState, SubscribeArgs } from './interface.js';
export { subscribeChannel, observeChannel, publishChannel, resolveChannel } from './subscribeChannel.js';
export type { ChannelTarget, SubscribeChannelOptions } from './subscribeChannel.js';
export { relayFor, relaysOn, RELAY_DEFAULTS } from './relay.js';
export type { RelayOptions } from './relay.js';
