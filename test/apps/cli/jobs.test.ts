/**
 * Night jobs across real daemons: S runs the scheduler (and takes no steps itself: `--max-steps
 * 0`), W1 and W2 are workers linked to S. Jobs are submitted with `glow job submit`; workers and
 * the scheduler are SIGKILLed mid-job; the journal (S's `jobs.sqlite`) is read afterwards to check
 * that every step's result was recorded exactly once. Run under netguard.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RouteValue } from '../../../apps/daemon/control.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import type { JobView, WorkerStatus } from '../../../src/resources/jobs/interfaces.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { ask, glow, startDaemon, startGlow, stopAll, tempHome, type DaemonProcess } from './glowProcess.js';

let s: DaemonProcess;
let w1: DaemonProcess;
let w2: DaemonProcess;
let scratch: string;

const scheduler = () => `glow.jobs/${s.info.node}`;

async function show(id: string): Promise<JobView> {
  return ask<JobView>(s, { op: 'call', ref: scheduler(), method: 'show', args: { id } });
}

/** Waits until the job satisfies `check` (polling `show`), and answers the view that did. */
async function until(id: string, check: (view: JobView) => boolean, timeout: number, what: string): Promise<JobView> {
  let view: JobView | undefined;
  await waitFor(
    async () => {
      view = await show(id).catch(() => undefined);
      return view !== undefined && check(view);
    },
    timeout,
    () => `${what}; the job: ${JSON.stringify(view?.steps.map((step) => [step.name, step.state, step.waiting, step.attempts.map((a) => a.state)]))} ${view?.state}`,
    100,
  );
  return view!;
}

