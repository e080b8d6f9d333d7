import { customAlphabet, urlAlphabet } from 'nanoid';
import type { Node } from '../../actors/node.js';
import type { ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import { createEngine, type Engine } from './engine.js';
import type { ErrorInfo, JobState, JobSummary, JobView } from './interfaces.js';
import { jobLifecycle } from './jobMachine.js';
import type { Journal } from './journal.js';
import { endRun, terminate } from './outcomes.js';
import { parseJob } from './parseJob.js';
import { jobSummary, jobView, type JobRecord } from './records.js';
import { checkReporter, complete, fail, progress, type ReportAnswer } from './reports.js';
import { restoreJobs } from './restore.js';
import { nextRunAt } from './schedule.js';
import type { SchedulerOptions } from './schedulerOptions.js';
import { pump } from './tick.js';

/**
 * A job's id: 12 characters of nanoid's alphabet without `-`, so that no id reads as an option
 * when typed after `glow job show` (1 id in 64 began with one, and the CLI took it for a flag).
 */
const jobId = customAlphabet(urlAlphabet.replace('-', ''), 12);

export type { JobsLogEvent, SchedulerOptions } from './schedulerOptions.js';

/**
 * The engine behind `glow.Jobs/1`: jobs in memory, written through to the {@link Journal}.
 * Handlers are synchronous (better-sqlite3 is), so each answer is given after its commit;
 * placements run in the background and re-check the job's state after every await. The
 * lifecycles of jobs, steps and attempts are the machines of jobMachine.ts, stepMachine.ts and
 * attemptMachine.ts; the parts are the tick (tick.ts), placement (placeStep.ts), attempt
 * supervision (attemptSupervision.ts), the steps' reports (reports.ts) and the ends of runs
 * (outcomes.ts).
 */
export class Scheduler {
  private readonly engine: Engine;

  constructor(
    node: Node,
    journal: Journal,
    /** The mesh-wide name steps report to. */
    name: string,
    options: SchedulerOptions = {},
  ) {
    this.engine = createEngine(node, journal, name, options, pump);
  }

  /** Loads the journal and resumes every unfinished job (see restore.ts); then ticks. */
  start(): void {
    restoreJobs(this.engine);
    this.engine.startTicking();
    this.engine.pumpSoon();
  }

  /** Stops timers and monitors, ends watchers, closes the journal. Running steps go on. */
  close(): void {
    this.engine.close();
  }

  /** `submit`: validates, journals, answers the id. `caller` undefined means this node. */
  submit(input: unknown, caller?: ResourceId): { id: string } {
    const { journal, clock, settings } = this.engine;
    const plan = parseJob(input);
    const owner = caller === undefined || caller.node === this.engine.node.id || settings.sameUser?.(caller.node) === true;
    if (!owner && plan.steps.some((step) => step.kind === 'exec')) {
      throw new GlowError('denied', "exec steps run only in the owner's jobs", { reason: 'exec-not-owner', node: caller?.node });
    }
    const now = clock.now();
    const job: JobRecord = {
      id: jobId(),
      plan,
      state: 'scheduled',
      owner,
      submittedBy: caller?.node ?? 'local',
      createdAt: now,
      nextRunAt: nextRunAt(plan.schedule, now),
      runs: 0,
      steps: new Map(plan.steps.map((step) => [step.name, { name: step.name, state: 'pending', hasOutput: false, plan: step, attempts: [], placing: false }])),
      version: 0,
    };
    journal.transaction(() => {
      journal.saveJob(job);
      for (const step of job.steps.values()) journal.saveStep(job.id, step);
    });
    this.engine.jobs.set(job.id, job);
    this.engine.log({ event: 'job.submitted', jobId: job.id });
    this.engine.pumpSoon();
    return { id: job.id };
  }

  /** `list`: the jobs, newest first, optionally only those in `state`. */
  list(state?: JobState): JobSummary[] {
    return [...this.engine.jobs.values()].filter((job) => state === undefined || job.state === state).reverse().map(jobSummary);
  }

  /** `show`: one job as it is now. */
  show(id: string): JobView {
    return jobView(this.engine.job(id));
  }

  /** `cancel`: journals the end, then terminates the running steps wherever they run. */
  cancel(id: string): { state: JobState } {
    const { journal, clock } = this.engine;
    const job = this.engine.job(id);
    const now = clock.now();
    const stopping = journal.transaction(() => {
      if (!jobLifecycle.move(job, { type: 'cancel' })) return undefined;
      job.finishedAt = now;
      const stopped = endRun(this.engine, job, { type: 'cancel' }, now);
      journal.saveJob(job);
      return stopped;
    });
    // A job that has ended already keeps its state.
    if (!stopping) return { state: job.state };
    for (const attempt of stopping) terminate(this.engine, attempt);
    this.engine.log({ event: 'job.cancelled', jobId: job.id });
    this.engine.changed(job);
    return { state: job.state };
  }

  /** `watch`: the job now, then after every change, until a final state. */
  async *watch(id: string): AsyncGenerator<JobView> {
    const job = this.engine.job(id);
    for (let seen = -1; !this.engine.closed; ) {
      if (job.version !== seen) {
        seen = job.version;
        // The state as sent: the job may move on while the consumer takes this item, and its
        // final state must still be sent before the stream ends.
        const final = jobLifecycle.isFinal(job.state);
        yield jobView(job);
        if (final) return;
        continue;
      }
      await this.engine.nextChange(id);
    }
  }

  /**
   * `complete`: a step's result, recorded once (see reports.ts). `from` is the reporting node
   * (undefined: this one); only the node running the attempt may report it (`denied` otherwise).
   */
  complete(key: string, output: unknown, from?: string): ReportAnswer {
    checkReporter(this.engine, key, from);
    return complete(this.engine, key, output);
  }

  /** `fail`: an attempt reports its failure; it is retried unless `retry` is false or retries are used up. Reporters as for `complete`. */
  fail(key: string, error: ErrorInfo, retry = true, from?: string): ReportAnswer {
    checkReporter(this.engine, key, from);
    return fail(this.engine, key, error, retry);
  }

  /** `progress`: kept in memory (not journaled) and streamed to watchers. Reporters as for `complete`. */
  progress(key: string, value: number, message?: string, from?: string): void {
    checkReporter(this.engine, key, from);
    progress(this.engine, key, value, message);
  }

  /** The count of `done` attempts per step, from the journal (an exactly-once audit). */
  recordedResults(id: string): Record<string, number> {
    return this.engine.journal.doneAttempts(this.engine.job(id).id);
  }
}
