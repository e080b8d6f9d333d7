/**
 * The jobs resource over in-process meshes (memory links): DAGs with outputs, lost workers,
 * late results, restarts on the same journal, waiting/deadlines, cancel and idle placement.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { ManualClock } from '../../../src/firefly/clock.js';
import { GlowError } from '../../../src/firefly/errors.js';
import type { JobView } from '../../../src/resources/jobs/index.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { jobsMesh, processesOfKind, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function untilState(m: JobsMesh, id: string, states: string[], timeout = 8000): Promise<JobView> {
  let last: JobView | undefined;
  await waitFor(async () => states.includes((last = await m.jobs.call('show', { id })).state), timeout, `job ${id} in ${states.join('/')} (last: ${JSON.stringify(last?.steps.map((s) => [s.name, s.state, s.waiting]))})`);
  return last!;
}

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

test("a step re-runs on the other worker within 2 s when its node is lost; the lost worker's late result is ignored", async () => {
  mesh = await jobsMesh();
  const { id } = await mesh.jobs.call('submit', { job: { name: 'lost', steps: [{ name: 'long', kind: 'sleep', args: { ms: 1200, ticks: 4 } }] } });
  let view = await untilState(mesh, id, ['running']);
  await waitFor(async () => (view = await mesh!.jobs.call('show', { id })).steps[0]!.attempts[0]?.state === 'running', 4000, 'first attempt running');
  const first = view.steps[0]!.attempts[0]!;
  const lostIndex = mesh.workers.findIndex((w) => w.id === first.node);
  const other = mesh.workers[1 - lostIndex]!;
  const lostAt = Date.now();
  mesh.links[lostIndex]!.cut('worker lost');
  await waitFor(async () => (view = await mesh!.jobs.call('show', { id })).steps[0]!.attempts[1]?.state === 'running', 4000, 'second attempt running');
  expect(Date.now() - lostAt).toBeLessThan(2000);
  expect(view.steps[0]!.attempts[0]!.state).toBe('lost');
  expect(view.steps[0]!.attempts[1]!.node).toBe(other.id);
  const done = await untilState(mesh, id, ['done']);
  expect((done.steps[0]!.output as { node: string }).node).toBe(other.id);

  // The lost node comes back: its step finished meanwhile and keeps reporting; the late
  // result arrives after the retry's and is ignored.
  mesh.relink(lostIndex);
  await waitFor(() => mesh!.events.some((event) => event.event === 'result.ignored' && event.key === first.key), 10_000, 'the late result arrives');
  const after = await mesh.jobs.call('show', { id });
  expect((after.steps[0]!.output as { node: string }).node).toBe(other.id);
  expect(mesh.engine().recordedResults(id)).toEqual({ long: 1 });
  // Delivered again by hand: still ignored, and the stored result is the first recorded.
  await expect(mesh.jobs.call('complete', { key: first.key, output: { forged: true } })).resolves.toEqual({ accepted: false, reason: 'the step already has a result' });
  expect((await mesh.jobs.call('show', { id })).steps[0]!.output).toEqual(done.steps[0]!.output);
}, 30_000);

test('a scheduler restarted on the same journal mid-job completes it without re-running finished steps', async () => {
  mesh = await jobsMesh();
  const { id } = await mesh.jobs.call('submit', {
    job: { name: 'restart', steps: [{ name: 'a', kind: 'hash', args: { text: 'x' } }, { name: 'b', kind: 'sleep', args: { ms: 800 } }, { name: 'c', kind: 'hash', args: { text: { $from: 'a', pick: 'sha256' } } }] },
  });
  await waitFor(async () => (await mesh!.jobs.call('show', { id })).steps[1]!.attempts[0]?.state === 'running', 4000, 'b running');
  const processId = mesh.s.node.whereis('glow.jobs')!;
  await mesh.s.node.ref(processId).call('terminate', {});
  await waitFor(() => mesh!.s.node.whereis('glow.jobs') === undefined, 2000, 'scheduler gone');
  await mesh.startScheduler();
  const done = await untilState(mesh, id, ['done']);
  expect(done.steps.map((s) => s.attempts.length)).toEqual([1, 1, 1]);
  expect((done.steps[2]!.output as { sha256: string }).sha256).toBe(sha(sha('x')));
  expect(mesh.engine().recordedResults(id)).toEqual({ a: 1, b: 1, c: 1 });
});

test("a restarted scheduler waits for a running step's worker to come back instead of taking it for lost", async () => {
  mesh = await jobsMesh({ workers: 1 });
  const { id } = await mesh.jobs.call('submit', { job: { name: 'outage', steps: [{ name: 'b', kind: 'sleep', args: { ms: 1500 } }] } });
  await waitFor(async () => (await mesh!.jobs.call('show', { id })).steps[0]!.attempts[0]?.state === 'running', 4000, 'b running');
  // The scheduler stops; the worker goes out of reach; the scheduler starts again before the worker is back.
  await mesh.s.node.ref(mesh.s.node.whereis('glow.jobs')!).call('terminate', {});
  await waitFor(() => mesh!.s.node.whereis('glow.jobs') === undefined, 2000, 'scheduler gone');
  mesh.links[0]!.cut('outage');
  await waitFor(() => !mesh!.s.router.isReachable(mesh!.workers[0]!.id), 3000, 'the worker never became unreachable');
  await mesh.startScheduler();
  mesh.relink(0);
  const done = await untilState(mesh, id, ['done']);
  expect(done.steps[0]!.attempts.map((attempt) => attempt.state)).toEqual(['done']);
  expect(mesh.engine().recordedResults(id)).toEqual({ b: 1 });
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

test("a failed attempt is retried after the backoff on the scheduler's clock, each delay longer", async () => {
  const clock = new ManualClock(Date.now());
  // A tick too rare to matter: only the retry's own timer may start the next attempt.
  mesh = await jobsMesh({ workers: 1, scheduler: { clock, tickInterval: 3_600_000, backoff: { initial: 1000, max: 10_000, factor: 3 } } });
  const { id } = await mesh.jobs.call('submit', { job: { name: 'flaky', steps: [{ name: 'x', kind: 'sleep', args: { ms: 0, ticks: 1, fail: true }, retries: 2 }] } });
  const waitsFor = async (text: string) => {
    let view: JobView | undefined;
    await waitFor(async () => (view = await mesh!.jobs.call('show', { id })).steps[0]!.waiting?.startsWith(text) === true, 4000, () => `"${text}…", last: ${view?.steps[0]!.waiting}`);
  };
  await waitsFor('retry 2 of 3 in 1000 ms after: asked to fail');
  await clock.advance(999);
  expect((await mesh.jobs.call('show', { id })).steps[0]!.attempts).toHaveLength(1);
  await clock.advance(1);
  await waitsFor('retry 3 of 3 in 3000 ms');
  await clock.advance(3000);
  const failed = await untilState(mesh, id, ['failed']);
  const attempts = failed.steps[0]!.attempts;
  expect(attempts.map((attempt) => attempt.state)).toEqual(['failed', 'failed', 'failed']);
  expect(attempts[1]!.startedAt - attempts[0]!.endedAt!).toBe(1000);
  expect(attempts[2]!.startedAt - attempts[1]!.endedAt!).toBe(3000);
  expect(failed.error).toMatchObject({ code: 'failed', message: 'asked to fail', step: 'x' });
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
