import type { ProcessKind } from '../../actors/process.js';
import { hashStep, sleepStep } from './builtinSteps.js';
import { ExecGrants, execStep } from './exec.js';
import { hashFilesStep } from './fileSteps.js';
import { jobsKind } from './jobsKind.js';
import type { Scheduler, SchedulerOptions } from './scheduler.js';
import { workerKind, type WorkerOptions } from './worker.js';

/** Options of {@link createJobKinds}. */
export interface JobKindsOptions {
  /** Options of the `jobs` kind (the scheduler). @default {} */
  scheduler?: SchedulerOptions;
  /** Options of the `worker` kind. @default {} */
  worker?: WorkerOptions;
  /** Called with each scheduler engine a `jobs` process starts. */
  onSchedulerStart?: (scheduler: Scheduler) => void;
}

/**
 * The kinds of the jobs resource for one node: `jobs` (scheduler), `worker`, and the built-in
 * step kinds `hash`, `hashFiles`, `sleep` and `exec` (exec does nothing unless `worker.allowExec`). Register
 * them all on every node that should run steps; spawn one `worker` per node and one `jobs`
 * where the journal lives.
 */
export function createJobKinds(options: JobKindsOptions = {}): ProcessKind[] {
  const grants = new ExecGrants();
  return [
    jobsKind(options.scheduler, options.onSchedulerStart),
    workerKind(options.worker ?? {}, grants),
    hashStep,
    hashFilesStep,
    sleepStep,
    execStep(grants),
  ];
}
