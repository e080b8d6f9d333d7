import Database from 'better-sqlite3';
import type { AttemptState, ErrorInfo, JobState, StepState } from './interfaces.js';
import { attemptRows, jobRows, stepRows, type Rows } from './journalRows.js';
import type { JobPlan } from './parseJob.js';

/** A job row. */
export interface JobRow {
  id: string;
  plan: JobPlan;
  state: JobState;
  owner: boolean;
  submittedBy: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  nextRunAt?: number;
  runs: number;
  lastRun?: 'done' | 'failed';
  error?: ErrorInfo & { step?: string };
}

/** A step row (of the job's current run). */
export interface StepRow {
  name: string;
  state: StepState;
  readyAt?: number;
  /** Present (maybe `null`) once the step is done. */
  output?: unknown;
  hasOutput: boolean;
  error?: ErrorInfo;
}

/** An attempt row. */
export interface AttemptRow {
  key: string;
  step: string;
  run: number;
  n: number;
  node?: string;
  process?: string;
  state: AttemptState;
  startedAt: number;
  endedAt?: number;
  error?: ErrorInfo;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, plan TEXT NOT NULL, state TEXT NOT NULL, owner INTEGER NOT NULL, submitted_by TEXT NOT NULL,
  created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, next_run_at INTEGER, runs INTEGER NOT NULL,
  last_run TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS steps (
  job_id TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL, ready_at INTEGER, output TEXT, has_output INTEGER NOT NULL,
  error TEXT, PRIMARY KEY (job_id, name));
CREATE TABLE IF NOT EXISTS attempts (
  key TEXT PRIMARY KEY, job_id TEXT NOT NULL, step TEXT NOT NULL, run INTEGER NOT NULL, n INTEGER NOT NULL, node TEXT,
  process TEXT, state TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER, error TEXT);
CREATE INDEX IF NOT EXISTS attempts_by_job ON attempts (job_id, run);
`;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/**
 * The scheduler's durable journal: jobs, the steps of their current run, and every attempt, in
 * SQLite. Each write is its own transaction (or part of one `transaction`) and is on disk when
 * the call returns: the scheduler answers a step's `complete` only after that.
 *
 * WAL with `synchronous = FULL`: in WAL mode, NORMAL may lose the last commits on a power cut
 * (never corrupting the file), and a lost commit of an acknowledged result would re-run a step
 * whose side effects already happened. FULL syncs the WAL at each commit; jobs commit a few
 * rows per step transition, so the cost does not matter while the guarantee does.
 */
export class Journal {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(SCHEMA);
    this.statements = {
      job: this.db.prepare(`INSERT INTO jobs (id, plan, state, owner, submitted_by, created_at, started_at, finished_at, next_run_at, runs, last_run, error)
        VALUES (@id, @plan, @state, @owner, @submittedBy, @createdAt, @startedAt, @finishedAt, @nextRunAt, @runs, @lastRun, @error)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, started_at = excluded.started_at, finished_at = excluded.finished_at,
          next_run_at = excluded.next_run_at, runs = excluded.runs, last_run = excluded.last_run, error = excluded.error`),
      step: this.db.prepare(`INSERT INTO steps (job_id, name, state, ready_at, output, has_output, error)
        VALUES (@jobId, @name, @state, @readyAt, @output, @hasOutput, @error)
        ON CONFLICT (job_id, name) DO UPDATE SET state = excluded.state, ready_at = excluded.ready_at, output = excluded.output,
          has_output = excluded.has_output, error = excluded.error`),
      attempt: this.db.prepare(`INSERT INTO attempts (key, job_id, step, run, n, node, process, state, started_at, ended_at, error)
        VALUES (@key, @jobId, @step, @run, @n, @node, @process, @state, @startedAt, @endedAt, @error)
        ON CONFLICT (key) DO UPDATE SET node = excluded.node, process = excluded.process, state = excluded.state,
          ended_at = excluded.ended_at, error = excluded.error`),
      jobs: this.db.prepare('SELECT * FROM jobs ORDER BY created_at'),
      steps: this.db.prepare('SELECT * FROM steps WHERE job_id = ?'),
      attempts: this.db.prepare('SELECT * FROM attempts WHERE job_id = ? AND run = ? ORDER BY started_at, n'),
      doneCount: this.db.prepare("SELECT step, COUNT(*) AS n FROM attempts WHERE job_id = ? AND state = 'done' GROUP BY step"),
    };
  }

  /** Runs `fn` in one transaction: all of its writes commit together, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  saveJob(job: JobRow): void {
    this.statements.job.run({
      id: job.id,
      plan: JSON.stringify(job.plan),
      state: job.state,
      owner: job.owner ? 1 : 0,
      submittedBy: job.submittedBy,
      createdAt: job.createdAt,
      startedAt: job.startedAt ?? null,
      finishedAt: job.finishedAt ?? null,
      nextRunAt: job.nextRunAt ?? null,
      runs: job.runs,
      lastRun: job.lastRun ?? null,
      error: json(job.error),
    });
  }

  saveStep(jobId: string, step: StepRow): void {
    this.statements.step.run({
      jobId,
      name: step.name,
      state: step.state,
      readyAt: step.readyAt ?? null,
      output: step.hasOutput ? JSON.stringify(step.output ?? null) : null,
      hasOutput: step.hasOutput ? 1 : 0,
      error: json(step.error),
    });
  }

  saveAttempt(jobId: string, attempt: AttemptRow): void {
    this.statements.attempt.run({
      key: attempt.key,
      jobId,
      step: attempt.step,
      run: attempt.run,
      n: attempt.n,
      node: attempt.node ?? null,
      process: attempt.process ?? null,
      state: attempt.state,
      startedAt: attempt.startedAt,
      endedAt: attempt.endedAt ?? null,
      error: json(attempt.error),
    });
  }

  /** Every job, oldest first; malformed rows apart (see journalRows.ts). */
  loadJobs(): Rows<JobRow> {
    return jobRows(this.statements.jobs.all() as Record<string, unknown>[]);
  }

  /** The steps of a job's current run; malformed rows apart. */
  loadSteps(jobId: string): Rows<StepRow> {
    return stepRows(this.statements.steps.all(jobId) as Record<string, unknown>[]);
  }

  /** The attempts of one run of a job; malformed rows apart. */
  loadAttempts(jobId: string, run: number): Rows<AttemptRow> {
    return attemptRows(this.statements.attempts.all(jobId, run) as Record<string, unknown>[]);
  }

  /** How many attempts of each step of a job are recorded as `done` (over all runs): an audit for exactly-once. */
  doneAttempts(jobId: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.statements.doneCount.all(jobId) as { step: string; n: number }[]) counts[row.step] = row.n;
    return counts;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
