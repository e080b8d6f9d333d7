import { setup } from 'xstate';
import { lifecycle } from './lifecycle.js';

/** What happens to a step (see {@link stepMachine}). */
export type StepEvent =
  | { type: 'ready' }
  | { type: 'place' }
  | { type: 'retry' }
  | { type: 'result' }
  | { type: 'fail' }
  | { type: 'stop' }
  | { type: 'cancel' }
  | { type: 'reset' };

/**
 * The lifecycle of a step in its job's current run. States (journaled as these strings):
 * - `pending` (initial): a step it depends on is not done;
 * - `waiting`: it could start; it waits for a worker, its retry delay or the idle window;
 * - `running`: an attempt is starting or running;
 * - `done`: a result is recorded; `failed`: it failed for good; `cancelled`: its run ended
 *   before it finished. None is final: a cron job's next run starts its steps again.
 *
 * Events:
 * - `ready` (every step it depends on is done): pending → waiting;
 * - `place` (an attempt is journaled): waiting → running;
 * - `retry` (its attempt ended without a result and a retry is left, or a restart found it
 *   with no attempt in progress): running → waiting;
 * - `result` (an attempt's result is recorded; a lost one's may come while it waits): waiting,
 *   running → done;
 * - `fail` (its deadline passed, its args do not resolve, an attempt failed for good): waiting,
 *   running → failed;
 * - `stop` (the run failed elsewhere): pending, waiting, running → cancelled;
 * - `cancel` (the job is cancelled): pending, waiting, running, failed → cancelled (every step
 *   without a result, the failed one of a cron job's last run included);
 * - `reset` (the job's next run starts): pending, done, failed, cancelled → pending.
 */
export const stepMachine = setup({
  types: { events: {} as StepEvent },
}).createMachine({
  id: 'step',
  initial: 'pending',
  states: {
    pending: { on: { ready: 'waiting', stop: 'cancelled', cancel: 'cancelled', reset: 'pending' } },
    waiting: { on: { place: 'running', result: 'done', fail: 'failed', stop: 'cancelled', cancel: 'cancelled' } },
    running: { on: { retry: 'waiting', result: 'done', fail: 'failed', stop: 'cancelled', cancel: 'cancelled' } },
    done: { on: { reset: 'pending' } },
    failed: { on: { cancel: 'cancelled', reset: 'pending' } },
    cancelled: { on: { reset: 'pending' } },
  },
});

/** {@link stepMachine} applied to step records. */
export const stepLifecycle = lifecycle(stepMachine);
