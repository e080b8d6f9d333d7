import * as v from 'valibot';
import type { ProcessKind } from '../../actors/process.js';
import type { ResourceId } from '../../firefly/address.js';
import { JobsInterface, type ErrorInfo, type JobState } from './interfaces.js';
import { Journal } from './journal.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

/** The name a scheduler registers unless its spawn args say otherwise. */
export const DEFAULT_JOBS_NAME = 'glow.jobs';

/** Spawn args of the `jobs` kind. */
export const JobsArgsSchema = v.strictObject({
  /** Path of the SQLite journal (created when missing). */
  db: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  /** Mesh-wide name to register; steps report to it. @default "glow.jobs" */
  name: v.optional(v.pipe(v.string(), v.maxLength(200))),
});

/** Spawn args of the `jobs` kind. */
export type JobsArgs = v.InferOutput<typeof JobsArgsSchema>;

/**
 * The `jobs` kind (`glow.Jobs/1`): the scheduler. Spawn it with `{ db: "/path/jobs.sqlite" }`;
 * it registers its name, resumes every unfinished job from the journal and answers
 * submit/list/show/cancel/watch plus the step reports (complete/fail/progress). Ending the
 * process closes the journal; steps running on workers go on and report to the next scheduler
 * started on the same journal under the same name.
 * `onStart` hands the engine out (tests and the daemon use it for audits).
 */
export function jobsKind(options: SchedulerOptions = {}, onStart?: (scheduler: Scheduler) => void): ProcessKind<JobsArgs> {
  return {
    name: 'jobs',
    description: 'runs jobs (DAGs of steps) on idle nodes, durably (glow.Jobs/1)',
    args: JobsArgsSchema,
    interface: JobsInterface,
    start(ctx, { db, name }) {
      const registered = name ?? DEFAULT_JOBS_NAME;
      const journal = new Journal(db);
      const scheduler = new Scheduler(ctx.node, journal, registered, options);
      try {
        ctx.register(registered);
        scheduler.start();
      } catch (error) {
        scheduler.close();
        throw error;
      }
      // The process ending (terminate, node shutdown, a crash) closes the journal and timers.
      ctx.node.monitor(ctx.self, () => scheduler.close());
      onStart?.(scheduler);
      return {
        handlers: {
          submit: ({ job }: { job: unknown }, _ctx: unknown, caller?: ResourceId) => scheduler.submit(job, caller),
          list: ({ state }: { state?: JobState }) => scheduler.list(state),
          show: ({ id }: { id: string }) => scheduler.show(id),
          cancel: ({ id }: { id: string }) => scheduler.cancel(id),
          watch: ({ id }: { id: string }) => scheduler.watch(id),
          complete: ({ key, output }: { key: string; output?: unknown }, _ctx: unknown, caller?: ResourceId) => scheduler.complete(key, output, caller?.node),
          fail: ({ key, error, retry }: { key: string; error: ErrorInfo; retry?: boolean }, _ctx: unknown, caller?: ResourceId) =>
            scheduler.fail(key, error, retry, caller?.node),
          progress: ({ key, value, message }: { key: string; value: number; message?: string }, _ctx: unknown, caller?: ResourceId) =>
            scheduler.progress(key, value, message, caller?.node),
        },
      };
    },
  };
}
