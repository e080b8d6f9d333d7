import { nanoid } from 'nanoid';
import { ProcessInterface } from '../../actors/interfaces.js';
import type { Node } from '../../actors/node.js';
import type { ExitReason } from '../../actors/types.js';
import { parseResourceId, type ResourceId } from '../../firefly/address.js';
import { GlowError, isGlowError } from '../../firefly/errors.js';
import { WorkerInterface, type ErrorInfo, type JobState, type JobSummary, type JobView } from './interfaces.js';
import type { Journal } from './journal.js';
import { parseJob } from './parseJob.js';
import { chooseWorker, probeWorkers } from './placement.js';
import { currentAttempt, errorInfo, isFinal, jobSummary, jobView, type AttemptRecord, type JobRecord, type StepRecord } from './records.js';
import { resolveReferences } from './references.js';
import { describeWindow, insideWindow, nextRunAt, systemWallClock, type WallClock } from './schedule.js';
import { PERMANENT_FAILURES } from './stepKind.js';

/** What the scheduler logs (failures always; the rest for tests and the daemon's log). */
export interface JobsLogEvent {
  event:
    | 'job.submitted' | 'job.started' | 'job.done' | 'job.failed' | 'job.cancelled'
    | 'step.started' | 'step.done' | 'step.failed' | 'attempt.failed' | 'attempt.lost' | 'result.ignored';
  jobId: string;
  step?: string;
  key?: string;
  node?: string;
  reason?: string;
  error?: ErrorInfo;
}

/** Options of the scheduler (the `jobs` kind), given to `createJobKinds`. */
export interface SchedulerOptions {
  /**
   * Wall clock for schedules, idle windows, deadlines and retry delays.
   * @default systemWallClock (Date.now)
   */
  clock?: WallClock;
  /**
   * Milliseconds between re-evaluations of schedules, deadlines and waiting steps (events —
   * a result, a lost node, a submit — are handled at once, not at the next tick).
   * @default 1000
   */
  tickInterval?: number;
  /**
   * After a restart, how long an attempt that was running may stay out of reach (its worker's
   * links coming back) before it counts as lost, in ms.
   * @default 10000
   */
  resumeGrace?: number;
  /**
   * Delay before retry n (from 1): `initial × factor^(n−1)`, at most `max` ms.
   * @default { initial: 200, max: 10000, factor: 2 }
   */
  backoff?: { initial: number; max: number; factor?: number };
  /**
   * Milliseconds a worker has to answer `status` and `run` before it is left out.
   * @default 2000
   */
  workerTimeout?: number;
  /**
   * Nodes whose submissions count as the owner's (the owner's other devices). Calls made on the
   * scheduler's own node (the daemon's control channel) always do.
   * @default []
   */
  trustedNodes?: string[];
  /**
   * Largest step output, as JSON text; a bigger output fails the attempt (big data belongs in files).
   * @default 262144
   */
  maxOutputBytes?: number;
  /**
   * Where events go.
   * @default failures (`job.failed`, `step.failed`) to console.error
   */
  log?: (event: JobsLogEvent) => void;
}

const defaultLog = (event: JobsLogEvent) => {
  if (event.event === 'job.failed' || event.event === 'step.failed') console.error(`[jobs] ${event.event} ${event.jobId}${event.step ? ` ${event.step}` : ''}: ${event.error?.message ?? event.reason ?? ''}`);
};

/**
 * The engine behind `glow.Jobs/1`: jobs in memory, written through to the {@link Journal}.
 * Handlers are synchronous (better-sqlite3 is), so each answer is given after its commit;
 * placements run in the background and re-check the job's state after every await.
 */
export class Scheduler {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly byKey = new Map<string, { job: JobRecord; step: StepRecord; attempt: AttemptRecord }>();
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly placed = new Map<string, number>();
  private readonly clock: WallClock;
  private readonly log: (event: JobsLogEvent) => void;
  private timer?: ReturnType<typeof setInterval>;
  private pumpQueued = false;
  private closed = false;

  constructor(
    private readonly node: Node,
    private readonly journal: Journal,
    /** The mesh-wide name steps report to. */
    private readonly name: string,
    private readonly options: SchedulerOptions = {},
  ) {
    this.clock = options.clock ?? systemWallClock;
    this.log = options.log ?? defaultLog;
  }

