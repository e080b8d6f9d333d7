import * as v from 'valibot';
import { parseResourceId } from '../../firefly/address.js';
import { AttemptStateSchema, JobStateSchema, StepStateSchema } from './interfaces.js';
import { NameSchema, ScheduleSchema } from './jobFile.js';
import type { AttemptRow, JobRow, StepRow } from './journal.js';

/**
 * Reading the journal's rows back. A row holds what a peer once sent (a worker's process id, a
 * step's output) and what a disk, an older version or a hand edit left: each row is validated
 * before the scheduler resumes from it, so one bad row costs its job, never the start of the
 * daemon.
 */

/** A row that could not be read: its key (job id, step name or attempt key) and why. */
export interface BadRow {
  key: string;
  problem: string;
}

/** The rows of one read: those that are well formed, and the others with why. */
export interface Rows<T> {
  rows: T[];
  bad: BadRow[];
}

const Time = v.pipe(v.number(), v.finite());
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Flag = v.picklist([0, 1]);
const absent = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
const OptionalTime = v.pipe(v.nullable(Time), v.transform(absent));

/** A TEXT column holding JSON, parsed and then checked against `schema`. */
function json<T extends v.GenericSchema>(schema: T) {
  return v.pipe(
    v.string(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return JSON.parse(dataset.value) as unknown;
      } catch {
        addIssue({ message: 'not JSON' });
        return NEVER;
      }
    }),
    schema,
  );
}

const ErrorColumn = v.pipe(v.nullable(json(v.object({ code: v.string(), message: v.string() }))), v.transform(absent));

/** The node of a resource id, undefined when `text` is not one. */
function nodeOf(text: unknown): string | undefined {
  try {
    return parseResourceId(text as string).node;
  } catch {
    return undefined;
  }
}

const ProcessId = v.pipe(
  v.string(),
  v.check((text) => nodeOf(text) !== undefined, 'not a resource id'),
);

/** A stored plan: what `parseJob` made of the job file. */
const JobPlanSchema = v.object({
  name: NameSchema,
  schedule: ScheduleSchema,
  deadline: v.optional(Time),
  steps: v.pipe(
    v.array(v.object({ name: NameSchema, kind: v.string(), args: v.unknown(), after: v.array(NameSchema), retries: Count, deadline: v.optional(Time) })),
    v.minLength(1),
  ),
});

const JobColumns = v.pipe(
  v.object({
    id: v.string(),
    plan: json(JobPlanSchema),
    state: JobStateSchema,
    owner: Flag,
    submitted_by: v.string(),
    created_at: Time,
    started_at: OptionalTime,
    finished_at: OptionalTime,
    next_run_at: OptionalTime,
    runs: Count,
    last_run: v.pipe(v.nullable(v.picklist(['done', 'failed'])), v.transform(absent)),
    error: v.pipe(v.nullable(json(v.object({ code: v.string(), message: v.string(), step: v.optional(v.string()) }))), v.transform(absent)),
  }),
  v.transform(
    (row): JobRow => ({
      id: row.id,
      plan: row.plan,
      state: row.state,
      owner: row.owner === 1,
      submittedBy: row.submitted_by,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      nextRunAt: row.next_run_at,
      runs: row.runs,
      lastRun: row.last_run,
      error: row.error,
    }),
  ),
);

const StepColumns = v.pipe(
  v.object({
    name: NameSchema,
    state: StepStateSchema,
    ready_at: OptionalTime,
    output: v.nullable(json(v.unknown())),
    has_output: Flag,
    error: ErrorColumn,
  }),
  v.transform(
    (row): StepRow => ({
      name: row.name,
      state: row.state,
      readyAt: row.ready_at,
      hasOutput: row.has_output === 1,
      ...(row.has_output === 1 ? { output: row.output ?? null } : {}),
      error: row.error,
    }),
  ),
);

const AttemptColumns = v.pipe(
  v.object({
    key: v.pipe(v.string(), v.maxLength(300)),
    step: NameSchema,
    run: Count,
    n: v.pipe(Count, v.minValue(1)),
    node: v.nullable(v.string()),
    process: v.nullable(ProcessId),
    state: AttemptStateSchema,
    started_at: Time,
    ended_at: OptionalTime,
    error: ErrorColumn,
  }),
  // The scheduler monitors and terminates the process: it must be on the attempt's node.
  // (Checked even when a column failed already: hence `nodeOf`, which never throws.)
  v.check((row) => row.process === null || nodeOf(row.process) === row.node, "the process is not on the attempt's node"),
  v.transform(
    (row): AttemptRow => ({
      key: row.key,
      step: row.step,
      run: row.run,
      n: row.n,
      node: absent(row.node),
      process: absent(row.process),
      state: row.state,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      error: row.error,
    }),
  ),
);

function problemOf(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join('.');
  return `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`;
}

function readRows<T>(schema: v.GenericSchema<unknown, T>, raw: readonly Record<string, unknown>[], key: string): Rows<T> {
  const read: Rows<T> = { rows: [], bad: [] };
  for (const row of raw) {
    const result = v.safeParse(schema, row);
    if (result.success) read.rows.push(result.output);
    else read.bad.push({ key: String(row[key]).slice(0, 200), problem: problemOf(result.issues) });
  }
  return read;
}

/** Job rows as SQLite gives them, read. */
export function jobRows(raw: readonly Record<string, unknown>[]): Rows<JobRow> {
  return readRows(JobColumns, raw, 'id');
}

/** Step rows as SQLite gives them, read. */
export function stepRows(raw: readonly Record<string, unknown>[]): Rows<StepRow> {
  return readRows(StepColumns, raw, 'name');
}

/** Attempt rows as SQLite gives them, read. */
export function attemptRows(raw: readonly Record<string, unknown>[]): Rows<AttemptRow> {
  return readRows(AttemptColumns, raw, 'key');
}
