import * as v from 'valibot';
import type { Node } from '../actors/node.js';
import type { AnyResourceRef } from '../actors/ref.js';
import { isCleanExit, type ExitReason } from '../actors/types.js';
import type { NodeId, ResourceId } from '../firefly/address.js';
import type { BackoffSpec } from './backoff.js';

/** When a child is restarted (OTP): always, only after an abnormal exit, or never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** How a child is stopped: exit `shutdown` then `kill` after this many ms, `kill` at once, or wait forever. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/** What a start function gets: the node and the supervisor that will own the child. */
export interface ChildStartContext {
  readonly node: Node;
  /** The supervisor; pass it as `owner` so the child shows in its tree and ends with it. */
  readonly supervisor: ResourceId;
}

/**
 * Starts a child: returns its ref, or `'ignore'` (OTP: the child is not started, its spec is
 * kept). Throwing means the start failed.
 */
export type StartFunction = (ctx: ChildStartContext) => AnyResourceRef | 'ignore' | Promise<AnyResourceRef | 'ignore'>;

/** Start a process of a registered kind: plain data, so specs can be sent and stored. */
export interface KindStart {
  kind: string;
  args?: unknown;
}

/** A supervisor's child: plain data with OTP's defaults. */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  start: KindStart | StartFunction;
  /** @default 'permanent' */
  restart?: RestartType;
  /** @default 5000 for workers, 'infinity' for supervisors */
  shutdown?: Shutdown;
  /** @default 'worker' */
  type?: 'worker' | 'supervisor';
  /**
   * Where a `{ kind, args }` child runs: a node id, or candidate node ids in order of
   * preference. The child starts on the first candidate that can be reached; when its node is
   * lost, the restart goes to the first reachable candidate again (within the restart
   * intensity). The supervisor's own node may be a candidate.
   * @default the supervisor's node
   */
  where?: NodeId | NodeId[];
}

/** Restart strategies (OTP). */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/**
 * Waiting before a restart, growing with the restarts in the current intensity window:
 * `initial` before the first, × `factor` for each further one, at most `max` (see `backoffDelay`).
 */
export type Backoff = BackoffSpec;

/** A supervisor's flags and children. */
export interface SupervisorSpec {
  /** @default 'one_for_one' */
  strategy?: Strategy;
  /** Most restarts within `period` before the supervisor gives up. @default 1 */
  intensity?: number;
  /** Window of `intensity`, ms. @default 5000 */
  period?: number;
  /** Optional delay before restarts. @default none */
  backoff?: Backoff;
  /** Started in order, stopped in reverse order. @default [] */
  children?: ChildSpec[];
}

const ChildSpecSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  start: v.union([v.object({ kind: v.string(), args: v.optional(v.unknown()) }), v.custom<StartFunction>((x) => typeof x === 'function')]),
  restart: v.optional(v.picklist(['permanent', 'transient', 'temporary'])),
  shutdown: v.optional(v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), v.picklist(['brutal_kill', 'infinity'])])),
  type: v.optional(v.picklist(['worker', 'supervisor'])),
  where: v.optional(v.union([v.string(), v.pipe(v.array(v.string()), v.minLength(1), v.maxLength(64))])),
});

/** Validates a child spec (start functions pass only in-process; data specs travel anywhere). */
export const childSpecSchema: v.GenericSchema<ChildSpec> = ChildSpecSchema as never;

/** Validates a supervisor spec. */
export const supervisorSpecSchema: v.GenericSchema<SupervisorSpec> = v.object({
  strategy: v.optional(v.picklist(['one_for_one', 'one_for_all', 'rest_for_one'])),
  intensity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  period: v.optional(v.pipe(v.number(), v.minValue(1))),
  backoff: v.optional(
    v.object({ initial: v.pipe(v.number(), v.minValue(0)), max: v.pipe(v.number(), v.minValue(0)), factor: v.optional(v.pipe(v.number(), v.minValue(1))) }),
  ),
  children: v.optional(v.array(ChildSpecSchema)),
}) as never;

/** True when a child that ended with `reason` is restarted (OTP): permanent always, transient after an abnormal exit. */
export function restartsAfter(spec: ChildSpec, reason: ExitReason): boolean {
  const restart = spec.restart ?? 'permanent';
  return restart === 'permanent' || (restart === 'transient' && !isCleanExit(reason));
}

/**
 * True when a child that was being stopped ended as asked (OTP): with `killed` after
 * `brutal_kill`, else with `shutdown`; a child that is not permanent may also have ended
 * `normal` or `shutdown` on its own. Any other end is a `shutdown_error`.
 */
export function endedAsAsked(spec: ChildSpec, reason: ExitReason): boolean {
  if (reason === (shutdownOf(spec) === 'brutal_kill' ? 'killed' : 'shutdown')) return true;
  return (spec.restart ?? 'permanent') !== 'permanent' && isCleanExit(reason);
}

/** The shutdown a spec means, with OTP's defaults filled in. */
export function shutdownOf(spec: ChildSpec): Shutdown {
  return spec.shutdown ?? (spec.type === 'supervisor' ? 'infinity' : 5000);
}
