import * as v from 'valibot';
import type { ProcessKind } from '../../actors/process.js';
import { encodeValue } from '../../firefly/codec.js';
import { GlowError } from '../../firefly/errors.js';
import type { ExitReason } from '../../actors/types.js';
import { Hub } from './hub.js';
import { ChannelInterface, type ChannelPolicy } from './interface.js';
import { PublishGate } from './publishGate.js';

/** Defaults of {@link ChannelArgs}. */
export const CHANNEL_DEFAULTS = Object.freeze({
  history: 1000,
  maxMessageBytes: 65536,
  buffer: 256,
  publishTimeout: 2000,
});

/** Most publishes that wait for slow `block` subscribers at once; more answer `busy` at once. */
const MAX_WAITING_PUBLISHES = 512;

const count = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));

/** Spawn arguments of the `channel` kind (see {@link ChannelArgs}). */
export const ChannelArgsSchema = v.object({
  history: v.optional(count(1_000_000)),
  maxMessageBytes: v.optional(v.pipe(count(4 * 1024 * 1024), v.minValue(1))),
  buffer: v.optional(v.pipe(count(65536), v.minValue(1))),
  publishTimeout: v.optional(count(600_000)),
});

/** What `spawn('channel', args)` takes; every field is optional. */
export interface ChannelArgs {
  /**
   * Messages kept for replay (`subscribe` with `from`).
   * @default 1000
   */
  history?: number;
  /**
   * Largest message, as CBOR bytes; a larger publish answers `badarg`. Bounds what one publish
   * can pin in every subscriber's relay.
   * @default 65536
   */
  maxMessageBytes?: number;
  /**
   * Default lag a subscriber may build (beyond its stream's credit) before its policy applies.
   * @default 256
   */
  buffer?: number;
  /**
   * Longest a publish waits for a lagging `block` subscriber before it answers `busy` (and is
   * not published). Keep it under the publishers' call timeout.
   * @default 2000
   */
  publishTimeout?: number;
}

function endError(reason: ExitReason): GlowError {
  return typeof reason === 'object'
    ? new GlowError('crashed', `the channel crashed: ${reason.error.message}`, { reason })
    : new GlowError('noproc', `the channel ended (${reason})`, { reason });
}

/**
 * The `channel` process kind: `glow.Channel/1` (publish, subscribe, info). Spawn it with
 * `node.spawn('channel', args)` and name it (`node.register`) so that others find it. Its
 * state lives in memory: a restarted channel starts again at offset 0.
 */
export const channelKind: ProcessKind<ChannelArgs> = {
  name: 'channel',
  description: 'ordered pub/sub with a bounded replay history (glow.Channel/1)',
  args: ChannelArgsSchema,
  interface: ChannelInterface,
  // Publishes that wait for a slow subscriber must not hold up subscribe or info calls, and the
  // handlers themselves never await anything else, so messages are handled as they come.
  concurrency: 1024,
  start(ctx, args) {
    const history = args.history ?? CHANNEL_DEFAULTS.history;
    const maxMessageBytes = args.maxMessageBytes ?? CHANNEL_DEFAULTS.maxMessageBytes;
    const defaultBuffer = args.buffer ?? CHANNEL_DEFAULTS.buffer;
    const hub = new Hub({ start: 0, history });
    const gate = new PublishGate(hub, args.publishTimeout ?? CHANNEL_DEFAULTS.publishTimeout, MAX_WAITING_PUBLISHES, ctx.node.clock);
    hub.onRoom = () => gate.pump();
    const self = ctx.self;
    // The cell ends the subscribers' streams itself (`crashed` / `noproc`); what is ours to end
    // is the publishes that wait and their timers.
    ctx.node.monitor(self, (down) => {
      const error = endError(down.reason);
      gate.close(error);
      hub.fail(error);
    });
    return {
      handlers: {
        publish: ({ message }: { message: unknown }) => {
          const size = encodeValue(message).byteLength;
          if (size > maxMessageBytes) {
            throw new GlowError('badarg', `message is ${size} bytes, more than ${maxMessageBytes}`, { size, maxMessageBytes });
          }
          return gate.publish(message);
        },
        subscribe: ({ from, policy, buffer }: { from?: number; policy?: ChannelPolicy; buffer?: number }) =>
          hub.subscribe({ from, policy: policy ?? 'block', buffer: buffer ?? defaultBuffer }),
        info: () => ({
          ...ctx.node.processInfo(self)!,
          first: hub.log.first,
          next: hub.log.next,
          history,
          buffer: defaultBuffer,
          subscribers: hub.size,
          waiting: gate.size,
        }),
      },
    };
  },
};
