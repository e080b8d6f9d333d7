import * as v from 'valibot';

/**
 * The job file: what `submit` accepts (as a JSON value). Every object is strict: an unknown
 * field is refused, so a typo (`"retires": 3`) fails loudly instead of being ignored.
 *
 * ```json
 * {
 *   "name": "nightly-photos",
 *   "schedule": { "whenIdle": { "from": "01:00", "to": "06:00" } },
 *   "deadline": 3600000,
 *   "steps": [
 *     { "name": "list", "kind": "exec", "args": { "command": "ls", "args": ["/photos"] } },
 *     { "name": "digest", "kind": "hash", "args": { "text": { "$from": "list", "pick": "stdout" } } },
 *     { "name": "pause", "kind": "sleep", "args": { "ms": 500 }, "after": ["list"], "retries": 1 }
 *   ]
 * }
 * ```
 *
 * - `steps` with no `after` anywhere run one after another in list order (a plain list is a
 *   sequence). As soon as one step has `after`, the steps form a DAG: a step waits for the steps
 *   it names in `after` and for every step its args reference with `$from`.
 * - `{ "$from": "step" }` anywhere in `args` is replaced by that step's output before the step
 *   starts; `{ "$from": "step", "pick": "a.b.0" }` takes a path inside it (dot-separated keys and
 *   array indexes). See `references.ts`.
 */

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const TIME_OF_DAY = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** A step or job name: 1–64 of `A-Z a-z 0-9 _ -` (it becomes part of idempotency keys). */
export const NameSchema = v.pipe(v.string(), v.regex(NAME, 'a name is 1–64 characters of A-Z a-z 0-9 _ -'));

/** Milliseconds, a positive integer of at most 30 days. */
const Duration = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(30 * 24 * 3600 * 1000));

/** `HH:MM`, local time of the scheduler's node. */
const TimeOfDay = v.pipe(v.string(), v.regex(TIME_OF_DAY, 'a time of day is HH:MM (00:00–23:59)'));

/** When a job runs. */
export const ScheduleSchema = v.union([
  v.literal('now'),
  v.strictObject({ at: v.pipe(v.string(), v.isoTimestamp('`at` is an ISO 8601 timestamp with a time zone, e.g. 2025-01-01T03:00:00Z')) }),
  v.strictObject({ cron: v.pipe(v.string(), v.maxLength(200)), timezone: v.optional(v.pipe(v.string(), v.maxLength(64))) }),
  v.strictObject({ whenIdle: v.strictObject({ from: TimeOfDay, to: TimeOfDay }) }),
]);

/**
 * When a job runs: `"now"`; `{ at }` once at an ISO time; `{ cron, timezone? }` at every match
 * of a cron expression (croner syntax: 5–7 fields); `{ whenIdle: { from, to } }` as soon as the
 * local time is inside the window (it may wrap midnight: 22:00–06:00), on idle nodes only.
 */
export type Schedule = v.InferOutput<typeof ScheduleSchema>;

/** One step of a job file. */
export const StepFileSchema = v.strictObject({
  name: NameSchema,
  /** The process kind that runs the step (`hash`, `sleep`, `exec`, or a plugin's kind). */
  kind: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  /** The kind's arguments; may contain `{ "$from": step }` references. @default {} */
  args: v.optional(v.unknown()),
  /** Steps that must be done first. */
  after: v.optional(v.pipe(v.array(NameSchema), v.maxLength(256))),
  /** Attempts after the first one before the step (and its job) fails. @default the job's, else 3 */
  retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100))),
  /** Milliseconds from when the step could start until it must be done. @default none */
  deadline: v.optional(Duration),
});

/** One step as written in a job file. */
export type StepFile = v.InferOutput<typeof StepFileSchema>;

/** The whole job file. */
export const JobFileSchema = v.strictObject({
  name: NameSchema,
  /** @default "now" */
  schedule: v.optional(ScheduleSchema),
  /** Default `retries` of its steps. @default 3 */
  retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100))),
  /** Milliseconds from when a run starts until every step must be done. @default none */
  deadline: v.optional(Duration),
  steps: v.pipe(v.array(StepFileSchema), v.minLength(1, 'a job has at least one step'), v.maxLength(256)),
});

/** A job as written in a job file. */
export type JobFile = v.InferOutput<typeof JobFileSchema>;

/** Default number of retries of a step. */
export const DEFAULT_RETRIES = 3;
