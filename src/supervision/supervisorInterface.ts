import * as v from 'valibot';
import { processInterface } from '../actors/interfaces.js';
import { method } from '../firefly/idl.js';
import { childSpecSchema } from './childSpec.js';

const ChildInfoSchema = v.object({
  id: v.string(),
  /** The child's process while it runs; null otherwise. */
  ref: v.nullable(v.string()),
  type: v.picklist(['worker', 'supervisor']),
  restart: v.picklist(['permanent', 'transient', 'temporary']),
  /**
   * `running`: its process runs (`ref`); `restarting`: the supervisor will start it again (after
   * its backoff, or now); `stopping`: its process was asked to stop; `stopped`: no process and
   * none coming until `restart_child`.
   */
  status: v.picklist(['running', 'restarting', 'stopping', 'stopped']),
});
const ChildIdSchema = v.object({ id: v.string() });

/**
 * `glow.Supervisor/1`: a process that starts, watches and restarts its children (OTP
 * semantics). Reads (`which_children`, `count_children`, `info`) answer at once, even while a
 * restart waits for its backoff; calls that change children are handled one at a time, in
 * turn with the restarts.
 */
export const SupervisorInterface = processInterface('glow.Supervisor/1', {
  which_children: method(v.object({}), v.array(ChildInfoSchema), { description: 'children in start order, with their status and current ref' }),
  count_children: method(
    v.object({}),
    v.object({ specs: v.number(), active: v.number(), supervisors: v.number(), workers: v.number() }),
  ),
  start_child: method(childSpecSchema, v.object({ ref: v.nullable(v.string()) }), { description: 'adds and starts a child' }),
  terminate_child: method(ChildIdSchema, v.object({ terminated: v.boolean() })),
  restart_child: method(ChildIdSchema, v.object({ ref: v.nullable(v.string()) })),
  delete_child: method(ChildIdSchema, v.object({ deleted: v.boolean() })),
});
