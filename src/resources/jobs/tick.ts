import type { Engine } from './engine.js';
import { jobLifecycle } from './jobMachine.js';
import { failJob, failStep, finishRun } from './outcomes.js';
import { placementFailed, placeStep, setWaiting } from './placeStep.js';
import { errorInfo, type JobRecord, type StepRecord } from './records.js';
import { describeWindow, insideWindow } from './schedule.js';
import { stepLifecycle } from './stepMachine.js';

/**
 * The tick: moves every job as far as it can go now — due runs start, ready steps are placed,
 * deadlines fail. Runs at every `tickInterval` and soon after every event (a submit, a result,
 * a retry's delay ending).
 */
export function pump(engine: Engine): void {
  if (engine.closed) return;
  const now = engine.clock.now();
  for (const job of engine.jobs.values()) {
    if (job.state === 'scheduled' && isDue(job, now)) startRun(engine, job, now);
    if (job.state === 'running') advance(engine, job, now);
  }
}

function idleWindow(job: JobRecord): { from: string; to: string } | undefined {
  const schedule = job.plan.schedule;
  return typeof schedule === 'object' && 'whenIdle' in schedule ? schedule.whenIdle : undefined;
}

function isDue(job: JobRecord, now: number): boolean {
  const window = idleWindow(job);
  return job.nextRunAt !== undefined && now >= job.nextRunAt && (window === undefined || insideWindow(window, now));
}

/** Starts a run: the job runs, every step starts again from `pending`. */
function startRun(engine: Engine, job: JobRecord, now: number): void {
  const { journal } = engine;
  const started = journal.transaction(() => {
    if (!jobLifecycle.move(job, { type: 'start' })) return false;
    job.runs++;
    job.startedAt = now;
    job.finishedAt = undefined;
    for (const step of job.steps.values()) {
      // The last run's attempts are done with: a late report from one is unknown from now on,
      // as it is after a restart (the journal loads the current run's attempts only).
      for (const attempt of step.attempts) engine.attempts.delete(attempt.key);
      stepLifecycle.move(step, { type: 'reset' });
      Object.assign(step, { readyAt: undefined, output: undefined, hasOutput: false, error: undefined, attempts: [], retryAt: undefined, waiting: undefined, progress: undefined });
      journal.saveStep(job.id, step);
    }
    journal.saveJob(job);
    return true;
  });
  if (!started) return;
  engine.log({ event: 'job.started', jobId: job.id });
  engine.changed(job);
}

function deadlinePassed(step: StepRecord, now: number): boolean {
  return step.plan.deadline !== undefined && step.readyAt !== undefined && now > step.readyAt + step.plan.deadline;
}

/** One look at a running job: its deadline, steps becoming ready, steps to place, the end of the run. */
function advance(engine: Engine, job: JobRecord, now: number): void {
  if (job.plan.deadline !== undefined && job.startedAt !== undefined && now > job.startedAt + job.plan.deadline) {
    return failJob(engine, job, errorInfo('timeout', `the job's deadline of ${job.plan.deadline} ms passed`));
  }
  const window = idleWindow(job);
  for (const step of job.steps.values()) {
    if (step.plan.after.every((name) => job.steps.get(name)?.state === 'done') && stepLifecycle.move(step, { type: 'ready' })) {
      step.readyAt = now;
      engine.journal.saveStep(job.id, step);
      engine.changed(job);
    }
    if (deadlinePassed(step, now)) {
      const why = step.state === 'waiting' && step.waiting ? `: ${step.waiting}` : '';
      // Only a waiting or running step accepts `fail`; a done one keeps its result.
      if (failStep(engine, job, step, errorInfo('timeout', `step ${step.name} missed its deadline of ${step.plan.deadline} ms${why}`))) return;
    }
    if (!stepLifecycle.accepts(step.state, { type: 'place' }) || step.placing || (step.retryAt ?? 0) > now) continue;
    if (window && !insideWindow(window, now)) {
      setWaiting(engine, job, step, `the idle window ${describeWindow(window)} is closed`);
      continue;
    }
    placeStep(engine, job, step, window !== undefined).catch((error: unknown) => placementFailed(engine, job, step, error));
  }
  if ([...job.steps.values()].every((step) => step.state === 'done')) finishRun(engine, job, 'done', now);
}