/** `glow job submit` of `job` (as a file); answers the id. */
async function submit(job: object): Promise<string> {
  const file = join(scratch, `job-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(job));
  const result = await glow(['job', 'submit', file, '--home', s.home]);
  if (result.code !== EXIT.ok) throw new Error(`glow job submit exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Done attempts per step, from the journal itself. */
function recorded(id: string): Record<string, number> {
  const db = new Database(join(s.home, 'jobs.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT step, COUNT(*) AS n FROM attempts WHERE job_id = ? AND state = 'done' GROUP BY step").all(id) as { step: string; n: number }[];
    return Object.fromEntries(rows.map((row) => [row.step, row.n]));
  } finally {
    db.close();
  }
}

async function startWorker(home: string, loadFile?: string): Promise<DaemonProcess> {
  if (loadFile) await writeFile(join(home, 'config.json'), JSON.stringify({ workerLoadFile: loadFile }));
  return startDaemon(home, ['--no-mdns', '--connect', s.info.link, '--max-steps', '4']);
}

async function workersKnown(): Promise<void> {
  for (const worker of [w1, w2]) {
    await waitFor(async () => (await ask<RouteValue[]>(s, { op: 'routes' })).some((route) => route.destination === worker.info.node), 10_000, 'no route to a worker', 50);
    await waitFor(
      async () => (await glow(['worker', 'status', '--on', worker.info.node, '--home', s.home])).code === EXIT.ok,
      10_000,
      "S cannot reach a worker's glow.Worker/1",
      100,
    );
  }
}

/** Step processes running on `daemon` now, as its worker counts them. */
async function running(daemon: DaemonProcess): Promise<number> {
  return (await ask<WorkerStatus>(daemon, { op: 'call', ref: `glow.worker/${daemon.info.node}`, method: 'status' })).running;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glow-jobs-e2e-'));
  s = await startDaemon(await tempHome('glow-jobs-s-'), ['--no-mdns', '--max-steps', '0']);
  [w1, w2] = await Promise.all([startWorker(await tempHome('glow-jobs-w1-')), startWorker(await tempHome('glow-jobs-w2-'))]);
  await workersKnown();
}, 60_000);

afterAll(async () => {
  await stopAll();
  await rm(scratch, { recursive: true, force: true });
});

describe('night jobs on three daemons', () => {
  it('refuses bad job files with a clear error and stores nothing', async () => {
    const cases: [object | string, RegExp][] = [
      [{ name: 'cycle', steps: [{ name: 'a', kind: 'hash', after: ['b'] }, { name: 'b', kind: 'hash', after: ['a'] }] }, /badarg: .*cycle/],
      [{ name: 'typo', steps: [{ name: 'a', kind: 'hash', args: { text: 'x' }, retires: 3 }] }, /badarg: .*retires/],
      [{ name: 'cron', schedule: { cron: '61 * * * *' }, steps: [{ name: 'a', kind: 'hash' }] }, /badarg: .*cron/],
      ['{"name": "not json"', /not JSON/],
    ];
    for (const [job, message] of cases) {
      const file = join(scratch, 'bad.json');
      await writeFile(file, typeof job === 'string' ? job : JSON.stringify(job));
      const result = await glow(['job', 'submit', file, '--home', s.home]);
      expect(result.code).not.toBe(EXIT.ok);
      expect(result.stderr).toMatch(message);
    }
    expect(await glow(['job', 'ls', '--home', s.home])).toMatchObject({ code: EXIT.ok, stdout: 'no jobs\n' });
  });

  it('finishes a 6-step DAG over two workers when one is SIGKILLed mid-step, each result recorded once', async () => {
    const id = await submit({
      name: 'six',
      steps: [
        { name: 'a', kind: 'sleep', args: { ms: 2500, ticks: 5, value: 'alpha' }, after: [] },
        { name: 'b', kind: 'sleep', args: { ms: 2500, ticks: 5, value: 'beta' }, after: [] },
        { name: 'c', kind: 'hash', args: { text: { $from: 'a', pick: 'value' } }, after: [] },
        { name: 'd', kind: 'hash', args: { text: { $from: 'b', pick: 'value' } }, after: [] },
        { name: 'e', kind: 'sleep', args: { ms: 200, value: 'e' }, after: ['c', 'd'] },
        { name: 'f', kind: 'hash', args: { text: [{ $from: 'c', pick: 'sha256' }, { $from: 'e', pick: 'value' }] }, after: [] },
      ],
    });
    // a and b run side by side, one on each worker (placement spreads load).
    const started = await until(id, (view) => view.steps.slice(0, 2).every((step) => step.state === 'running' && step.attempts[0]?.state === 'running'), 10_000, 'a and b never both ran');
    expect(new Set(started.steps.slice(0, 2).map((step) => step.node))).toEqual(new Set([w1.info.node, w2.info.node]));
    const victim = started.steps.find((step) => step.node === w1.info.node)!.name;

    const killedAt = Date.now();
    w1.child.kill('SIGKILL');
    const rerun = await until(id, (view) => view.steps.find((step) => step.name === victim)!.attempts[1]?.state === 'running', 5000, 'the lost step never re-ran');
    const step = rerun.steps.find((candidate) => candidate.name === victim)!;
    expect(step.attempts[0]!.state).toBe('lost');
    expect(step.attempts[1]!.node).toBe(w2.info.node);
    expect(step.attempts[1]!.startedAt - killedAt).toBeLessThan(2000);

    const done = await until(id, (view) => view.state === 'done' || view.state === 'failed', 30_000, 'the job never finished');
    expect(done.state).toBe('done');
    expect(recorded(id)).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 });
    // Everything after the kill ran on the survivor.
    for (const name of ['c', 'd', 'e', 'f']) expect(done.steps.find((candidate) => candidate.name === name)!.node).toBe(w2.info.node);
    const shown = await glow(['job', 'show', id, '--home', s.home]);
    // The whole result, so that a failure shows the exit code and stderr too.
    expect(shown).toMatchObject({ code: EXIT.ok, stdout: expect.stringMatching(new RegExp(`^job ${id} \\(six\\): done\\n`)) });

    await w1.exited;
    w1 = await startWorker(w1.home);
    await workersKnown();
  }, 60_000);

  it('resumes a job after the scheduler daemon is SIGKILLed, without re-running finished steps', async () => {
    const id = await submit({
      name: 'resume',
      steps: [
        { name: 'first', kind: 'sleep', args: { ms: 200, value: 1 } },
        { name: 'second', kind: 'sleep', args: { ms: 3000, ticks: 3, value: 2 } },
        { name: 'third', kind: 'hash', args: { text: 'three' } },
      ],
    });
    await until(id, (view) => view.steps[0]!.state === 'done' && view.steps[1]!.state === 'running', 10_000, 'second never started');
    s.child.kill('SIGKILL');
    await s.exited;
    // Same link address, so that the workers' --connect finds it again (they retry with backoff).
    s = await startDaemon(s.home, ['--no-mdns', '--max-steps', '0', '--listen', new URL(s.info.link).host]);
    await workersKnown();
    const done = await until(id, (view) => view.state === 'done' || view.state === 'failed', 30_000, 'the job never finished after the restart');
    expect({ state: done.state, error: done.error, attempts: done.steps.map((step) => step.attempts.map((attempt) => [attempt.state, attempt.error?.message])) }).toMatchObject({ state: 'done', error: undefined });
    expect(done.steps[0]!.attempts).toHaveLength(1);
    expect(recorded(id)).toEqual({ first: 1, second: 1, third: 1 });
  }, 60_000);

  it('keeps a step whose kind no node has waiting with the reason, then fails it at its deadline', async () => {
    const id = await submit({ name: 'nokind', steps: [{ name: 'resize', kind: 'resize-images', args: {}, deadline: 2500 }] });
    const waiting = await until(id, (view) => view.steps[0]!.state === 'waiting', 5000, 'never waiting');
    expect(waiting.steps[0]!.waiting).toMatch(/no node has kind resize-images/);
    const failed = await until(id, (view) => view.state === 'failed', 10_000, 'never failed');
    expect(failed.error?.message).toMatch(/deadline/);
    const watched = await glow(['job', 'watch', id, '--home', s.home]);
    expect(watched.code).toBe(EXIT.failed);
    expect(watched.stdout).toMatch(/failed/);
  });

  it('cancels a running job: no step keeps running on any node', async () => {
    const id = await submit({
      name: 'cancel-me',
      steps: [
        { name: 'x', kind: 'sleep', args: { ms: 60_000, ticks: 60 }, after: [] },
        { name: 'y', kind: 'sleep', args: { ms: 60_000, ticks: 60 }, after: [] },
      ],
    });
    await until(id, (view) => view.steps.every((step) => step.state === 'running'), 10_000, 'the steps never ran');
    await waitFor(async () => (await running(w1)) + (await running(w2)) === 2, 5000, 'the workers never counted both steps', 50);
    const watching = startGlow(['job', 'watch', id, '--home', s.home]);
    expect(await glow(['job', 'cancel', id, '--home', s.home])).toMatchObject({ code: EXIT.ok, stdout: 'cancelled\n' });
    await waitFor(async () => (await running(w1)) + (await running(w2)) === 0, 5000, 'a step process is still running', 50);
    const result = await within(watching.done, 10_000, 'job watch did not end');
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toMatch(/cancelled/);
  });

  it('never places a "when idle" step on a node that reports busy', async () => {
    // Both workers read their load from a file instead of the CPU (whatever else this machine is
    // doing): W1 reports 0.95, W2 reports 0.
    const busyFile = join(scratch, 'w1-load');
    const idleFile = join(scratch, 'w2-load');
    await writeFile(busyFile, '0.95');
    await writeFile(idleFile, '0');
    for (const worker of [w1, w2]) worker.child.kill('SIGKILL');
    await Promise.all([w1.exited, w2.exited]);
    [w1, w2] = await Promise.all([startWorker(w1.home, busyFile), startWorker(w2.home, idleFile)]);
    await workersKnown();
    const status = await glow(['worker', 'status', '--on', w1.info.node, '--home', s.home]);
    expect(status.stdout).toMatch(/state +busy \(load 0\.95/);

    const id = await submit({
      name: 'idle-only',
      schedule: { whenIdle: { from: '00:00', to: '00:00' } },
      steps: Array.from({ length: 6 }, (_, i) => ({ name: `s${i}`, kind: 'sleep', args: { ms: 100 }, after: [] })),
    });
    const done = await until(id, (view) => view.state === 'done', 20_000, 'the job never finished');
    for (const step of done.steps) for (const attempt of step.attempts) expect(attempt.node).toBe(w2.info.node);

    // With W2 paced out too ("don't use me"), a new job waits instead of using busy W1.
    await glow(['worker', 'pause', '--on', w2.info.node, '--home', s.home]);
    const waiting = await submit({ name: 'waits', schedule: { whenIdle: { from: '00:00', to: '00:00' } }, steps: [{ name: 'z', kind: 'sleep', args: { ms: 100 } }] });
    const view = await until(waiting, (candidate) => candidate.steps[0]!.state === 'waiting', 5000, 'never waiting');
    expect(view.steps[0]!.waiting).toMatch(/idle/);
    await glow(['worker', 'resume', '--on', w2.info.node, '--home', s.home]);
    const finished = await until(waiting, (candidate) => candidate.state === 'done', 10_000, 'never ran once W2 resumed');
    expect(finished.steps[0]!.node).toBe(w2.info.node);
  }, 60_000);
});
