import type { NodeId } from '../firefly/address.js';
import { systemClock, type Clock } from '../firefly/clock.js';
import { DEFAULT_LIMITS } from '../firefly/limits.js';
import type { LinkKind } from './link.js';

/** Framing settings of a link opened on a channel. Receive limits come with their reason. */
export interface FramingOptions {
  /**
   * Largest packet accepted from the peer, whole or reassembled from chunks; a peer that
   * announces a bigger one is closed (`protocol error`). Bounds the memory one peer can pin.
   * Announced in the hello, so our side never sends the peer a packet it would refuse (such
   * packets are dropped and counted in `stats.dropped`). At least 1024: peers refuse a smaller
   * announcement.
   * @default DEFAULT_LIMITS.maxPacketBytes (4 MiB)
   */
  maxPacketBytes?: number;
  /**
   * Bytes in the channel's own buffer at which the link stops handing it data (control frames
   * still go). Keeps a transport's queue, and so the latency of heartbeats, bounded.
   * @default 1048576 (1 MiB)
   */
  highWaterMark?: number;
  /**
   * The link's `onDrain` fires when `bufferedAmount`, having reached this, falls back under it.
   * @default 262144 (256 KiB)
   */
  lowWaterMark?: number;
  /**
   * How often, in ms, a sender blocked on a full channel looks at its buffer again, in case the
   * channel's own drain signal comes late or never (a WebSocket has none).
   * @default 4
   */
  drainPollInterval?: number;
  /**
   * The clock every timer of the link runs on: the handshake timeout, heartbeats and their
   * round-trip times, the drain poll. Tests pass a `ManualClock` and move it.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where the link reports what happened to it (refusals, malformed input, closes): structured
   * objects for the embedding program's log. Errors thrown by this link's listeners go here too.
   * @default undefined (nothing is logged; listener errors are rethrown out of band)
   */
  log?: (event: LinkLogEvent) => void;
}

/** Everything a framed link reports through `log`. */
export type LinkLogEvent =
  | { event: 'link.up'; kind: LinkKind; remote: NodeId }
  | { event: 'link.refused'; kind: LinkKind; reason: string; by: 'local' | 'remote'; claimed?: NodeId }
  | { event: 'link.failed'; kind: LinkKind; reason: string }
  | { event: 'link.malformed'; kind: LinkKind; reason: string; remote?: NodeId }
  | { event: 'link.dropped'; kind: LinkKind; reason: string; remote: NodeId; size: number }
  | { event: 'link.closed'; kind: LinkKind; remote: NodeId; reason: string; by: 'local' | 'remote' | 'transport' }
  | { event: 'link.listenerError'; kind: LinkKind; remote: NodeId; error: unknown };

/** Counters of one framed link. */
export interface LinkStats {
  /** Packets received and handed to listeners (or held for the first one). */
  packetsIn: number;
  /** Packets accepted by `send`. */
  packetsOut: number;
  /** Transport messages (each one or more frames). */
  messagesIn: number;
  messagesOut: number;
  /** Bytes of transport messages received. */
  bytesIn: number;
  /** Bytes of transport messages sent. */
  bytesOut: number;
  /** Malformed input from the peer (at most 1: the link closes on the first). */
  malformed: number;
  /** Sealed messages that did not open: forged, replayed, reordered, dropped or cut (at most 1: the link closes). */
  tampered: number;
  /** Packets given to `send` that were not sent: too large for the peer, or not bytes. */
  dropped: number;
}

/** {@link FramingOptions} with every default filled in. */
export type FramingSettings = Required<Omit<FramingOptions, 'log'>> & Pick<FramingOptions, 'log'>;

/** Fills in the defaults of {@link FramingOptions}. */
export function framingSettings(options: FramingOptions): FramingSettings {
  return {
    maxPacketBytes: options.maxPacketBytes ?? DEFAULT_LIMITS.maxPacketBytes,
    highWaterMark: options.highWaterMark ?? 1024 * 1024,
    lowWaterMark: options.lowWaterMark ?? 256 * 1024,
    drainPollInterval: options.drainPollInterval ?? 4,
    clock: options.clock ?? systemClock,
    log: options.log,
  };
}

/**
 * `log` made safe to call from inside frame handling: a hook that throws must not take the link
 * (or the transport's event loop callback) down with it.
 */
export function safeLog(log: FramingOptions['log']): (event: LinkLogEvent) => void {
  return (event) => {
    try {
      log?.(event);
    } catch {
      // Nothing sensible is left to report a failing logger to.
    }
  };
}
