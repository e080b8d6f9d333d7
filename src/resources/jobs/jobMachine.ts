import { setup } from 'xstate';
import { lifecycle } from './lifecycle.js';

/** What happens to a job (see {@link jobMachine}). */
export type JobEvent = { type: 'start' } | { type: 'finish' } | { type: 'fail' } | { type: 'reschedule' } | { type: 'cancel' };

/**
 * The lifecycle of a job. States (journaled as these strings):
 * - `scheduled` (initial): waiting for its time (`at`, the next `cron` match, the idle window);
 * - `running`: a run is in progress;
 * - `done` (final): every step of its one run is done;
 * - `failed` (final): a step failed for good or its deadline passed;
 * - `cancelled` (final): `cancel` was called.
 *
 * Events:
 * - `start` (its time came): scheduled → running;
 * - `finish` (every step is done): running → done;
 * - `fail` (a step failed for good, the deadline passed): running → failed;
 * - `reschedule` (a cron job's run ended, done or failed, and the cron has a next match):
 *   running → scheduled;
 * - `cancel`: scheduled, running → cancelled.
 */
export const jobMachine = setup({
  types: { events: {} as JobEvent },
}).createMachine({
  id: 'job',
  initial: 'scheduled',
  states: {
    scheduled: { on: { start: 'running', cancel: 'cancelled' } },
    running: { on: { finish: 'done', fail: 'failed', reschedule: 'scheduled', cancel: 'cancelled' } },
    done: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** {@link jobMachine} applied to job records. */
export const jobLifecycle = lifecycle(jobMachine);
