/** Counters a node keeps about what it refused or dropped, so that nothing is lost silently. */
export interface NodeStats {
  /** Casts that could not be delivered (noproc, busy, badarg, nomethod, denied). */
  castsFailed: number;
  /** Packets refused by the decoder or the dispatcher. */
  packetsRejected: number;
  /** Requests from peers the door's policy refused (each answered `denied` where an answer is owed). */
  denied: number;
}

/** What a node keeps, table by table: every entry must go once what it stood for is over. */
export interface NodeTables {
  /** Resources running. */
  resources: number;
  /** Monitors set (here or by peers) and not yet fired or dropped. */
  monitors: number;
  /** Local resources indexed as linked to resources of other nodes. */
  remoteLinks: number;
  /** Monitors other nodes hold on this node's resources. */
  watchedByPeers: number;
  /** Calls to other nodes waiting for their replies. */
  pendingCalls: number;
  /** Monitors this node holds on other nodes' resources. */
  remoteMonitors: number;
  /** Streams to or from other nodes. */
  streams: number;
}

/** Fresh counters. */
export function emptyNodeStats(): NodeStats {
  return { castsFailed: 0, packetsRejected: 0, denied: 0 };
}
