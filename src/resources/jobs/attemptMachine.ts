import { setup } from 'xstate';
import { lifecycle } from './lifecycle.js';

/** What happens to an attempt (see {@link attemptMachine}). */
export type AttemptEvent =
  | { type: 'started' }
  | { type: 'result' }
  | { type: 'fail' }
  | { type: 'lose' }
  | { type: 'supersede' }
  | { type: 'cancel' };

/**
 * The lifecycle of one attempt at a step. States (journaled as these strings):
 * - `starting` (initial; tag `live`): journaled, and a worker is asked to `run` it;
 * - `running` (tag `live`): the worker answered its process, which the scheduler monitors;
 * - `lost`: its node became unreachable, or the scheduler restarted while it was starting. Not
 *   final: its process may still run, and should its result come first it is the step's;
 * - `done` (final): its result is the step's result;
 * - `failed` (final): it reported a failure, its process ended without a result, `run` was
 *   refused, or its output was too large;
 * - `superseded` (final): another attempt's result was recorded first;
 * - `cancelled` (final): its job was cancelled or failed.
 *
 * Events:
 * - `started`: starting → running;
 * - `result`: starting, running, lost → done;
 * - `fail`: starting, running → failed;
 * - `lose`: starting, running → lost;
 * - `supersede`: starting, running → superseded;
 * - `cancel`: starting, running → cancelled.
 *
 * Any other pair is refused: a late `fail` from a lost attempt, a result for a superseded one,
 * `started` for an attempt cancelled while the worker started it.
 */
export const attemptMachine = setup({
  types: { events: {} as AttemptEvent, tags: {} as 'live' },
}).createMachine({
  id: 'attempt',
  initial: 'starting',
  states: {
    starting: {
      tags: ['live'],
      on: { started: 'running', result: 'done', fail: 'failed', lose: 'lost', supersede: 'superseded', cancel: 'cancelled' },
    },
    running: {
      tags: ['live'],
      on: { result: 'done', fail: 'failed', lose: 'lost', supersede: 'superseded', cancel: 'cancelled' },
    },
    lost: { on: { result: 'done' } },
    done: { type: 'final' },
    failed: { type: 'final' },
    superseded: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** {@link attemptMachine} applied to attempt records. */
export const attemptLifecycle = lifecycle(attemptMachine);
