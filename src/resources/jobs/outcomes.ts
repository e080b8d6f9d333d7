import { ProcessInterface } from '../../actors/interfaces.js';
import { attemptLifecycle } from './attemptMachine.js';
import type { Engine } from './engine.js';
import type { ErrorInfo } from './interfaces.js';
import { jobLifecycle } from './jobMachine.js';
import type { AttemptRecord, JobRecord, StepRecord } from './records.js';
import { nextRunAt } from './schedule.js';
import { stepLifecycle, type StepEvent } from './stepMachine.js';

/** Terminates an attempt's process wherever it runs (best effort: a lost node took it already). */
export function terminate(engine: Engine, attempt: AttemptRecord): void {
  attempt.unmonitor?.();
  attempt.unmonitor = undefined;
  if (!attempt.process) return;
  const ref = engine.node.ref(attempt.process, ProcessInterface);
  ref.call('terminate', { reason: 'shutdown' }, { timeout: engine.settings.workerTimeout }).catch(() => undefined);
}

/**
 * Ends a run's unfinished work inside the caller's transaction: every attempt in progress is
 * cancelled and journaled, every step that accepts `event` (`stop` when the run failed, `cancel`
 * when the job was cancelled) is cancelled. Answers the attempts whose processes must be
 * terminated once the transaction committed.
 */
export function endRun(engine: Engine, job: JobRecord, event: StepEvent & { type: 'stop' | 'cancel' }, now: number): AttemptRecord[] {
  const stopping: AttemptRecord[] = [];
  for (const step of job.steps.values()) {
    for (const attempt of step.attempts) {
      if (!attemptLifecycle.move(attempt, { type: 'cancel' })) continue;
      attempt.endedAt = now;
      engine.journal.saveAttempt(job.id, attempt);
      stopping.push(attempt);
    }
    if (stepLifecycle.move(step, event)) engine.journal.saveStep(job.id, step);
  }
  return stopping;
}

/** Fails a step for good (a `fail` its state accepts), and with it the run. False when it did not move. */
export function failStep(engine: Engine, job: JobRecord, step: StepRecord, error: ErrorInfo): boolean {
  if (!stepLifecycle.move(step, { type: 'fail' })) return false;
  step.error = error;
  engine.journal.saveStep(job.id, step);
  engine.log({ event: 'step.failed', jobId: job.id, step: step.name, error });
  failJob(engine, job, error, step.name);
  return true;
}

/** Fails the run: other running steps are terminated; a cron job goes back to its schedule. */
export function failJob(engine: Engine, job: JobRecord, error: ErrorInfo, step?: string): void {
  if (!jobLifecycle.accepts(job.state, { type: 'fail' })) return;
  const now = engine.clock.now();
  const stopping = engine.journal.transaction(() => {
    const stopped = endRun(engine, job, { type: 'stop' }, now);
    job.error = step === undefined ? error : { ...error, step };
    finishRun(engine, job, 'failed', now);
    return stopped;
  });
  for (const attempt of stopping) terminate(engine, attempt);
  engine.log({ event: 'job.failed', jobId: job.id, step, error });
}

/**
 * Ends a running job's run, done or failed: a cron job with a next match is rescheduled (its
 * outcome kept as `lastRun`), any other job ends in that state.
 */
export function finishRun(engine: Engine, job: JobRecord, outcome: 'done' | 'failed', now: number): void {
  const schedule = job.plan.schedule;
  const next = typeof schedule === 'object' && 'cron' in schedule ? nextRunAt(schedule, now, Math.max(now, job.nextRunAt ?? now)) : undefined;
  const moved = next !== undefined ? jobLifecycle.move(job, { type: 'reschedule' }) : jobLifecycle.move(job, { type: outcome === 'done' ? 'finish' : 'fail' });
  if (!moved) return;
  job.lastRun = outcome;
  if (next !== undefined) job.nextRunAt = next;
  else job.finishedAt = now;
  if (outcome === 'done') job.error = undefined;
  engine.journal.saveJob(job);
  if (outcome === 'done') engine.log({ event: 'job.done', jobId: job.id });
  engine.changed(job);
}
