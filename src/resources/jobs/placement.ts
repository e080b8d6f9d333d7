import { NodeInterface } from '../../actors/interfaces.js';
import type { Node } from '../../actors/node.js';
import { NODE_RESOURCE, parseResourceId } from '../../firefly/address.js';
import { WorkerInterface, type WorkerStatus } from './interfaces.js';
import { WORKER_NAME_PREFIX } from './worker.js';
import { kindsReply, statusReply } from './workerReplies.js';

/** A worker as one placement round sees it. */
export interface WorkerCandidate {
  /** The worker resource, `glow://node/id`. */
  worker: string;
  status: WorkerStatus;
  /** Kinds its node can spawn (`glow.Node/1 kinds`). */
  kinds: ReadonlySet<string>;
}

/**
 * Asks every worker the directory knows on a node `accept`s (the user's own devices) for its
 * status and its node's kinds, in parallel, each within `timeout` ms. Workers that do not answer
 * (their node is lost or slow), or answer something malformed, are left out of this round.
 */
export async function probeWorkers(node: Node, timeout: number, accept: (node: string) => boolean = () => true): Promise<WorkerCandidate[]> {
  const workers = node.directory.list().filter((entry) => {
    if (!entry.name.startsWith(WORKER_NAME_PREFIX)) return false;
    try {
      const host = parseResourceId(entry.id).node;
      return host === node.id || accept(host);
    } catch {
      return false;
    }
  });
  const probes = workers.map(async (entry): Promise<WorkerCandidate | undefined> => {
    try {
      const id = parseResourceId(entry.id);
      const [status, kinds] = await Promise.all([
        node.ref(id, WorkerInterface).call('status', {}, { timeout }),
        node.ref({ node: id.node, local: NODE_RESOURCE }, NodeInterface).call('kinds', {}, { timeout }),
      ]);
      return { worker: entry.id, status: statusReply(status, entry.id, id.node), kinds: kindsReply(kinds, entry.id) };
    } catch {
      return undefined;
    }
  });
  return (await Promise.all(probes)).filter((found): found is WorkerCandidate => found !== undefined);
}

/** What placement decided: a worker, or why the step must wait. */
export type Placement = { worker: WorkerCandidate } | { waiting: string };

/** What the scheduler knows beyond the workers' own reports. */
export interface PlacementContext {
  /** Never pick a busy node (`whenIdle` jobs). */
  idleOnly: boolean;
  /** Attempts this scheduler is starting or running per node (a worker's own count lags). */
  inflight: (node: string) => number;
  /** Steps this scheduler placed per node so far: the tie-break that spreads equal nodes. */
  placed: (node: string) => number;
}

/**
 * Picks a worker for a step of `kind`: nodes that have the kind, are available and under their
 * cap; idle nodes before busy ones (busy never, for `idleOnly`), then the fewest running steps,
 * then the fewest placed so far. Otherwise says why the step waits, most specific reason first.
 */
export function chooseWorker(candidates: readonly WorkerCandidate[], kind: string, context: PlacementContext): Placement {
  if (candidates.length === 0) return { waiting: 'no worker is reachable' };
  const withKind = candidates.filter((candidate) => candidate.kinds.has(kind));
  if (withKind.length === 0) return { waiting: `no node has kind ${kind}` };
  const allowed = kind === 'exec' ? withKind.filter((candidate) => candidate.status.exec) : withKind;
  if (allowed.length === 0) return { waiting: 'no node allows exec' };
  const running = (candidate: WorkerCandidate) => Math.max(candidate.status.running, context.inflight(candidate.status.node));
  const open = allowed.filter((candidate) => candidate.status.available && running(candidate) < candidate.status.cap);
  if (open.length === 0) return { waiting: `every node with kind ${kind} is unavailable or at its cap` };
  // "Busy" here is load or battery: availability and the cap were checked above.
  const busy = (candidate: WorkerCandidate) => candidate.status.busy.some((reason) => reason.startsWith('load') || reason === 'on battery');
  const eligible = context.idleOnly ? open.filter((candidate) => !busy(candidate)) : open;
  if (eligible.length === 0) return { waiting: `no idle node has kind ${kind}` };
  const best = [...eligible].sort(
    (a, b) =>
      Number(busy(a)) - Number(busy(b)) ||
      running(a) - running(b) ||
      context.placed(a.status.node) - context.placed(b.status.node),
  )[0]!;
  return { worker: best };
}
