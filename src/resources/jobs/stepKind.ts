import * as v from 'valibot';
import type { Node } from '../../actors/node.js';
import type { ProcessKind } from '../../actors/process.js';
import type { Clock } from '../../firefly/clock.js';
import { errorToWire, GlowError, isGlowError, toGlowError } from '../../firefly/errors.js';
import type { Schema } from '../../firefly/idl.js';
import { backoffDelay, type BackoffSpec } from '../../supervision/backoff.js';
import { validate } from '../../firefly/validate.js';
import { AttemptContextSchema, JobsInterface, type AttemptContext } from './interfaces.js';

/**
 * The step contract. A step is a process of any registered kind whose spawn args are
 * `{ args, attempt }` ({@link StepStartArgs}); it reports to the scheduler named in
 * `attempt.scheduler` (`glow.Jobs/1`): `progress` casts while it runs, then `complete` with its
 * output or `fail` with an error, each carrying `attempt.key`; then it ends. The scheduler
 * monitors the process: ending without a report is a failed attempt. {@link defineStepKind}
 * does all of this for a function; a plugin may also follow the contract by hand.
 */
export interface StepStartArgs {
  /** The step's args from the job file, references resolved. */
  args?: unknown;
  attempt: AttemptContext;
}

/** Schema of {@link StepStartArgs}. */
export const StepStartArgsSchema = v.object({ args: v.optional(v.unknown()), attempt: AttemptContextSchema });

/** What a step function gets. */
export interface StepRun<A> {
  /** The step's args, validated by the kind's `args` schema when it has one. */
  args: A;
  attempt: AttemptContext;
  /** The node the step runs on. */
  node: Node;
  /** Aborted when the step process ends (cancelled, terminated, its worker stopped). */
  signal: AbortSignal;
  /** Reports progress, 0..1, with an optional message. Cheap: a cast, never waits. */
  progress(value: number, message?: string): void;
}

/** A step kind written as a function. */
export interface StepKindDefinition<A> {
  name: string;
  description?: string;
  /** Validates the step's args (a `badarg` failure is not retried). */
  args?: Schema;
  /** Runs the step; its return value (JSON) is the step's output. Throwing fails the attempt. */
  run(step: StepRun<A>): unknown;
  /**
   * Milliseconds to keep trying to deliver the result while the scheduler cannot be reached
   * (restarting, or its node unreachable), before the process gives up and ends.
   * @default 60000
   */
  reportTimeout?: number;
}

/** Codes a report is retried on: the scheduler may be restarting or out of reach for a while. */
const TRANSIENT = new Set(['noproc', 'noconnection', 'timeout', 'busy']);

/** Pauses between deliveries of a report: 50 ms, doubling, at most 1 s. */
const REPORT_BACKOFF: BackoffSpec = { initial: 50, max: 1000 };

/** Codes retrying a step cannot fix. */
export const PERMANENT_FAILURES: ReadonlySet<string> = new Set(['badarg', 'denied', 'nomethod', 'unsupported']);

/**
 * Waits `ms` on `clock`, or less if `signal` aborts first (a step's process ending). Step
 * functions wait on their node's clock (`node.clock`), which tests can move forward.
 */
export function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = clock.setTimeout(done, ms);
    function done() {
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Delivers a report, retrying transient failures with a growing pause until `timeout`. The
 * report carries the attempt's idempotency key, so delivering it twice is harmless.
 */
async function deliver(clock: Clock, send: () => Promise<unknown>, timeout: number, signal: AbortSignal): Promise<void> {
  const deadline = clock.now() + timeout;
  for (let failures = 1; ; failures++) {
    const delay = backoffDelay(REPORT_BACKOFF, failures);
    try {
      await send();
      return;
    } catch (error) {
      if (!isGlowError(error) || !TRANSIENT.has(error.code) || clock.now() + delay > deadline || signal.aborted) return;
    }
    await pause(clock, delay, signal);
  }
}

/** Builds a process kind that follows the step contract from a function. */
export function defineStepKind<A = unknown>(definition: StepKindDefinition<A>): ProcessKind<StepStartArgs> {
  return {
    name: definition.name,
    description: definition.description,
    args: StepStartArgsSchema,
    start(ctx, { args, attempt }) {
      const controller = new AbortController();
      // The process ending (terminate, cancel, its worker or node stopping) aborts the work.
      ctx.node.monitor(ctx.self, () => controller.abort());
      const scheduler = ctx.node.named(attempt.scheduler, JobsInterface);
      const reportTimeout = definition.reportTimeout ?? 60_000;
      const work = async () => {
        const parsed = definition.args ? await validate<A>(definition.args, args ?? {}, 'step arguments') : (args as A);
        return definition.run({
          args: parsed,
          attempt,
          node: ctx.node,
          signal: controller.signal,
          progress: (value, message) => {
            if (!controller.signal.aborted) scheduler.cast('progress', { key: attempt.key, value: Math.min(1, Math.max(0, value)), message });
          },
        });
      };
      // Not awaited: `start` resolves at once so the worker can answer the process id, and the
      // scheduler can monitor and terminate the step while it runs.
      void work().then(
        async (output) => {
          if (controller.signal.aborted) return;
          await deliver(ctx.node.clock, () => scheduler.call('complete', { key: attempt.key, output: output ?? null }), reportTimeout, controller.signal);
          ctx.exit('normal');
        },
        async (error: unknown) => {
          if (controller.signal.aborted) return;
          const failure = toGlowError(error, 'failed');
          const report = { key: attempt.key, error: { code: failure.code, message: failure.message }, retry: !PERMANENT_FAILURES.has(failure.code) };
          await deliver(ctx.node.clock, () => scheduler.call('fail', report), reportTimeout, controller.signal);
          ctx.exit({ error: errorToWire(failure) });
        },
      );
    },
  };
}

/** Throws `badarg` unless exactly one of `keys` is set in `args`. */
export function exactlyOne(args: Record<string, unknown>, keys: string[], kind: string): string {
  const set = keys.filter((key) => args[key] !== undefined);
  if (set.length !== 1) throw new GlowError('badarg', `${kind} takes exactly one of ${keys.join(', ')}`);
  return set[0]!;
}
