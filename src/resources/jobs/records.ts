import { attemptLifecycle } from './attemptMachine.js';
import type { AttemptState, AttemptView, ErrorInfo, JobState, JobSummary, JobView, StepState, StepView } from './interfaces.js';
import type { AttemptRow, JobRow, StepRow } from './journal.js';
import type { PlannedStep } from './parseJob.js';

/**
 * An attempt in memory: its row plus the monitor on its process. Its state moves only through
 * `attemptLifecycle` (attemptMachine.ts).
 */
export interface AttemptRecord extends Omit<AttemptRow, 'state'> {
  readonly state: AttemptState;
  /** Stops watching the step process. */
  unmonitor?: () => void;
}

/**
 * A step in memory: its row plus what is not journaled (placement, progress, why it waits). Its
 * state moves only through `stepLifecycle` (stepMachine.ts).
 */
export interface StepRecord extends Omit<StepRow, 'state'> {
  readonly state: StepState;
  plan: PlannedStep;
  attempts: AttemptRecord[];
  /** Not before this time (a retry's backoff). */
  retryAt?: number;
  waiting?: string;
  progress?: { value: number; message?: string };
  /** A placement round is in flight. */
  placing: boolean;
}

/** A job in memory. Its state moves only through `jobLifecycle` (jobMachine.ts). */
export interface JobRecord extends Omit<JobRow, 'state'> {
  readonly state: JobState;
  steps: Map<string, StepRecord>;
  /** Bumped at every change; `watch` uses it to never miss the last one. */
  version: number;
}

/** Whether an attempt is in progress (starting or running: its machine's `live` states). */
export function isLive(attempt: AttemptRecord): boolean {
  return attemptLifecycle.hasTag(attempt.state, 'live');
}

/** The attempt of a step that is in progress, if any. */
export function currentAttempt(step: StepRecord): AttemptRecord | undefined {
  return step.attempts.findLast(isLive);
}

function attemptView(attempt: AttemptRecord): AttemptView {
  const view: AttemptView = { n: attempt.n, key: attempt.key, state: attempt.state, startedAt: attempt.startedAt };
  if (attempt.node !== undefined) view.node = attempt.node;
  if (attempt.process !== undefined) view.process = attempt.process;
  if (attempt.endedAt !== undefined) view.endedAt = attempt.endedAt;
  if (attempt.error !== undefined) view.error = attempt.error;
  return view;
}

function stepView(step: StepRecord): StepView {
  const view: StepView = { name: step.name, kind: step.plan.kind, after: step.plan.after, state: step.state, attempts: step.attempts.map(attemptView) };
  if (step.state === 'waiting' && step.waiting !== undefined) view.waiting = step.waiting;
  const node = currentAttempt(step)?.node ?? step.attempts.findLast((attempt) => attempt.state === 'done')?.node;
  if (node !== undefined) view.node = node;
  if (step.progress !== undefined) view.progress = step.progress;
  if (step.hasOutput) view.output = step.output;
  if (step.error !== undefined) view.error = step.error;
  return view;
}

/** A job as `show` and `watch` give it (a fresh plain object, safe to hand out). */
export function jobView(job: JobRecord): JobView {
  const view: JobView = {
    id: job.id,
    name: job.plan.name,
    state: job.state,
    schedule: job.plan.schedule,
    owner: job.owner,
    submittedBy: job.submittedBy,
    createdAt: job.createdAt,
    runs: job.runs,
    steps: [...job.steps.values()].map(stepView),
  };
  if (job.startedAt !== undefined) view.startedAt = job.startedAt;
  if (job.finishedAt !== undefined) view.finishedAt = job.finishedAt;
  if (job.nextRunAt !== undefined && job.state === 'scheduled') view.nextRunAt = job.nextRunAt;
  if (job.lastRun !== undefined) view.lastRun = job.lastRun;
  if (job.error !== undefined) view.error = job.error;
  return view;
}

/** A job as `list` gives it. */
export function jobSummary(job: JobRecord): JobSummary {
  const summary: JobSummary = {
    id: job.id,
    name: job.plan.name,
    state: job.state,
    createdAt: job.createdAt,
    runs: job.runs,
    steps: job.steps.size,
    done: [...job.steps.values()].filter((step) => step.state === 'done').length,
  };
  if (job.finishedAt !== undefined) summary.finishedAt = job.finishedAt;
  if (job.nextRunAt !== undefined && job.state === 'scheduled') summary.nextRunAt = job.nextRunAt;
  return summary;
}

/** An error as jobs record it. */
export function errorInfo(code: string, message: string): ErrorInfo {
  return { code, message: message.slice(0, 2000) };
}
