/**
 * The daemon's log of its links. Routine events (up, closed, malformed input) go at `debug`. A
 * refused link goes at `info`, at most once per `every` ms for each peer: a stranger's daemon
 * that redials every few seconds (`--connect`, mDNS, reconnect backoff) must not fill the log,
 * yet the owner should see that someone keeps knocking. Lines held back are counted and the
 * count rides on the next line for that peer.
 */
import { systemClock, type Clock } from '../../src/firefly/clock.js';
import type { LinkLogEvent } from '../../src/transport/linkOptions.js';

/** What the link log writes to (a pino logger fits). */
export interface LinkLogSink {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** Options of {@link linkLog}. */
export interface LinkLogOptions {
  /**
   * The clock the once-per-interval rule runs on (tests pass a `ManualClock`).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Least ms between two logged refusals of one peer.
   * @default 60000
   */
  every?: number;
  /**
   * Peers remembered at once; beyond that the oldest is forgotten, so a flood of made-up ids
   * cannot grow the table without bound (a forgotten peer may be logged again sooner).
   * @default 1024
   */
  maxPeers?: number;
}

/** A refused peer: when it was last logged, and how many refusals were held back since. */
interface Seen {
  at: number;
  held: number;
}

/** Makes the `log` hook of the daemon's links (see the module comment). */
export function linkLog(sink: LinkLogSink, options: LinkLogOptions = {}): (event: LinkLogEvent) => void {
  const clock = options.clock ?? systemClock;
  const every = options.every ?? 60_000;
  const maxPeers = options.maxPeers ?? 1024;
  const seen = new Map<string, Seen>();
  return (event) => {
    if (event.event !== 'link.refused') return sink.debug(event, event.event);
    // A peer refused before it named itself is one "unknown" peer: still logged once a minute.
    const peer = event.claimed ?? '(unknown)';
    const now = clock.now();
    const last = seen.get(peer);
    if (last && now - last.at < every) {
      last.held++;
      return;
    }
    seen.delete(peer);
    if (seen.size >= maxPeers) seen.delete(seen.keys().next().value!);
    seen.set(peer, { at: now, held: 0 });
    const held = last?.held ?? 0;
    const by = event.by === 'local' ? 'refused' : 'was refused by';
    const more = held > 0 ? ` (${held} more since the last line)` : '';
    sink.info({ ...event, ...(held > 0 ? { held } : {}) }, `link ${by} ${peer}: ${event.reason}${more}`);
  };
}
