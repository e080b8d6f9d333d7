import { Cron } from 'croner';
import { GlowError } from '../../firefly/errors.js';
import { validate } from '../../firefly/validate.js';
import { checkDag } from './dag.js';
import { DEFAULT_RETRIES, JobFileSchema, type JobFile, type Schedule } from './jobFile.js';
import { referencesIn } from './references.js';

/** A step after validation: every default filled in, `after` holding every dependency. */
export interface PlannedStep {
  name: string;
  kind: string;
  args: unknown;
  /** Declared `after` plus the steps its args reference (or the previous step in a plain list). */
  after: string[];
  retries: number;
  deadline?: number;
}

/** A job after validation: what the scheduler stores and runs. */
export interface JobPlan {
  name: string;
  schedule: Schedule;
  deadline?: number;
  steps: PlannedStep[];
}

/**
 * Largest job file, as JSON text. A job is journaled whole and shown to every watcher; big data
 * belongs in files that steps pass by path.
 */
export const MAX_JOB_BYTES = 256 * 1024;

/**
 * Validates an untrusted job file and plans it. Every refusal is a `badarg` GlowError whose
 * `details.reason` says what is wrong (`schema`, `too-large`, `duplicate-step`,
 * `unknown-dependency`, `cycle`, `bad-reference`, `bad-cron`, `bad-time`), so callers and the
 * CLI can show it; nothing is stored for a refused job.
 */
export function parseJob(input: unknown): JobPlan {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new GlowError('badarg', 'a job file is a JSON object', { reason: 'schema' });
  if (text.length > MAX_JOB_BYTES) throw new GlowError('badarg', `a job file is at most ${MAX_JOB_BYTES} bytes`, { reason: 'too-large', limit: MAX_JOB_BYTES });
  let file: JobFile;
  try {
    file = validate<JobFile>(JobFileSchema, input, 'the job file') as JobFile;
  } catch (error) {
    const details = (error as GlowError).details as object | undefined;
    throw new GlowError('badarg', (error as Error).message, { reason: 'schema', ...details });
  }
  const names = new Set<string>();
  for (const step of file.steps) {
    if (names.has(step.name)) throw new GlowError('badarg', `two steps are named ${step.name}`, { reason: 'duplicate-step', step: step.name });
    names.add(step.name);
  }
  const sequential = file.steps.every((step) => step.after === undefined);
  const deps = new Map<string, string[]>();
  file.steps.forEach((step, index) => {
    const after = new Set(step.after ?? []);
    const previous = file.steps[index - 1];
    if (sequential && previous) after.add(previous.name);
    for (const name of referencesIn(step.args, step.name)) after.add(name);
    deps.set(step.name, [...after]);
  });
  checkDag(deps);
  const schedule = file.schedule ?? 'now';
  checkSchedule(schedule);
  return {
    name: file.name,
    schedule,
    ...(file.deadline !== undefined ? { deadline: file.deadline } : {}),
    steps: file.steps.map((step) => ({
      name: step.name,
      kind: step.kind,
      args: step.args ?? {},
      after: deps.get(step.name)!,
      retries: step.retries ?? file.retries ?? DEFAULT_RETRIES,
      ...(step.deadline !== undefined ? { deadline: step.deadline } : {}),
    })),
  };
}

function checkSchedule(schedule: Schedule): void {
  if (schedule === 'now' || 'whenIdle' in schedule) return;
  if ('at' in schedule) {
    if (Number.isNaN(Date.parse(schedule.at))) throw new GlowError('badarg', `not a time: ${schedule.at}`, { reason: 'bad-time', at: schedule.at });
    return;
  }
  let next: Date | null;
  try {
    const cron = new Cron(schedule.cron, { paused: true, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) });
    next = cron.nextRun();
    cron.stop();
  } catch (error) {
    throw new GlowError('badarg', `bad cron expression ${JSON.stringify(schedule.cron)}: ${(error as Error).message}`, {
      reason: 'bad-cron',
      cron: schedule.cron,
    });
  }
  if (!next) throw new GlowError('badarg', `cron expression ${JSON.stringify(schedule.cron)} never fires`, { reason: 'bad-cron', cron: schedule.cron });
}
