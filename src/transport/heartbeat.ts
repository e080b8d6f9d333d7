import type { Clock, Timer } from '../firefly/clock.js';

/** Heartbeat settings of a framed link. */
export interface HeartbeatOptions {
  /**
   * How often a ping is sent, in ms. Each ping measures the round-trip time, and any frame from
   * the peer proves it alive; the timeout is checked at the same pace.
   * @default 250
   */
  heartbeatInterval?: number;
  /**
   * How long the peer may stay silent, in ms, before the link closes with `'heartbeat timeout'`
   * (`by: 'transport'`). A killed or frozen peer is detected this long after it was last heard
   * (the check runs at each ping, and once more exactly at the deadline when that falls between
   * two pings), which with the router's grace keeps detection under the mesh's 1.5 s goal.
   * @default 1000
   */
  heartbeatTimeout?: number;
}

/** What the heartbeat asks of its link. */
export interface HeartbeatActions {
  ping(timestamp: Uint8Array): void;
  timedOut(): void;
}

// Smoothing weight of a new RTT sample, as in TCP's SRTT (RFC 6298).
const ALPHA = 1 / 8;
// Weight of a new sample's deviation in the RTT variation, as in TCP's RTTVAR (RFC 6298).
const BETA = 1 / 4;
// A busy link's timeout grows with its round trip up to this many times the configured one.
const MAX_STRETCH = 8;
// Echoes claiming a round trip longer than this are not believed (clock games, replays).
const MAX_SAMPLE_MS = 60_000;

/**
 * Liveness and RTT for one link: pings on an interval, smooths the echoes into `rtt`, and calls
 * `timedOut` when nothing at all was heard from the peer for the timeout. Every timer and
 * timestamp is the link's clock's: a ping carries `clock.now()`, which only we read back.
 */
export class Heartbeat {
  /** Smoothed round-trip time in ms; undefined until the first echo. */
  rtt: number | undefined;
  /** Smoothed deviation of the round-trip time (RFC 6298's RTTVAR), in ms. */
  private rttvar = 0;
  private lastHeard: number;
  /** When the interval last ticked. */
  private lastTick: number;
  /** Time since `lastHeard` during which this side could not read what arrived (see `late`). */
  private deaf = 0;
  private deafUntil = 0;
  private timer: Timer | undefined;
  /** A one-shot check at the timeout's deadline, when it falls before the next tick. */
  private deadline: Timer | undefined;
  private readonly interval: number;
  private readonly timeout: number;
  /** How many times the peer was heard: a probe asks whether it was heard again since. */
  private heardCount = 0;
  /** Checks of {@link probe} still due. */
  private readonly probes = new Set<Timer>();

  constructor(
    options: HeartbeatOptions,
    private readonly actions: HeartbeatActions,
    private readonly clock: Clock,
  ) {
    this.interval = options.heartbeatInterval ?? 250;
    this.timeout = options.heartbeatTimeout ?? 1000;
    this.lastHeard = this.lastTick = clock.now();
  }

