/** Counters a node keeps about what it refused or dropped, so that nothing is lost silently. */
export interface NodeStats {
  /** Casts that could not be delivered (noproc, busy, badarg, nomethod, denied). */
  castsFailed: number;
  /** Packets refused by the decoder or the dispatcher. */
  packetsRejected: number;
  /** Requests from peers the door's policy refused (each answered `denied` where an answer is owed). */
  denied: number;
}

/** Fresh counters. */
export function emptyNodeStats(): NodeStats {
  return { castsFailed: 0, packetsRejected: 0, denied: 0 };
}