  /** Loads the journal and resumes every unfinished job; then ticks. */
  start(): void {
    for (const row of this.journal.loadJobs()) {
      const steps = new Map<string, StepRecord>();
      const saved = new Map(this.journal.loadSteps(row.id).map((step) => [step.name, step]));
      const attempts = this.journal.loadAttempts(row.id, row.runs);
      for (const plan of row.plan.steps) {
        const step = saved.get(plan.name) ?? { name: plan.name, state: 'pending' as const, hasOutput: false };
        steps.set(plan.name, { ...step, plan, attempts: attempts.filter((attempt) => attempt.step === plan.name), placing: false });
      }
      const job: JobRecord = { ...row, steps, version: 0 };
      this.jobs.set(job.id, job);
      if (job.state === 'running') this.resume(job);
    }
    this.timer = setInterval(() => this.pump(), this.options.tickInterval ?? 1000);
    this.schedulePump();
  }

  /** Re-attaches the running steps of a job found in the journal, or re-runs them. */
  private resume(job: JobRecord): void {
    for (const step of job.steps.values()) {
      for (const attempt of step.attempts) {
        this.byKey.set(attempt.key, { job, step, attempt });
        // Links come back some time after a restart: until `resumeGrace` has passed, an attempt's
        // node being out of reach is not yet taken for a lost node.
        if (attempt.state === 'running' && attempt.process) this.monitorAttempt(job, step, attempt, this.clock.now() + (this.options.resumeGrace ?? 10_000));
        else if (attempt.state === 'starting') {
          // We never learnt its process: it may run, but it cannot be watched. A new attempt
          // runs; should the old one report first, the first result is the one recorded.
          this.attemptEnded(job, step, attempt, 'lost', errorInfo('noconnection', 'the scheduler restarted while the attempt was starting'), true);
        }
      }
      if (step.state === 'running' && !currentAttempt(step)) step.state = 'waiting';
    }
  }

  /** Stops timers and monitors, ends watchers, closes the journal. Running steps go on. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const { attempt } of this.byKey.values()) attempt.unmonitor?.();
    for (const waiters of this.watchers.values()) for (const wake of waiters) wake();
    this.journal.close();
  }

  // ---- members ---------------------------------------------------------------------------

  /** `submit`: validates, journals, answers the id. `caller` undefined means this node. */
  submit(input: unknown, caller?: ResourceId): { id: string } {
    const plan = parseJob(input);
    const owner = caller === undefined || (this.options.trustedNodes ?? []).includes(caller.node);
    if (!owner && plan.steps.some((step) => step.kind === 'exec')) {
      throw new GlowError('denied', "exec steps run only in the owner's jobs", { reason: 'exec-not-owner', node: caller?.node });
    }
    const now = this.clock.now();
    const next = nextRunAt(plan.schedule, now);
    const job: JobRecord = {
      id: nanoid(12),
      plan,
      state: 'scheduled',
      owner,
      submittedBy: caller?.node ?? 'local',
      createdAt: now,
      nextRunAt: next,
      runs: 0,
      steps: new Map(plan.steps.map((step) => [step.name, { name: step.name, state: 'pending', hasOutput: false, plan: step, attempts: [], placing: false }])),
      version: 0,
    };
    this.journal.transaction(() => {
      this.journal.saveJob(job);
      for (const step of job.steps.values()) this.journal.saveStep(job.id, step);
    });
    this.jobs.set(job.id, job);
    this.log({ event: 'job.submitted', jobId: job.id });
    this.schedulePump();
    return { id: job.id };
  }

  list(state?: JobState): JobSummary[] {
    return [...this.jobs.values()].filter((job) => state === undefined || job.state === state).reverse().map(jobSummary);
  }

  show(id: string): JobView {
    return jobView(this.job(id));
  }

