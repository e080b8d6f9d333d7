import * as v from 'valibot';
import { processInterface } from '../../actors/interfaces.js';
import { cast, method, stream } from '../../firefly/idl.js';

/**
 * The wire shapes of the Jobs resource (`glow.Jobs/1`) and of the per-node Worker
 * (`glow.Worker/1`). These are the documented state shapes the CLI and the web view read.
 */

const ErrorInfo = v.object({ code: v.string(), message: v.string() });

/** A failure as jobs record it: a GlowError code and message. */
export type ErrorInfo = v.InferOutput<typeof ErrorInfo>;

/**
 * States of a job:
 * - `scheduled`: waiting for its time (`at`, the next `cron` match, the `whenIdle` window);
 * - `running`: a run is in progress; `done`: every step is done (one-off jobs only: a cron job
 *   goes back to `scheduled` after each run); `failed`: a step failed for good or the deadline
 *   passed; `cancelled`: `cancel` was called.
 */
export const JobStateSchema = v.picklist(['scheduled', 'running', 'done', 'failed', 'cancelled']);
/** See {@link JobStateSchema}. */
export type JobState = v.InferOutput<typeof JobStateSchema>;

/**
 * States of a step: `pending` (its dependencies are not done), `waiting` (it could start; see
 * `waiting` for why it has not: no node has its kind, no idle node, a retry delay, the idle
 * window is closed), `running`, `done`, `failed`, `cancelled`.
 */
export const StepStateSchema = v.picklist(['pending', 'waiting', 'running', 'done', 'failed', 'cancelled']);
/** See {@link StepStateSchema}. */
export type StepState = v.InferOutput<typeof StepStateSchema>;

/**
 * States of one attempt at a step: `starting` (asked a worker), `running`, `done` (its result
 * is the step's result), `failed`, `lost` (its node became unreachable), `superseded` (another
 * attempt's result was recorded first), `cancelled`.
 */
export const AttemptStateSchema = v.picklist(['starting', 'running', 'done', 'failed', 'lost', 'superseded', 'cancelled']);
/** See {@link AttemptStateSchema}. */
export type AttemptState = v.InferOutput<typeof AttemptStateSchema>;

/** One attempt at a step. */
export const AttemptViewSchema = v.object({
  /** 1 for the first attempt of the run. */
  n: v.number(),
  /** The idempotency key: `<job>.<run>.<step>.<n>`. */
  key: v.string(),
  node: v.optional(v.string()),
  /** The step process, `glow://node/id`, once started. */
  process: v.optional(v.string()),
  state: AttemptStateSchema,
  startedAt: v.number(),
  endedAt: v.optional(v.number()),
  error: v.optional(ErrorInfo),
});
/** See {@link AttemptViewSchema}. */
export type AttemptView = v.InferOutput<typeof AttemptViewSchema>;

/** A step as `show` and `watch` give it. */
export const StepViewSchema = v.object({
  name: v.string(),
  kind: v.string(),
  after: v.array(v.string()),
  state: StepStateSchema,
  /** Why a `waiting` step has not started, e.g. `no node has kind resize`. */
  waiting: v.optional(v.string()),
  /** The node of the current attempt. */
  node: v.optional(v.string()),
  progress: v.optional(v.object({ value: v.number(), message: v.optional(v.string()) })),
  /** The recorded result (JSON), once `done`. */
  output: v.optional(v.unknown()),
  error: v.optional(ErrorInfo),
  /** Attempts of the current run, oldest first. */
  attempts: v.array(AttemptViewSchema),
});
/** See {@link StepViewSchema}. */
export type StepView = v.InferOutput<typeof StepViewSchema>;

/** A job as `show` and `watch` give it. */
export const JobViewSchema = v.object({
  id: v.string(),
  name: v.string(),
  state: JobStateSchema,
  schedule: v.unknown(),
  /** True when it was submitted by the owner (locally or from a trusted node): only such jobs may `exec`. */
  owner: v.boolean(),
  /** `local`, or the node id that submitted it. */
  submittedBy: v.string(),
  createdAt: v.number(),
  startedAt: v.optional(v.number()),
  finishedAt: v.optional(v.number()),
  /** When the next run is due (scheduled jobs). */
  nextRunAt: v.optional(v.number()),
  /** Runs started so far (cron jobs run many times). */
  runs: v.number(),
  /** How the last finished run of a cron job ended. */
  lastRun: v.optional(v.picklist(['done', 'failed'])),
  /** Why a failed job failed (the failing step's error, or the deadline). */
  error: v.optional(v.object({ code: v.string(), message: v.string(), step: v.optional(v.string()) })),
  steps: v.array(StepViewSchema),
});
/** See {@link JobViewSchema}. */
export type JobView = v.InferOutput<typeof JobViewSchema>;

