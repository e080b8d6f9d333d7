/** Options of end-to-end sessions (`RouterOptions.sessions`). Every one has a default. */
export interface SessionOptions {
  /**
   * Milliseconds after which a session is replaced by a new handshake (the old one serves
   * until the new one is up), limiting what one key ever protects.
   * @default 120000
   */
  rekeyAfter?: number;
  /** Messages after which a session is replaced. @default 2^32 */
  rekeyAfterMessages?: number;
  /** Milliseconds after which a session is no longer used at all. @default 1.5 × rekeyAfter */
  rejectAfter?: number;
  /** Round-trip time assumed before a handshake measured one (ms). @default 100 */
  initialRtt?: number;
  /** Least wait for a handshake answer before trying again (ms); doubled on each try. @default 300 */
  minHandshakeWait?: number;
  /** Handshake tries before what waits for the session fails (`noconnection`). @default 5 */
  handshakeTries?: number;
  /** Least wait for any answer from a peer before probing it (ms); else 3 RTTs. @default 200 */
  minProbeWait?: number;
  /** Probes without answer before the session stops watching until the next packet. @default 10 */
  maxProbes?: number;
  /** Packets queued per peer while its session opens. @default 256 */
  maxQueued?: number;
  /** Packets kept per peer to be sent again if it proves it lost them (a restart). @default 128 */
  maxUnanswered?: number;
  /** Peers with session state; the oldest idle one is forgotten beyond this. @default 4096 */
  maxPeers?: number;
  /** Sessions kept per peer (the current one, one being replaced, one in flight). @default 3 */
  sessionsPerPeer?: number;
  /** First handshake messages answered per second, over all peers. @default 500 */
  handshakesPerSecond?: number;
  /** Least milliseconds between two resets sent to one peer for one index. @default 1000 */
  resetInterval?: number;
  /**
   * Milliseconds since the epoch, for first-message timestamps: a restarted node must still be
   * ahead of what its peers remember, so a monotonic clock that restarts at 0 will not do.
   * @default Date.now
   */
  wallClock?: () => number;
}

/** Session options with every default filled in. */
export type ResolvedSessionOptions = Required<SessionOptions>;

/** Fills in the defaults of {@link SessionOptions}. */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  const rekeyAfter = options.rekeyAfter ?? 120_000;
  return {
    rekeyAfter,
    rekeyAfterMessages: options.rekeyAfterMessages ?? 2 ** 32,
    rejectAfter: options.rejectAfter ?? 1.5 * rekeyAfter,
    initialRtt: options.initialRtt ?? 100,
    minHandshakeWait: options.minHandshakeWait ?? 300,
    handshakeTries: options.handshakeTries ?? 5,
    minProbeWait: options.minProbeWait ?? 200,
    maxProbes: options.maxProbes ?? 10,
    maxQueued: options.maxQueued ?? 256,
    maxUnanswered: options.maxUnanswered ?? 128,
    maxPeers: options.maxPeers ?? 4096,
    sessionsPerPeer: options.sessionsPerPeer ?? 3,
    handshakesPerSecond: options.handshakesPerSecond ?? 500,
    resetInterval: options.resetInterval ?? 1000,
    wallClock: options.wallClock ?? Date.now,
  };
}
