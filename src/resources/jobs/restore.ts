import { resumeJob } from './attemptSupervision.js';
import type { Engine } from './engine.js';
import type { JobRow } from './journal.js';
import type { BadRow } from './journalRows.js';
import { failJob } from './outcomes.js';
import { errorInfo, type JobRecord, type StepRecord } from './records.js';

/**
 * Rebuilds the jobs from the journal at a start and resumes the running ones. A malformed row
 * (see journalRows.ts) fails its job with a `badarg` error that names the row and the problem,
 * and the start goes on: one bad row must not keep the scheduler, and so the daemon, from
 * starting. Nothing of a bad row is rewritten, so it stays there to be looked at.
 */
export function restoreJobs(engine: Engine): void {
  const { rows, bad } = engine.journal.loadJobs();
  for (const row of rows) restoreJob(engine, row);
  for (const row of bad) unreadableJob(engine, row);
}

function restoreJob(engine: Engine, row: JobRow): void {
  const { journal } = engine;
  const saved = journal.loadSteps(row.id);
  const attempts = journal.loadAttempts(row.id, row.runs);
  const savedSteps = new Map(saved.rows.map((step) => [step.name, step]));
  const steps = new Map<string, StepRecord>();
  for (const plan of row.plan.steps) {
    const step = savedSteps.get(plan.name) ?? { name: plan.name, state: 'pending' as const, hasOutput: false };
    steps.set(plan.name, { ...step, plan, attempts: attempts.rows.filter((attempt) => attempt.step === plan.name), placing: false });
  }
  const job: JobRecord = { ...row, steps, version: 0 };
  engine.jobs.set(job.id, job);
  const problems = [...saved.bad.map((bad) => `step ${bad.key}: ${bad.problem}`), ...attempts.bad.map((bad) => `attempt ${bad.key}: ${bad.problem}`)];
  if (problems.length === 0) {
    if (job.state === 'running') resumeJob(engine, job);
    return;
  }
  const error = errorInfo('badarg', `the journal's rows of job ${job.id} are malformed: ${problems.join('; ')}`);
  engine.log({ event: 'journal.badrow', jobId: job.id, error });
  // A running job's run fails (its attempts that could be read are cancelled and their
  // processes terminated); a job that is not running keeps its state.
  failJob(engine, job, error);
}

/** A job whose own row cannot be read: failed, with no steps, and only its id to show. */
function unreadableJob(engine: Engine, bad: BadRow): void {
  const error = errorInfo('badarg', `the journal's row of job ${bad.key} is malformed: ${bad.problem}`);
  engine.log({ event: 'journal.badrow', jobId: bad.key, error });
  engine.jobs.set(bad.key, {
    id: bad.key,
    plan: { name: 'unreadable', schedule: 'now', steps: [] },
    state: 'failed',
    owner: false,
    submittedBy: 'local',
    createdAt: 0,
    runs: 0,
    error,
    steps: new Map(),
    version: 0,
  });
}