/** A job as `list` gives it. */
export const JobSummarySchema = v.object({
  id: v.string(),
  name: v.string(),
  state: JobStateSchema,
  createdAt: v.number(),
  finishedAt: v.optional(v.number()),
  nextRunAt: v.optional(v.number()),
  runs: v.number(),
  steps: v.number(),
  done: v.number(),
});
/** See {@link JobSummarySchema}. */
export type JobSummary = v.InferOutput<typeof JobSummarySchema>;

/**
 * What a step process receives besides its args (the step contract): who it is, where to
 * report. A step kind's spawn args are `{ args, attempt }` (see `defineStepKind`).
 */
export const AttemptContextSchema = v.object({
  /** Idempotency key of this attempt; reports carry it, and a side-effecting step may use it to dedupe. */
  key: v.pipe(v.string(), v.maxLength(300)),
  jobId: v.string(),
  step: v.string(),
  /** Attempt number within the run, from 1. */
  n: v.number(),
  /** The mesh-wide name of the scheduler to report to (`glow.Jobs/1`). */
  scheduler: v.pipe(v.string(), v.maxLength(200)),
  /** The job is the owner's (see `JobView.owner`). */
  owner: v.boolean(),
  /** A one-time grant the worker adds for kinds it guards (exec); never sent by the scheduler. */
  grant: v.optional(v.string()),
});
/** See {@link AttemptContextSchema}. */
export type AttemptContext = v.InferOutput<typeof AttemptContextSchema>;

/** `glow.Jobs/1`: the scheduler (kind `jobs`). */
export const JobsInterface = processInterface('glow.Jobs/1', {
  submit: method(v.object({ job: v.unknown() }), v.object({ id: v.string() }), {
    description: 'validates a job file and stores it; answers its id (badarg with details.reason when refused)',
  }),
  list: method(v.object({ state: v.optional(JobStateSchema) }), v.array(JobSummarySchema), { description: 'jobs, newest first' }),
  show: method(v.object({ id: v.string() }), JobViewSchema, { description: 'a job with its steps and attempts' }),
  cancel: method(v.object({ id: v.string() }), v.object({ state: JobStateSchema }), {
    description: 'cancels a job and terminates its running steps wherever they run',
  }),
  watch: stream(v.object({ id: v.string() }), JobViewSchema, {
    description: 'the job now and after every change (progress included); ends after a final state',
  }),
  complete: method(v.object({ key: v.string(), output: v.optional(v.unknown()) }), v.object({ accepted: v.boolean(), reason: v.optional(v.string()) }), {
    description: 'a step attempt reports its result; recorded once per step, committed before the answer',
  }),
  fail: method(
    v.object({ key: v.string(), error: ErrorInfo, retry: v.optional(v.boolean()) }),
    v.object({ accepted: v.boolean(), reason: v.optional(v.string()) }),
    { description: 'a step attempt reports a failure (retry: false means retrying cannot help)' },
  ),
  progress: cast(v.object({ key: v.string(), value: v.pipe(v.number(), v.minValue(0), v.maxValue(1)), message: v.optional(v.pipe(v.string(), v.maxLength(500))) }), {
    description: 'a step attempt reports progress (0..1)',
  }),
});

/** What a worker says about itself. */
export const WorkerStatusSchema = v.object({
  node: v.string(),
  /** Step processes running here now. */
  running: v.number(),
  /** Most step processes at once. */
  cap: v.number(),
  /** Load average over one minute divided by the cores. */
  load: v.number(),
  /** `null` where the platform does not say. */
  onBattery: v.nullable(v.boolean()),
  /** The user's switch: false means "don't use me". */
  available: v.boolean(),
  /** True when none of the busy reasons holds. */
  idle: v.boolean(),
  /** Why it is not idle: `load 0.93 > 0.5`, `on battery`, `unavailable`, `at cap`. */
  busy: v.array(v.string()),
  /** Whether this worker runs `exec` steps (and for which submitters, see `WorkerOptions`). */
  exec: v.boolean(),
});
/** See {@link WorkerStatusSchema}. */
export type WorkerStatus = v.InferOutput<typeof WorkerStatusSchema>;

/** `glow.Worker/1`: the per-node step runner (kind `worker`). */
export const WorkerInterface = processInterface('glow.Worker/1', {
  status: method(v.object({}), WorkerStatusSchema, { description: 'load, battery, availability, running steps and cap' }),
  setAvailable: method(v.object({ available: v.boolean() }), WorkerStatusSchema, { description: "the user's \"don't use me\" switch" }),
  run: method(v.object({ kind: v.string(), args: v.optional(v.unknown()), attempt: AttemptContextSchema }), v.object({ process: v.string() }), {
    description: "starts a step process of `kind` here with `{ args, attempt }`; answers the process's id",
  }),
  stop: method(v.object({ key: v.string() }), v.object({ stopped: v.boolean() }), { description: 'terminates the step process of an attempt' }),
  attempts: method(v.object({}), v.array(v.object({ key: v.string(), kind: v.string(), process: v.string() })), {
    description: 'step processes running here',
  }),
});