  /** Starts pinging, with a first ping at once so that `rtt` is known within one round trip. */
  start(): void {
    this.lastHeard = this.clock.now();
    this.lastTick = this.lastHeard;
    this.deaf = 0;
    this.timer = this.clock.setInterval(() => this.tick(), this.interval);
    this.sendPing();
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.deadline);
    for (const probe of this.probes) this.clock.clearTimeout(probe);
    this.probes.clear();
    this.timer = undefined;
    this.deadline = undefined;
  }

  /**
   * Asks the peer to prove it is still there within `within` ms (a ping now; the link times out
   * if nothing at all is heard by then): after this machine's network changed, a link whose path
   * is gone is found in a round trip or two instead of the whole timeout.
   */
  probe(within: number): void {
    if (this.timer === undefined) return;
    const heardBefore = this.heardCount;
    this.sendPing();
    const silent = () => this.timer !== undefined && this.heardCount === heardBefore;
    const check = this.clock.setTimeout(() => {
      this.probes.delete(check);
      if (!silent()) return;
      // Timers run before the loop reads its sockets: after a busy stretch the peer's answer may
      // be waiting there. One more turn reads it before the link is given up.
      const again = this.clock.setTimeout(() => {
        this.probes.delete(again);
        if (!silent()) return;
        this.stop();
        this.actions.timedOut();
      }, 0);
      this.probes.add(again);
    }, within);
    this.probes.add(check);
  }

  /** Something arrived from the peer. */
  heard(): void {
    this.heardCount++;
    this.lastHeard = this.clock.now();
    this.deaf = 0;
  }

  /** A pong echoing one of our pings (8 bytes); anything implausible is ignored. */
  pong(echo: Uint8Array): void {
    if (echo.length !== 8) return;
    const sent = new DataView(echo.buffer, echo.byteOffset, 8).getFloat64(0);
    const sample = this.clock.now() - sent;
    if (!Number.isFinite(sample) || sample < 0 || sample > MAX_SAMPLE_MS) return;
    if (this.rtt === undefined) {
      this.rtt = sample;
      this.rttvar = sample / 2;
    } else {
      this.rttvar += BETA * (Math.abs(this.rtt - sample) - this.rttvar);
      this.rtt += ALPHA * (sample - this.rtt);
    }
  }

  private tick(): void {
    this.late(this.lastTick + this.interval);
    this.lastTick = this.clock.now();
    if (this.expired()) return;
    this.sendPing();
    // Silence reaches the timeout before the next tick: look again right then, so that a dead
    // peer is noticed at the timeout and not up to one interval after it. (While the peer
    // answers, it is heard every interval and this never arms.)
    const left = this.allowedSilence() - this.silence();
    if (left < this.interval && this.deadline === undefined) {
      // +1: timers count whole milliseconds and may fire a fraction early.
      const delay = Math.ceil(left) + 1;
      const due = this.clock.now() + delay;
      this.deadline = this.clock.setTimeout(() => {
        this.deadline = undefined;
        this.late(due);
        this.expired();
      }, delay);
    }
  }

  /**
   * A timer due at `due` runs only now: meanwhile this process ran other code (a long task, or
   * the CPU went to other processes) and read nothing — timers run before the loop reads its
   * sockets, and what the peer sent is still waiting there. Without this, a task that blocked for
   * the timeout closed every link of the process (a 1 s burst of sends did, in the WebRTC
   * compliance runs under load). Only lateness beyond one interval counts: a shorter one cannot
   * hide a live peer's pings for the timeout, and ordinary scheduling jitter must not slow the
   * detection of a dead one. Counted once when two timers were late together.
   */
  private late(due: number): void {
    const t = this.clock.now();
    this.deaf += Math.max(0, t - Math.max(due, this.deafUntil, this.lastHeard) - this.interval);
    this.deafUntil = t;
  }

  /**
   * How long the peer may be silent: the configured timeout, plus the time its frames have lately
   * spent in queues (SRTT + 4·RTTVAR, as TCP bounds a retransmission), at most {@link MAX_STRETCH}
   * times the timeout. On an idle link that adds milliseconds, so a dead peer is found as fast as
   * configured; under a burst each way, pings wait behind megabytes of data and a live peer's next
   * frame can be seconds apart, which must not read as death.
   */
  private allowedSilence(): number {
    if (this.rtt === undefined) return this.timeout;
    return Math.min(this.timeout * MAX_STRETCH, this.timeout + this.rtt + 4 * this.rttvar);
  }

  /** How long the peer has been silent while we could have heard it. */
  private silence(): number {
    return this.clock.now() - this.lastHeard - this.deaf;
  }

  /** Closes the link when the peer has been silent for the timeout; true when it did (or had). */
  private expired(): boolean {
    if (this.timer === undefined) return true;
    if (this.silence() < this.allowedSilence()) return false;
    this.stop();
    this.actions.timedOut();
    return true;
  }

  private sendPing(): void {
    const stamp = new Uint8Array(8);
    new DataView(stamp.buffer).setFloat64(0, this.clock.now());
    this.actions.ping(stamp);
  }
}
