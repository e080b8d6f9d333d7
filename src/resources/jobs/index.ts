/**
 * The Jobs resource: jobs are DAGs of steps run as processes on idle nodes of the mesh,
 * journaled in SQLite so they survive restarts, with each step's result recorded exactly once.
 * Node.js only (SQLite, child_process, /sys): export it from the Node entry, not the browser core.
 *
 * Start: register `createJobKinds(options)` on each node, spawn `worker` on each node and
 * `jobs` with `{ db }` on one. Submit a job file (see `jobFile.ts`) to `glow.Jobs/1`.
 */
export { createJobKinds, type JobKindsOptions } from './kinds.js';
export { jobsKind, JobsArgsSchema, DEFAULT_JOBS_NAME, type JobsArgs } from './jobsKind.js';
export { workerKind, WorkerArgsSchema, WORKER_NAME_PREFIX, type WorkerOptions } from './worker.js';
export { Scheduler, type SchedulerOptions, type JobsLogEvent } from './scheduler.js';
export { Journal, type JobRow, type StepRow, type AttemptRow } from './journal.js';
export { parseJob, MAX_JOB_BYTES, type JobPlan, type PlannedStep } from './parseJob.js';
export { JobFileSchema, StepFileSchema, ScheduleSchema, DEFAULT_RETRIES, type JobFile, type StepFile, type Schedule } from './jobFile.js';
export { referencesIn, resolveReferences, pickPath, type StepReference } from './references.js';
export { insideWindow, nextRunAt, nextWindowOpening } from './schedule.js';
export { chooseWorker, probeWorkers, type WorkerCandidate, type Placement, type PlacementContext } from './placement.js';
export { defineStepKind, StepStartArgsSchema, PERMANENT_FAILURES, type StepStartArgs, type StepRun, type StepKindDefinition } from './stepKind.js';
export { hashStep, sleepStep } from './builtinSteps.js';
export { hashFilesStep, type HashFilesArgs } from './fileSteps.js';
export { execStep, ExecGrants, EXEC_OUTPUT_LIMIT } from './exec.js';
export { systemLoad, onBattery } from './idleness.js';
export { checkDag } from './dag.js';
export {
  JobsInterface,
  WorkerInterface,
  JobViewSchema,
  StepViewSchema,
  AttemptViewSchema,
  JobSummarySchema,
  WorkerStatusSchema,
  AttemptContextSchema,
  JobStateSchema,
  StepStateSchema,
  AttemptStateSchema,
  type JobView,
  type StepView,
  type AttemptView,
  type JobSummary,
  type WorkerStatus,
  type AttemptContext,
  type JobState,
  type StepState,
  type AttemptState,
  type ErrorInfo,
} from './interfaces.js';
