/**
 * The jobs resource over in-process meshes (memory links): DAGs with outputs, waiting and
 * deadlines, cancel, idle placement, schedules, exec and watch. Lost workers, retries and
 * restarts are in attemptSupervision.test.ts.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { ManualClock } from '../../../src/firefly/clock.js';
import { GlowError } from '../../../src/firefly/errors.js';
import type { JobView } from '../../../src/resources/jobs/index.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { jobsMesh, processesOfKind, untilState, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

test('a 6-step DAG runs over two workers, outputs feeding later steps, each result recorded once', async () => {
  mesh = await jobsMesh();
  const { id } = await mesh.jobs.call('submit', {
    job: {
      name: 'six',
      steps: [
        { name: 'a', kind: 'hash', args: { text: 'alpha' }, after: [] },
        { name: 'b', kind: 'hash', args: { text: 'beta' }, after: [] },
        { name: 'c', kind: 'sleep', args: { ms: 100, value: 'c' }, after: [] },
        { name: 'd', kind: 'sleep', args: { ms: 100, value: 'd' }, after: [] },
        { name: 'e', kind: 'hash', args: { text: [{ $from: 'a', pick: 'sha256' }, { $from: 'b', pick: 'sha256' }] }, after: ['c'] },
        { name: 'f', kind: 'hash', args: { text: { $from: 'e', pick: 'sha256' } }, after: ['d'] },
      ],
    },
  });
  // The watch stream carries states and the sleep steps' progress while the job runs.
  const seen: JobView[] = [];
  for await (const view of mesh.jobs.iterate('watch', { id })) {
    seen.push(view);
    if (view.steps.some((s) => s.state === 'running' && s.progress && s.progress.value > 0 && s.progress.value < 1)) break;
  }
  expect(seen[0]!.state).toBe('running');
  const done = await untilState(mesh, id, ['done']);
  const output = (name: string) => done.steps.find((s) => s.name === name)!.output as { sha256: string };
  const e = sha(sha('alpha') + sha('beta'));
  expect(output('e').sha256).toBe(e);
  expect(output('f').sha256).toBe(sha(e));
  expect(new Set(done.steps.map((s) => s.node))).toEqual(new Set(mesh.workers.map((w) => w.id)));
  expect(mesh.engine().recordedResults(id)).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 });
  expect(await mesh.jobs.call('list', {})).toEqual([expect.objectContaining({ id, state: 'done', steps: 6, done: 6 })]);
});

test('a step whose kind no node has waits with a reason, then fails at its deadline on the scheduler clock', async () => {
  const clock = new ManualClock(Date.now());
  mesh = await jobsMesh({ workers: 1, scheduler: { clock, tickInterval: 100 } });
  const { id } = await mesh.jobs.call('submit', { job: { name: 'nokind', steps: [{ name: 'x', kind: 'resize', deadline: 400 }] } });
  await waitFor(async () => (await mesh!.jobs.call('show', { id })).steps[0]!.waiting === 'no node has kind resize', 3000, 'waiting reason');
  // At 400 ms the deadline is reached, not passed: the step still waits.
  await clock.advance(400);
  expect(await mesh.jobs.call('show', { id })).toMatchObject({ state: 'running', steps: [{ state: 'waiting' }] });
  await clock.advance(100);
  const failed = await untilState(mesh, id, ['failed']);
  expect(failed.error).toMatchObject({ code: 'timeout', step: 'x' });
  expect(failed.error!.message).toContain('no node has kind resize');
});

test('cancel terminates running steps on every node', async () => {
  mesh = await jobsMesh();
  const { id } = await mesh.jobs.call('submit', {
    job: { name: 'cancel', steps: [{ name: 'p', kind: 'sleep', args: { ms: 20_000 }, after: [] }, { name: 'q', kind: 'sleep', args: { ms: 20_000 }, after: [] }] },
  });
  await waitFor(async () => (await mesh!.jobs.call('show', { id })).steps.every((s) => s.attempts[0]?.state === 'running'), 4000, 'both running');
  expect(mesh.workers.flatMap((w) => processesOfKind(w, 'sleep'))).toHaveLength(2);
  await expect(mesh.jobs.call('cancel', { id })).resolves.toEqual({ state: 'cancelled' });
  await waitFor(() => mesh!.workers.every((w) => processesOfKind(w, 'sleep').length === 0), 3000, 'no step process left');
  const view = await mesh.jobs.call('show', { id });
  expect(view.steps.map((s) => s.state)).toEqual(['cancelled', 'cancelled']);
});

test('whenIdle placement never picks a busy node and waits while every node is busy', async () => {
  const load = [0.9, 0];
  const clock = new ManualClock(Date.now());
  mesh = await jobsMesh({ worker: (index) => ({ load: () => load[index]! }), scheduler: { clock } });
  const busyNode = mesh.workers[0]!.id;
  const steps = ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'hash', args: { text: name }, after: [] }));
  const { id } = await mesh.jobs.call('submit', { job: { name: 'idle', schedule: { whenIdle: { from: '00:00', to: '00:00' } }, steps } });
  const done = await untilState(mesh, id, ['done']);
  expect(done.steps.every((s) => s.node === mesh!.workers[1]!.id)).toBe(true);
  expect(done.steps.some((s) => s.node === busyNode)).toBe(false);

  load[1] = 0.9;
  const second = await mesh.jobs.call('submit', { job: { name: 'idle2', schedule: { whenIdle: { from: '00:00', to: '00:00' } }, steps: [steps[0]!] } });
  await waitFor(async () => (await mesh!.jobs.call('show', { id: second.id })).steps[0]!.waiting === 'no idle node has kind hash', 3000, 'waits for an idle node');
  load[0] = 0;
  // A waiting step is looked at again at the next tick.
  await clock.advance(1000);
  const later = await untilState(mesh, second.id, ['done']);
  expect(later.steps[0]!.node).toBe(busyNode);
});

test('bad job files are refused with typed errors and nothing is stored', async () => {
  mesh = await jobsMesh({ workers: 1 });
  const bad = [
    { name: 'x', steps: [{ name: 'a', kind: 'hash', after: ['a2'] }] },
    { name: 'x', steps: [{ name: 'a', kind: 'hash', after: ['b'] }, { name: 'b', kind: 'hash', after: ['a'] }] },
    { name: 'x', schedule: { cron: '* * *' }, steps: [{ name: 'a', kind: 'hash' }] },
    { name: 'x', steps: [{ name: 'a', kind: 'hash', bogus: true }] },
  ];
  const reasons = [];
  for (const job of bad) {
    const error = await mesh.jobs.call('submit', { job }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(GlowError);
    expect((error as GlowError).code).toBe('badarg');
    reasons.push(((error as GlowError).details as { reason: string }).reason);
  }
  expect(reasons).toEqual(['unknown-dependency', 'cycle', 'bad-cron', 'schema']);
  await expect(mesh.jobs.call('list', {})).resolves.toEqual([]);
  const db = new Database(mesh.db, { readonly: true });
  try {
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM steps').get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }
});

test('no job id begins with "-", which a command line would read as an option', async () => {
  const clock = new ManualClock(new Date(2025, 0, 1).getTime());
  mesh = await jobsMesh({ workers: 1, scheduler: { clock } });
  const later = new Date(clock.now() + 3_600_000).toISOString();
  const ids: string[] = [];
  // 200 ids of 12 characters: with "-" among 64, one would be there with near certainty.
  for (let i = 0; i < 200; i++) ids.push((await mesh.jobs.call('submit', { job: { name: `j${i}`, schedule: { at: later }, steps: [{ name: 'a', kind: 'hash', args: { text: 'a' } }] } })).id);
  expect(ids.filter((id) => id.includes('-'))).toEqual([]);
  expect(ids.every((id) => /^[A-Za-z0-9_]{12}$/.test(id))).toBe(true);
});

test('`at` and `cron` schedules follow the scheduler clock', async () => {
  const clock = new ManualClock(new Date(2025, 0, 1, 2, 59).getTime());
  mesh = await jobsMesh({ workers: 1, scheduler: { clock } });
  const at = await mesh.jobs.call('submit', { job: { name: 'at', schedule: { at: new Date(clock.now() + 3_600_000).toISOString() }, steps: [{ name: 'a', kind: 'hash', args: { text: 'a' } }] } });
  const cron = await mesh.jobs.call('submit', { job: { name: 'cron', schedule: { cron: '0 3 * * *' }, steps: [{ name: 'a', kind: 'hash', args: { text: 'a' } }] } });
  expect(await mesh.jobs.call('show', { id: cron.id })).toMatchObject({ state: 'scheduled', nextRunAt: new Date(2025, 0, 1, 3, 0).getTime(), runs: 0 });
  expect(await mesh.jobs.call('show', { id: at.id })).toMatchObject({ state: 'scheduled', runs: 0 });

  await clock.advance(59_999);
  expect(await mesh.jobs.call('show', { id: cron.id })).toMatchObject({ state: 'scheduled', runs: 0 });
  // 03:00:30: the tick at 03:00 started the cron run.
  await clock.advance(30_001);
  await waitFor(async () => (await mesh!.jobs.call('show', { id: cron.id })).runs === 1 && (await mesh!.jobs.call('show', { id: cron.id })).state === 'scheduled', 4000, 'the cron run');
  expect(await mesh.jobs.call('show', { id: cron.id })).toMatchObject({ lastRun: 'done', nextRunAt: new Date(2025, 0, 2, 3, 0).getTime() });
  expect((await mesh.jobs.call('show', { id: at.id })).state).toBe('scheduled');

  await clock.advance(new Date(2025, 0, 1, 4, 0).getTime() - clock.now());
  await untilState(mesh, at.id, ['done']);
});

test('exec runs only on workers that allow it, and only for the owner', async () => {
  mesh = await jobsMesh({ workers: 1, worker: () => ({ allowExec: true }) });
  // The worker trusts no other node: a scheduler on S (not the worker's node) may not exec there.
  const job = { name: 'exec', steps: [{ name: 'run', kind: 'exec', args: { command: process.execPath, args: ['-e', 'process.stdout.write("hi")'] }, retries: 0 }] };
  const { id } = await mesh.jobs.call('submit', { job });
  const failed = await untilState(mesh, id, ['failed']);
  expect(failed.error).toMatchObject({ code: 'denied' });
  // Submitted from another node, the job is not the owner's: refused at once.
  const fromWorker = mesh.workers[0]!.node.named('glow.jobs');
  await expect(fromWorker.call('submit', { job })).rejects.toMatchObject({ code: 'denied' });
  // exec started directly, without a worker's grant, refuses to run.
  const w = mesh.workers[0]!.node;
  const direct = await w.spawn('exec', { args: { command: 'true' }, attempt: { key: 'k', jobId: 'j', step: 's', n: 1, scheduler: 'glow.jobs', owner: true } });
  const down = await within(w.down(direct), 3000);
  expect(down.reason).toMatchObject({ error: { code: 'denied' } });
});

test('exec runs a command for an owner job on a worker that allows it and trusts the scheduler', async () => {
  // A worker on the scheduler's own node: the scheduler's calls are local, hence trusted.
  mesh = await jobsMesh({ workers: 0, workerOnS: true, sWorker: { allowExec: true } });
  const job = { name: 'exec', steps: [{ name: 'run', kind: 'exec', args: { command: process.execPath, args: ['-e', 'process.stdout.write("hi")'] }, retries: 0 }] };
  const { id } = await mesh.jobs.call('submit', { job });
  const view = await untilState(mesh, id, ['done']);
  expect(view.steps[0]!.output).toEqual({ code: 0, stdout: 'hi', stderr: '' });
  expect(view.owner).toBe(true);
});

test('watch streams the job from its first state to its final one, progress included, then ends', async () => {
  mesh = await jobsMesh();
  const { id } = await mesh.jobs.call('submit', {
    job: { name: 'watched', steps: [{ name: 'a', kind: 'sleep', args: { ms: 300, ticks: 40 } }, { name: 'b', kind: 'hash', args: { text: 'x' } }] },
  });
  const seen: JobView[] = [];
  for await (const view of mesh.jobs.iterate('watch', { id })) seen.push(view);
  expect(seen[0]!.state).toBe('running');
  expect(seen.at(-1)!.state).toBe('done');
  expect(seen.at(-1)!.steps.map((step) => step.state)).toEqual(['done', 'done']);
  expect(seen.some((view) => (view.steps[0]!.progress?.value ?? 0) > 0 && view.steps[0]!.state === 'running')).toBe(true);
});
