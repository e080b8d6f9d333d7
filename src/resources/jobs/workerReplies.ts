import * as v from 'valibot';
import { parseResourceId, type ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import { WorkerStatusSchema, type WorkerStatus } from './interfaces.js';

/**
 * The scheduler's reading of what workers answer. A call's reply is not checked against the
 * interface on the caller's side, and a worker may be any node of the user's mesh, compromised
 * or buggy: every reply is validated here before placement reads it or the journal stores it.
 * A bad reply is a `badpacket` GlowError with `details.reason: "badreply"`.
 */

const KindsReplySchema = v.pipe(v.array(v.object({ name: v.string() })), v.maxLength(10_000));
const RunReplySchema = v.object({ process: v.pipe(v.string(), v.maxLength(300)) });

function badReply(worker: string, what: string, problem: string): GlowError {
  return new GlowError('badpacket', `worker ${worker} answered ${what} with ${problem}`, { reason: 'badreply', worker: worker.slice(0, 200) });
}

function malformed(issues: readonly { message: string }[]): string {
  return `a malformed reply (${issues[0]?.message ?? 'invalid'})`;
}

/**
 * A worker's `status` reply. `host` is the worker's node: a worker speaks for its own node only
 * (the node it names is where steps go and who may report their results).
 */
export function statusReply(reply: unknown, worker: string, host: string): WorkerStatus {
  const result = v.safeParse(WorkerStatusSchema, reply);
  if (!result.success) throw badReply(worker, 'status', malformed(result.issues));
  if (result.output.node !== host) throw badReply(worker, 'status', `the node ${JSON.stringify(result.output.node.slice(0, 80))}, not its own`);
  return result.output;
}

/** A node's `kinds` reply: the kind names it can spawn. */
export function kindsReply(reply: unknown, worker: string): Set<string> {
  const result = v.safeParse(KindsReplySchema, reply);
  if (!result.success) throw badReply(worker, 'kinds', malformed(result.issues));
  return new Set(result.output.map((kind) => kind.name));
}

/**
 * A worker's `run` reply: the id of the step process it started. The process must live on the
 * worker's own node `host`: the scheduler monitors and terminates it, so a worker naming a
 * resource elsewhere could have another node's resource terminated on cancel.
 */
export function runReply(reply: unknown, worker: string, host: string): ResourceId {
  const result = v.safeParse(RunReplySchema, reply);
  if (!result.success) throw badReply(worker, 'run', malformed(result.issues));
  let process: ResourceId;
  try {
    process = parseResourceId(result.output.process);
  } catch {
    throw badReply(worker, 'run', `a malformed process id ${JSON.stringify(result.output.process.slice(0, 80))}`);
  }
  if (process.node !== host) throw badReply(worker, 'run', `a process on another node (${process.node.slice(0, 80)})`);
  return process;
}
