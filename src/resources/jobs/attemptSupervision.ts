import type { ExitReason } from '../../actors/types.js';
import { parseResourceId } from '../../firefly/address.js';
import { backoffDelay } from '../../supervision/backoff.js';
import { attemptLifecycle } from './attemptMachine.js';
import type { AttemptEntry, Engine } from './engine.js';
import type { ErrorInfo } from './interfaces.js';
import { failStep } from './outcomes.js';
import { currentAttempt, errorInfo, type JobRecord } from './records.js';
import { PERMANENT_FAILURES } from './stepKind.js';
import { stepLifecycle } from './stepMachine.js';

/** How often a resumed attempt's process is looked for again while its node is out of reach, ms. */
const RESUME_RECHECK = 250;

/**
 * Watches an attempt's process: its end without a result is a failed (or lost) attempt. Until
 * `graceUntil` (after a restart), `noconnection` only means the node is not reachable yet: the
 * process is looked for again a moment later, on the engine's clock.
 */
export function monitorAttempt(engine: Engine, entry: AttemptEntry, graceUntil?: number): void {
  const { attempt } = entry;
  attempt.unmonitor = engine.node.monitor(parseResourceId(attempt.process!), (down) => {
    if (engine.closed) return;
    const reason: ExitReason = down.reason;
    if (reason === 'noconnection' && graceUntil !== undefined && engine.clock.now() < graceUntil) {
      // Ending the attempt (any way) calls `unmonitor`, which cancels this look.
      const again = engine.clock.setTimeout(() => {
        if (!engine.closed) monitorAttempt(engine, entry, graceUntil);
      }, RESUME_RECHECK);
      attempt.unmonitor = () => engine.clock.clearTimeout(again);
      return;
    }
    if (reason === 'noconnection') {
      attemptEnded(engine, entry, 'lose', errorInfo('noconnection', `node ${attempt.node} was lost`), true);
    } else if (typeof reason === 'object') {
      attemptEnded(engine, entry, 'fail', errorInfo(reason.error.code, reason.error.message), !PERMANENT_FAILURES.has(reason.error.code));
    } else {
      attemptEnded(engine, entry, 'fail', errorInfo('crashed', `the step process ended (${reason}) without a result`), true);
    }
  });
}

/**
 * An attempt ended without a result (`fail` or `lose`, if its state accepts it): it is
 * journaled, then its step is retried after the backoff — a pump at that time on the clock —
 * or fails. False when the attempt did not move (it had ended already).
 */
export function attemptEnded(engine: Engine, entry: AttemptEntry, event: 'fail' | 'lose', error: ErrorInfo, retryable: boolean): boolean {
  const { job, step, attempt } = entry;
  if (!attemptLifecycle.move(attempt, { type: event })) return false;
  const now = engine.clock.now();
  attempt.endedAt = now;
  attempt.error = error;
  attempt.unmonitor?.();
  attempt.unmonitor = undefined;
  engine.journal.saveAttempt(job.id, attempt);
  engine.log({ event: event === 'lose' ? 'attempt.lost' : 'attempt.failed', jobId: job.id, step: step.name, key: attempt.key, node: attempt.node, error });
  // Another attempt still in progress decides the step.
  if (currentAttempt(step)) {
    engine.changed(job);
    return true;
  }
  const used = step.attempts.length;
  if (!retryable || used > step.plan.retries) {
    if (!failStep(engine, job, step, error)) engine.changed(job);
    return true;
  }
  if (!stepLifecycle.move(step, { type: 'retry' })) {
    engine.changed(job);
    return true;
  }
  const delay = backoffDelay(engine.settings.backoff, used);
  step.retryAt = now + delay;
  step.waiting = `retry ${used + 1} of ${step.plan.retries + 1} in ${delay} ms after: ${error.message}`;
  engine.journal.saveStep(job.id, step);
  engine.changed(job);
  engine.pumpAt(step.retryAt);
  return true;
}

/**
 * Re-attaches the attempts of a running job found in the journal: a `running` one is watched
 * again (with `resumeGrace` for its node's links to come back), a `starting` one is lost — its
 * process was never learnt, so it cannot be watched; a new attempt runs, and should the old one
 * report first, its result is the one recorded. A step left `running` with no attempt in
 * progress goes back to waiting.
 */
export function resumeJob(engine: Engine, job: JobRecord): void {
  for (const step of job.steps.values()) {
    for (const attempt of step.attempts) {
      const entry = { job, step, attempt };
      engine.attempts.set(attempt.key, entry);
      if (attempt.state === 'running' && attempt.process) monitorAttempt(engine, entry, engine.clock.now() + engine.settings.resumeGrace);
      else if (attempt.state === 'starting') attemptEnded(engine, entry, 'lose', errorInfo('noconnection', 'the scheduler restarted while the attempt was starting'), true);
    }
    if (!currentAttempt(step)) stepLifecycle.move(step, { type: 'retry' });
  }
}