  /** `cancel`: journals the end, then terminates the running steps wherever they run. */
  cancel(id: string): { state: JobState } {
    const job = this.job(id);
    if (isFinal(job.state)) return { state: job.state };
    const stopping: AttemptRecord[] = [];
    this.journal.transaction(() => {
      job.state = 'cancelled';
      job.finishedAt = this.clock.now();
      for (const step of job.steps.values()) {
        for (const attempt of step.attempts) {
          if (attempt.state !== 'starting' && attempt.state !== 'running') continue;
          attempt.state = 'cancelled';
          attempt.endedAt = job.finishedAt;
          this.journal.saveAttempt(job.id, attempt);
          stopping.push(attempt);
        }
        if (step.state !== 'done') {
          step.state = 'cancelled';
          this.journal.saveStep(job.id, step);
        }
      }
      this.journal.saveJob(job);
    });
    for (const attempt of stopping) this.terminate(attempt);
    this.log({ event: 'job.cancelled', jobId: job.id });
    this.changed(job);
    return { state: job.state };
  }

  /** `watch`: the job now, then after every change, until a final state. */
  async *watch(id: string): AsyncGenerator<JobView> {
    const job = this.job(id);
    for (let seen = -1; !this.closed; ) {
      if (job.version !== seen) {
        seen = job.version;
        // The state as sent: the job may move on while the consumer takes this item, and its
        // final state must still be sent before the stream ends.
        const final = isFinal(job.state);
        yield jobView(job);
        if (final) return;
        continue;
      }
      await new Promise<void>((resolve) => {
        const waiters = this.watchers.get(id) ?? new Set();
        this.watchers.set(id, waiters);
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    }
  }

  /**
   * `complete`: records a step's result once. The first result of any attempt of the step wins
   * (even from an attempt given up as lost); every later one — a lost worker's late reply, a
   * duplicate delivery — is answered `accepted: false` and changes nothing. The answer is sent
   * after the commit, so a step that got `accepted: true` knows its result is durable.
   */
  complete(key: string, output: unknown): { accepted: boolean; reason?: string } {
    const entry = this.byKey.get(key);
    if (!entry) return this.ignored(undefined, key, 'unknown attempt (an older run, or never started by this scheduler)');
    const { job, step, attempt } = entry;
    if (step.state === 'done') return this.ignored(job, key, 'the step already has a result', step.name);
    if (job.state !== 'running') return this.ignored(job, key, `the job is ${job.state}`, step.name);
    if (step.state !== 'running' && step.state !== 'waiting') return this.ignored(job, key, `the step is ${step.state}`, step.name);
    if (attempt.state !== 'starting' && attempt.state !== 'running' && attempt.state !== 'lost') {
      return this.ignored(job, key, `the attempt is ${attempt.state}`, step.name);
    }
    const text = JSON.stringify(output ?? null);
    const limit = this.options.maxOutputBytes ?? 256 * 1024;
    if (text.length > limit) {
      this.attemptEnded(job, step, attempt, 'failed', errorInfo('badarg', `the output is ${text.length} bytes, more than ${limit}`), false);
      return { accepted: false, reason: 'output too large' };
    }
    const now = this.clock.now();
    const superseded: AttemptRecord[] = [];
    this.journal.transaction(() => {
      step.state = 'done';
      step.output = JSON.parse(text) as unknown;
      step.hasOutput = true;
      step.waiting = undefined;
      step.error = undefined;
      step.progress = { value: 1, message: step.progress?.message };
      attempt.state = 'done';
      attempt.endedAt = now;
      this.journal.saveAttempt(job.id, attempt);
      for (const other of step.attempts) {
        if (other === attempt || (other.state !== 'starting' && other.state !== 'running')) continue;
        other.state = 'superseded';
        other.endedAt = now;
        this.journal.saveAttempt(job.id, other);
        superseded.push(other);
      }
      this.journal.saveStep(job.id, step);
    });
    attempt.unmonitor?.();
    for (const other of superseded) this.terminate(other);
    this.log({ event: 'step.done', jobId: job.id, step: step.name, key, node: attempt.node });
    this.changed(job);
    this.schedulePump();
    return { accepted: true };
  }

  /** `fail`: an attempt reports its failure; it is retried unless `retry` is false or retries are used up. */
  fail(key: string, error: ErrorInfo, retry = true): { accepted: boolean; reason?: string } {
    const entry = this.byKey.get(key);
    if (!entry) return this.ignored(undefined, key, 'unknown attempt');
    const { job, step, attempt } = entry;
    if (attempt.state !== 'starting' && attempt.state !== 'running') return this.ignored(job, key, `the attempt is ${attempt.state}`, step.name);
    this.attemptEnded(job, step, attempt, 'failed', errorInfo(error.code, error.message), retry && !PERMANENT_FAILURES.has(error.code));
    return { accepted: true };
  }

  /** `progress`: kept in memory (not journaled) and streamed to watchers. */
  progress(key: string, value: number, message?: string): void {
    const entry = this.byKey.get(key);
    if (!entry || currentAttempt(entry.step) !== entry.attempt) return;
    entry.step.progress = message === undefined ? { value } : { value, message };
    this.changed(entry.job);
  }

  /** The count of `done` attempts per step, from the journal (an exactly-once audit). */
  recordedResults(id: string): Record<string, number> {
    return this.journal.doneAttempts(this.job(id).id);
  }

  // ---- the engine ------------------------------------------------------------------------

  private job(id: string): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw new GlowError('badarg', `no job ${JSON.stringify(id.slice(0, 64))}`, { reason: 'unknown-job', id: id.slice(0, 64) });
    return job;
  }

  private ignored(job: JobRecord | undefined, key: string, reason: string, step?: string): { accepted: false; reason: string } {
    this.log({ event: 'result.ignored', jobId: job?.id ?? key.split('.')[0] ?? '', step, key, reason });
    return { accepted: false, reason };
  }

  private changed(job: JobRecord): void {
    job.version++;
    const waiters = this.watchers.get(job.id);
    if (waiters) for (const wake of [...waiters]) wake();
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Moves every job as far as it can go now: due runs start, ready steps are placed, deadlines fail. */
  private pump(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const job of this.jobs.values()) {
      if (job.state === 'scheduled') {
        const schedule = job.plan.schedule;
        const windowOpen = typeof schedule === 'string' || !('whenIdle' in schedule) || insideWindow(schedule.whenIdle, now);
        if (job.nextRunAt !== undefined && now >= job.nextRunAt && windowOpen) this.startRun(job, now);
      }
      if (job.state === 'running') this.advance(job, now);
    }
  }

  private startRun(job: JobRecord, now: number): void {
    this.journal.transaction(() => {
      job.state = 'running';
      job.runs++;
      job.startedAt = now;
      job.finishedAt = undefined;
      for (const step of job.steps.values()) {
        Object.assign(step, { state: 'pending', readyAt: undefined, output: undefined, hasOutput: false, error: undefined, attempts: [], retryAt: undefined, waiting: undefined, progress: undefined });
        this.journal.saveStep(job.id, step);
      }
      this.journal.saveJob(job);
    });
    this.log({ event: 'job.started', jobId: job.id });
    this.changed(job);
  }

  private advance(job: JobRecord, now: number): void {
    if (job.plan.deadline !== undefined && job.startedAt !== undefined && now > job.startedAt + job.plan.deadline) {
      return this.failJob(job, errorInfo('timeout', `the job's deadline of ${job.plan.deadline} ms passed`));
    }
    const schedule = job.plan.schedule;
    const window = typeof schedule === 'object' && 'whenIdle' in schedule ? schedule.whenIdle : undefined;
    let allDone = true;
    for (const step of job.steps.values()) {
      if (step.state !== 'done') allDone = false;
      if (step.state === 'pending' && step.plan.after.every((name) => job.steps.get(name)?.state === 'done')) {
        step.state = 'waiting';
        step.readyAt = now;
        this.journal.saveStep(job.id, step);
        this.changed(job);
      }
      if ((step.state === 'waiting' || step.state === 'running') && step.plan.deadline !== undefined && step.readyAt !== undefined && now > step.readyAt + step.plan.deadline) {
        const why = step.state === 'waiting' && step.waiting ? `: ${step.waiting}` : '';
        return this.failStep(job, step, errorInfo('timeout', `step ${step.name} missed its deadline of ${step.plan.deadline} ms${why}`));
      }
      if (step.state !== 'waiting' || step.placing || (step.retryAt ?? 0) > now) continue;
      if (window && !insideWindow(window, now)) {
        this.setWaiting(job, step, `the idle window ${describeWindow(window)} is closed`);
        continue;
      }
      void this.place(job, step, window !== undefined);
    }
    if (allDone) this.finishRun(job, 'done', now);
  }

  private setWaiting(job: JobRecord, step: StepRecord, reason: string): void {
    if (step.waiting === reason) return;
    step.waiting = reason;
    this.changed(job);
  }

  /** One placement round for a ready step: probe, choose, journal the attempt, ask the worker. */
  private async place(job: JobRecord, step: StepRecord, idleOnly: boolean): Promise<void> {
    step.placing = true;
    try {
      const outputs = new Map([...job.steps.values()].filter((s) => s.hasOutput).map((s) => [s.name, s.output]));
      let args: unknown;
      try {
        args = resolveReferences(step.plan.args, outputs, step.name);
      } catch (error) {
        return this.failStep(job, step, errorInfo('badarg', (error as Error).message));
      }
      const timeout = this.options.workerTimeout ?? 2000;
      const candidates = await probeWorkers(this.node, timeout);
      if (this.closed || job.state !== 'running' || step.state !== 'waiting') return;
      const inflight = (node: string) => [...this.byKey.values()].filter(({ attempt }) => attempt.node === node && (attempt.state === 'starting' || attempt.state === 'running')).length;
      const choice = chooseWorker(candidates, step.plan.kind, { idleOnly, inflight, placed: (node) => this.placed.get(node) ?? 0 });
      if ('waiting' in choice) return this.setWaiting(job, step, choice.waiting);
      const node = choice.worker.status.node;
      this.placed.set(node, (this.placed.get(node) ?? 0) + 1);
      const n = step.attempts.length + 1;
      const attempt: AttemptRecord = { key: `${job.id}.${job.runs}.${step.name}.${n}`, step: step.name, run: job.runs, n, node, state: 'starting', startedAt: this.clock.now() };
      // Journaled before the worker is asked: a restart then knows this key, so a report from
      // it is recognised (and recorded at most once) even if the reply to `run` is lost.
      this.journal.transaction(() => {
        step.attempts.push(attempt);
        step.state = 'running';
        step.waiting = undefined;
        step.progress = undefined;
        this.journal.saveAttempt(job.id, attempt);
        this.journal.saveStep(job.id, step);
      });
      this.byKey.set(attempt.key, { job, step, attempt });
      this.log({ event: 'step.started', jobId: job.id, step: step.name, key: attempt.key, node });
      this.changed(job);
      const context = { key: attempt.key, jobId: job.id, step: step.name, n, scheduler: this.name, owner: job.owner };
      let process: string;
      try {
        ({ process } = await this.node.ref(choice.worker.worker, WorkerInterface).call('run', { kind: step.plan.kind, args, attempt: context }, { timeout }));
      } catch (error) {
        if (this.closed || attempt.state !== 'starting') return;
        const failure = isGlowError(error) ? error : new GlowError('crashed', String(error));
        const lost = failure.code === 'noconnection' || failure.code === 'timeout';
        return this.attemptEnded(job, step, attempt, lost ? 'lost' : 'failed', errorInfo(failure.code, failure.message), !PERMANENT_FAILURES.has(failure.code));
      }
      if (this.closed) return;
      attempt.process = process;
      if (attempt.state !== 'starting') {
        // Cancelled or superseded while the worker started it: it must not run on.
        this.journal.saveAttempt(job.id, attempt);
        return this.terminate(attempt);
      }
      attempt.state = 'running';
      this.journal.saveAttempt(job.id, attempt);
      this.monitorAttempt(job, step, attempt);
      this.changed(job);
    } finally {
      // No pump from here: a step that must wait is probed again at the next tick, never in
      // a loop of microtasks (which would starve timers and I/O).
      step.placing = false;
    }
  }

  /**
   * Monitors an attempt's process: its end without a result is a failed (or lost) attempt. Until
   * `graceUntil`, `noconnection` only means the node is not reachable yet: it is asked again.
   */
  private monitorAttempt(job: JobRecord, step: StepRecord, attempt: AttemptRecord, graceUntil?: number): void {
    attempt.unmonitor = this.node.monitor(parseResourceId(attempt.process!), (down) => {
      if (this.closed || (attempt.state !== 'running' && attempt.state !== 'starting')) return;
      const reason: ExitReason = down.reason;
      if (reason === 'noconnection' && graceUntil !== undefined && this.clock.now() < graceUntil) {
        const again = setTimeout(() => {
          if (!this.closed && attempt.state === 'running') this.monitorAttempt(job, step, attempt, graceUntil);
        }, 250);
        attempt.unmonitor = () => clearTimeout(again);
        return;
      }
      if (reason === 'noconnection') {
        this.attemptEnded(job, step, attempt, 'lost', errorInfo('noconnection', `node ${attempt.node} was lost`), true);
      } else if (typeof reason === 'object') {
        this.attemptEnded(job, step, attempt, 'failed', errorInfo(reason.error.code, reason.error.message), !PERMANENT_FAILURES.has(reason.error.code));
      } else {
        this.attemptEnded(job, step, attempt, 'failed', errorInfo('crashed', `the step process ended (${reason}) without a result`), true);
      }
    });
  }

  /** An attempt ended without a result: retry after the backoff, or fail the step. */
  private attemptEnded(job: JobRecord, step: StepRecord, attempt: AttemptRecord, state: 'failed' | 'lost', error: ErrorInfo, retryable: boolean): void {
    attempt.state = state;
    attempt.endedAt = this.clock.now();
    attempt.error = error;
    attempt.unmonitor?.();
    this.journal.saveAttempt(job.id, attempt);
    this.log({ event: state === 'lost' ? 'attempt.lost' : 'attempt.failed', jobId: job.id, step: step.name, key: attempt.key, node: attempt.node, error });
    if (job.state !== 'running' || step.state !== 'running' || currentAttempt(step)) return this.changed(job);
    const used = step.attempts.length;
    if (!retryable || used > step.plan.retries) return this.failStep(job, step, error);
    const backoff = this.options.backoff ?? { initial: 200, max: 10_000 };
    const delay = Math.min(backoff.max, backoff.initial * (backoff.factor ?? 2) ** (used - 1));
    step.state = 'waiting';
    step.retryAt = attempt.endedAt + delay;
    step.waiting = `retry ${used + 1} of ${step.plan.retries + 1} in ${delay} ms after: ${error.message}`;
    this.journal.saveStep(job.id, step);
    this.changed(job);
    this.schedulePump();
  }

  private failStep(job: JobRecord, step: StepRecord, error: ErrorInfo): void {
    step.state = 'failed';
    step.error = error;
    this.journal.saveStep(job.id, step);
    this.log({ event: 'step.failed', jobId: job.id, step: step.name, error });
    this.failJob(job, error, step.name);
  }

  /** Fails the run: other running steps are terminated; a cron job goes back to its schedule. */
  private failJob(job: JobRecord, error: ErrorInfo, step?: string): void {
    const now = this.clock.now();
    const stopping: AttemptRecord[] = [];
    this.journal.transaction(() => {
      for (const other of job.steps.values()) {
        for (const attempt of other.attempts) {
          if (attempt.state !== 'starting' && attempt.state !== 'running') continue;
          attempt.state = 'cancelled';
          attempt.endedAt = now;
          this.journal.saveAttempt(job.id, attempt);
          stopping.push(attempt);
        }
        if (other.state === 'running' || other.state === 'waiting' || other.state === 'pending') {
          other.state = 'cancelled';
          this.journal.saveStep(job.id, other);
        }
      }
      job.error = step === undefined ? error : { ...error, step };
      this.finishRun(job, 'failed', now);
    });
    for (const attempt of stopping) this.terminate(attempt);
    this.log({ event: 'job.failed', jobId: job.id, step, error });
  }

  private finishRun(job: JobRecord, outcome: 'done' | 'failed', now: number): void {
    const schedule = job.plan.schedule;
    const next = typeof schedule === 'object' && 'cron' in schedule ? nextRunAt(schedule, now, Math.max(now, job.nextRunAt ?? now)) : undefined;
    job.lastRun = outcome;
    if (next !== undefined) {
      job.state = 'scheduled';
      job.nextRunAt = next;
    } else {
      job.state = outcome;
      job.finishedAt = now;
    }
    if (outcome === 'done') job.error = undefined;
    this.journal.saveJob(job);
    if (outcome === 'done') this.log({ event: 'job.done', jobId: job.id });
    this.changed(job);
  }

  /** Terminates an attempt's process wherever it runs (best effort: a lost node took it already). */
  private terminate(attempt: AttemptRecord): void {
    attempt.unmonitor?.();
    if (!attempt.process) return;
    const ref = this.node.ref(attempt.process, ProcessInterface);
    ref.call('terminate', { reason: 'shutdown' }, { timeout: this.options.workerTimeout ?? 2000 }).catch(() => undefined);
  }
}
