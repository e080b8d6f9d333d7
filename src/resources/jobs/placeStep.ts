import { formatResourceId, type ResourceId } from '../../firefly/address.js';
import { GlowError, isGlowError } from '../../firefly/errors.js';
import { attemptLifecycle } from './attemptMachine.js';
import { attemptEnded, monitorAttempt } from './attemptSupervision.js';
import type { Engine } from './engine.js';
import { WorkerInterface } from './interfaces.js';
import { failStep, terminate } from './outcomes.js';
import { chooseWorker, probeWorkers } from './placement.js';
import { currentAttempt, errorInfo, isLive, type AttemptRecord, type JobRecord, type StepRecord } from './records.js';
import { resolveReferences } from './references.js';
import { PERMANENT_FAILURES } from './stepKind.js';
import { stepLifecycle } from './stepMachine.js';
import { runReply } from './workerReplies.js';

/** Marks why a step waits (a change for watchers only when the reason is new). */
export function setWaiting(engine: Engine, job: JobRecord, step: StepRecord, reason: string): void {
  if (step.waiting === reason) return;
  step.waiting = reason;
  engine.changed(job);
}

/**
 * One placement round for a waiting step: resolve its args, probe the workers, choose one,
 * journal the attempt, ask the worker to run it, then watch its process. Every await may find
 * the step moved on (a late result, a deadline, a cancel): the machines then refuse the move.
 */
export async function placeStep(engine: Engine, job: JobRecord, step: StepRecord, idleOnly: boolean): Promise<void> {
  step.placing = true;
  try {
    const outputs = new Map([...job.steps.values()].filter((s) => s.hasOutput).map((s) => [s.name, s.output]));
    let args: unknown;
    try {
      args = resolveReferences(step.plan.args, outputs, step.name);
    } catch (error) {
      failStep(engine, job, step, errorInfo('badarg', (error as Error).message));
      return;
    }
    const timeout = engine.settings.workerTimeout;
    // Another user's worker never gets the owner's step (its arguments, its environment).
    const candidates = await probeWorkers(engine.node, timeout, engine.settings.sameUser);
    if (engine.closed || !stepLifecycle.accepts(step.state, { type: 'place' })) return;
    const inflight = (node: string) => [...engine.attempts.values()].filter(({ attempt }) => attempt.node === node && isLive(attempt)).length;
    const choice = chooseWorker(candidates, step.plan.kind, { idleOnly, inflight, placed: (node) => engine.placed.get(node) ?? 0 });
    if ('waiting' in choice) return setWaiting(engine, job, step, choice.waiting);
    const node = choice.worker.status.node;
    engine.placed.set(node, (engine.placed.get(node) ?? 0) + 1);
    const n = step.attempts.length + 1;
    const attempt: AttemptRecord = { key: `${job.id}.${job.runs}.${step.name}.${n}`, step: step.name, run: job.runs, n, node, state: 'starting', startedAt: engine.clock.now() };
    // Journaled before the worker is asked: a restart then knows this key, so a report from
    // it is recognised (and recorded at most once) even if the reply to `run` is lost.
    engine.journal.transaction(() => {
      stepLifecycle.move(step, { type: 'place' });
      step.attempts.push(attempt);
      step.waiting = undefined;
      step.progress = undefined;
      engine.journal.saveAttempt(job.id, attempt);
      engine.journal.saveStep(job.id, step);
    });
    const entry = { job, step, attempt };
    engine.attempts.set(attempt.key, entry);
    engine.log({ event: 'step.started', jobId: job.id, step: step.name, key: attempt.key, node });
    engine.changed(job);
    const context = { key: attempt.key, jobId: job.id, step: step.name, n, scheduler: engine.name, owner: job.owner };
    let process: ResourceId;
    try {
      const reply = await engine.node.ref(choice.worker.worker, WorkerInterface).call('run', { kind: step.plan.kind, args, attempt: context }, { timeout });
      // Read before anything keeps it: a malformed id in the journal would fail every resume.
      process = runReply(reply, choice.worker.worker, node);
    } catch (error) {
      if (engine.closed) return;
      const failure = isGlowError(error) ? error : new GlowError('crashed', String(error));
      const lost = failure.code === 'noconnection' || failure.code === 'timeout';
      attemptEnded(engine, entry, lost ? 'lose' : 'fail', errorInfo(failure.code, failure.message), !PERMANENT_FAILURES.has(failure.code));
      return;
    }
    if (engine.closed) return;
    attempt.process = formatResourceId(process);
    if (!attemptLifecycle.move(attempt, { type: 'started' })) {
      // Cancelled or superseded while the worker started it: it must not run on.
      engine.journal.saveAttempt(job.id, attempt);
      return terminate(engine, attempt);
    }
    engine.journal.saveAttempt(job.id, attempt);
    monitorAttempt(engine, entry);
    engine.changed(job);
  } finally {
    // No pump from here: a step that must wait is probed again at the next tick, never in
    // a loop of microtasks (which would starve timers and I/O).
    step.placing = false;
  }
}

/**
 * A placement round threw (a journal write failed, or a bug): the step's attempt in progress,
 * if any, fails as `crashed` and is retried; without one the step is placed again at the next
 * tick. Logged either way, never rethrown: an unhandled rejection would end the whole node.
 */
export function placementFailed(engine: Engine, job: JobRecord, step: StepRecord, error: unknown): void {
  const info = errorInfo('crashed', `placing step ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  engine.log({ event: 'placement.failed', jobId: job.id, step: step.name, error: info });
  const attempt = currentAttempt(step);
  const entry = attempt && engine.attempts.get(attempt.key);
  if (!entry || engine.closed) return;
  try {
    attemptEnded(engine, entry, 'fail', info, true);
  } catch (again) {
    // The journal itself fails: the attempt stays as it is, and a restart resumes it.
    engine.log({ event: 'placement.failed', jobId: job.id, step: step.name, key: attempt.key, error: errorInfo('crashed', String(again)) });
  }
}
