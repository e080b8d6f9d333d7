/** What the session layer did; see `Sessions`. */
export interface SessionStats {
  /** Packets sealed and sent. */
  sealed: number;
  /** Sealed packets (and probes) opened. */
  opened: number;
  /** Sealed packets or handshakes that failed authentication: changed on the way, or forged. */
  tampered: number;
  /** Sealed packets or first messages seen before. */
  replayed: number;
  /** Handshakes started (every try). */
  initiations: number;
  /** First messages answered. */
  responses: number;
  /** Handshake tries that got no answer in time. */
  handshakesLost: number;
  /** First messages refused because too many arrived in one second. */
  refusedHandshakes: number;
  /** Packets failed because their peer's queue was full. */
  queueFull: number;
  /** Probes sent (pings and pongs). */
  probes: number;
  /** Probes that got no answer: the route was reported silent. */
  probesLost: number;
  resetsSent: number;
  resetsReceived: number;
}

/** Zeroed {@link SessionStats}. */
export function emptySessionStats(): SessionStats {
  return {
    sealed: 0,
    opened: 0,
    tampered: 0,
    replayed: 0,
    initiations: 0,
    responses: 0,
    handshakesLost: 0,
    refusedHandshakes: 0,
    queueFull: 0,
    probes: 0,
    probesLost: 0,
    resetsSent: 0,
    resetsReceived: 0,
  };
}
