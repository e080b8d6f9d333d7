import { GlowError } from '../../firefly/errors.js';
import { attemptLifecycle } from './attemptMachine.js';
import { attemptEnded } from './attemptSupervision.js';
import type { AttemptEntry, Engine } from './engine.js';
import type { ErrorInfo } from './interfaces.js';
import { terminate } from './outcomes.js';
import { currentAttempt, errorInfo, type AttemptRecord } from './records.js';
import { PERMANENT_FAILURES } from './stepKind.js';
import { stepLifecycle } from './stepMachine.js';

/** The answer to a step's report. */
export interface ReportAnswer {
  accepted: boolean;
  reason?: string;
}

function ignored(engine: Engine, entry: AttemptEntry | undefined, key: string, reason: string): { accepted: false; reason: string } {
  engine.log({ event: 'result.ignored', jobId: entry?.job.id ?? key.split('.')[0] ?? '', step: entry?.step.name, key, reason });
  return { accepted: false, reason };
}

/**
 * Refuses (`denied`) a report about an attempt from any node but the one running it: a node
 * that merely knows an attempt key cannot complete a step it never ran. Code on the scheduler's
 * own node (`from` undefined or this node) is trusted, and an unknown key is left to the report
 * itself to ignore.
 */
export function checkReporter(engine: Engine, key: string, from: string | undefined): void {
  if (from === undefined || from === engine.node.id) return;
  const entry = engine.attempts.get(key);
  if (entry && entry.attempt.node !== from) {
    throw new GlowError('denied', `node ${from} does not run attempt ${key}`, { reason: 'not the attempt node', node: from });
  }
}

/** Why a step refuses a result: it has one, its job is over, or it is not waiting or running. */
function stepRefusal({ job, step }: AttemptEntry): string {
  if (step.state === 'done') return 'the step already has a result';
  if (job.state !== 'running') return `the job is ${job.state}`;
  return `the step is ${step.state}`;
}

/**
 * `complete`: records a step's result once. The result is taken when both the step's machine
 * (waiting or running) and the attempt's (starting, running, or lost: the first result of any
 * attempt wins, even from one given up as lost) accept `result`; every later one — a lost
 * worker's late reply, a duplicate delivery — is refused by a machine and answered
 * `accepted: false`, changing nothing. The answer is sent after the commit, so a step that got
 * `accepted: true` knows its result is durable.
 */
export function complete(engine: Engine, key: string, output: unknown): ReportAnswer {
  const entry = engine.attempts.get(key);
  if (!entry) return ignored(engine, undefined, key, 'unknown attempt (an older run, or never started by this scheduler)');
  const { job, step, attempt } = entry;
  if (!stepLifecycle.accepts(step.state, { type: 'result' })) return ignored(engine, entry, key, stepRefusal(entry));
  if (!attemptLifecycle.accepts(attempt.state, { type: 'result' })) return ignored(engine, entry, key, `the attempt is ${attempt.state}`);
  const text = outputText(output);
  if (text === undefined) {
    // CBOR brings big integers as bigint, which JSON cannot hold: the output cannot be recorded.
    attemptEnded(engine, entry, 'fail', errorInfo('badarg', 'the output is not JSON (a big integer?)'), false);
    return { accepted: false, reason: 'output not JSON' };
  }
  const limit = engine.settings.maxOutputBytes;
  if (text.length > limit) {
    attemptEnded(engine, entry, 'fail', errorInfo('badarg', `the output is ${text.length} bytes, more than ${limit}`), false);
    return { accepted: false, reason: 'output too large' };
  }
  const now = engine.clock.now();
  const superseded = engine.journal.transaction(() => {
    stepLifecycle.move(step, { type: 'result' });
    step.output = JSON.parse(text) as unknown;
    step.hasOutput = true;
    step.waiting = undefined;
    step.error = undefined;
    step.progress = { value: 1, message: step.progress?.message };
    attemptLifecycle.move(attempt, { type: 'result' });
    attempt.endedAt = now;
    engine.journal.saveAttempt(job.id, attempt);
    const others: AttemptRecord[] = [];
    for (const other of step.attempts) {
      if (!attemptLifecycle.move(other, { type: 'supersede' })) continue;
      other.endedAt = now;
      engine.journal.saveAttempt(job.id, other);
      others.push(other);
    }
    engine.journal.saveStep(job.id, step);
    return others;
  });
  attempt.unmonitor?.();
  attempt.unmonitor = undefined;
  for (const other of superseded) terminate(engine, other);
  engine.log({ event: 'step.done', jobId: job.id, step: step.name, key, node: attempt.node });
  engine.changed(job);
  engine.pumpSoon();
  return { accepted: true };
}

/** A step's output as JSON text, or undefined when it has no JSON form. */
function outputText(output: unknown): string | undefined {
  try {
    return JSON.stringify(output ?? null);
  } catch {
    return undefined;
  }
}

/**
 * `fail`: an attempt reports its failure; it is retried unless `retry` is false or retries are
 * used up. Refused when the attempt's state does not accept `fail` (it ended already).
 */
export function fail(engine: Engine, key: string, error: ErrorInfo, retry = true): ReportAnswer {
  const entry = engine.attempts.get(key);
  if (!entry) return ignored(engine, undefined, key, 'unknown attempt');
  const moved = attemptEnded(engine, entry, 'fail', errorInfo(error.code, error.message), retry && !PERMANENT_FAILURES.has(error.code));
  return moved ? { accepted: true } : ignored(engine, entry, key, `the attempt is ${entry.attempt.state}`);
}

/** `progress`: kept in memory (not journaled) and streamed to watchers, from the attempt in progress only. */
export function progress(engine: Engine, key: string, value: number, message?: string): void {
  const entry = engine.attempts.get(key);
  if (!entry || currentAttempt(entry.step) !== entry.attempt) return;
  entry.step.progress = message === undefined ? { value } : { value, message };
  engine.changed(entry.job);
}
