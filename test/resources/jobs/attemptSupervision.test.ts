/**
 * Attempts over in-process meshes (memory links): a lost worker's step re-runs elsewhere, failed
 * attempts retry after the backoff on the scheduler's clock, and a scheduler restarted on the
 * same journal picks its attempts up again — the first result of any attempt recorded once.
 */
import { createHash } from 'node:crypto';
import { ManualClock } from '../../../src/firefly/clock.js';
import { Journal, parseJob, type JobView } from '../../../src/resources/jobs/index.js';
import { waitFor } from '../../helpers/waitFor.js';
import { jobsMesh, untilState, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Ends the scheduler process on S (its journal stays). */
async function stopScheduler(m: JobsMesh): Promise<void> {
  await m.s.node.ref(m.s.node.whereis('glow.jobs')!).call('terminate', {});
  await waitFor(() => m.s.node.whereis('glow.jobs') === undefined, 2000, 'scheduler gone');
}

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
  await stopScheduler(mesh);
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
  await stopScheduler(mesh);
  mesh.links[0]!.cut('outage');
  await waitFor(() => !mesh!.s.router.isReachable(mesh!.workers[0]!.id), 3000, 'the worker never became unreachable');
  await mesh.startScheduler();
  mesh.relink(0);
  const done = await untilState(mesh, id, ['done']);
  expect(done.steps[0]!.attempts.map((attempt) => attempt.state)).toEqual(['done']);
  expect(mesh.engine().recordedResults(id)).toEqual({ b: 1 });
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

test('a journal left with an attempt still starting resumes: that attempt is lost, the step runs again, finished steps do not', async () => {
  mesh = await jobsMesh({ workers: 1 });
  await stopScheduler(mesh);
  // Rows as a scheduler stopped between journaling attempt b.1 and learning its process leaves them.
  const plan = parseJob({ name: 'crashed', steps: [{ name: 'a', kind: 'hash', args: { text: 'x' } }, { name: 'b', kind: 'hash', args: { text: { $from: 'a', pick: 'sha256' } } }] });
  const journal = new Journal(mesh.db);
  journal.saveJob({ id: 'crashed', plan, state: 'running', owner: true, submittedBy: 'local', createdAt: 1, startedAt: 1, runs: 1 });
  journal.saveStep('crashed', { name: 'a', state: 'done', readyAt: 1, hasOutput: true, output: { sha256: sha('x'), size: 1 } });
  journal.saveStep('crashed', { name: 'b', state: 'running', readyAt: 2, hasOutput: false });
  journal.saveAttempt('crashed', { key: 'crashed.1.a.1', step: 'a', run: 1, n: 1, node: 'gone', process: 'glow://gone/1', state: 'done', startedAt: 1, endedAt: 2 });
  journal.saveAttempt('crashed', { key: 'crashed.1.b.1', step: 'b', run: 1, n: 1, node: 'gone', state: 'starting', startedAt: 2 });
  journal.close();
  await mesh.startScheduler();
  const done = await untilState(mesh, 'crashed', ['done']);
  expect(done.steps.map((step) => step.attempts.map((attempt) => attempt.state))).toEqual([['done'], ['lost', 'done']]);
  expect((done.steps[1]!.output as { sha256: string }).sha256).toBe(sha(sha('x')));
  // The lost attempt reports after all: the step has its result already.
  await expect(mesh.jobs.call('complete', { key: 'crashed.1.b.1', output: {} })).resolves.toEqual({ accepted: false, reason: 'the step already has a result' });
  await expect(mesh.jobs.call('complete', { key: 'crashed.0.b.1', output: {} })).resolves.toMatchObject({ accepted: false, reason: expect.stringMatching(/^unknown attempt/) });
  expect(mesh.engine().recordedResults('crashed')).toEqual({ a: 1, b: 1 });
});

test("the first result wins even from an attempt given up as lost; a failed attempt's result is refused", async () => {
  mesh = await jobsMesh({ workers: 1 });
  await stopScheduler(mesh);
  // Step x waits for a retry (no node has its kind): attempt 1 was lost, attempt 2 failed.
  const plan = parseJob({ name: 'late', steps: [{ name: 'x', kind: 'resize' }] });
  const journal = new Journal(mesh.db);
  journal.saveJob({ id: 'late', plan, state: 'running', owner: true, submittedBy: 'local', createdAt: 1, startedAt: 1, runs: 1 });
  journal.saveStep('late', { name: 'x', state: 'waiting', readyAt: 1, hasOutput: false });
  journal.saveAttempt('late', { key: 'late.1.x.1', step: 'x', run: 1, n: 1, node: 'gone', process: 'glow://gone/1', state: 'lost', startedAt: 1, endedAt: 2 });
  journal.saveAttempt('late', { key: 'late.1.x.2', step: 'x', run: 1, n: 2, node: 'gone', process: 'glow://gone/2', state: 'failed', startedAt: 3, endedAt: 4 });
  journal.close();
  await mesh.startScheduler();
  await waitFor(async () => (await mesh!.jobs.call('show', { id: 'late' })).steps[0]!.waiting === 'no node has kind resize', 3000, 'x waiting');
  await expect(mesh.jobs.call('complete', { key: 'late.1.x.2', output: { from: 2 } })).resolves.toEqual({ accepted: false, reason: 'the attempt is failed' });
  await expect(mesh.jobs.call('fail', { key: 'late.1.x.1', error: { code: 'failed', message: 'late failure' } })).resolves.toEqual({ accepted: false, reason: 'the attempt is lost' });
  await expect(mesh.jobs.call('complete', { key: 'late.1.x.1', output: { from: 1 } })).resolves.toEqual({ accepted: true });
  const done = await untilState(mesh, 'late', ['done']);
  expect(done.steps[0]).toMatchObject({ state: 'done', output: { from: 1 } });
  expect(done.steps[0]!.attempts.map((attempt) => attempt.state)).toEqual(['done', 'failed']);
  expect(mesh.engine().recordedResults('late')).toEqual({ x: 1 });
});

test("a late result from a cron job's earlier run is refused, never taken as this run's", async () => {
  const clock = new ManualClock(new Date(2025, 0, 1, 3, 0, 10).getTime());
  mesh = await jobsMesh({ workers: 1, scheduler: { clock } });
  await stopScheduler(mesh);
  // Run 1 is in progress: its attempt 1 was lost, and no node has the kind to run it again.
  const plan = parseJob({ name: 'nightly', schedule: { cron: '* * * * *' }, steps: [{ name: 'x', kind: 'resize', deadline: 1000 }] });
  const journal = new Journal(mesh.db);
  journal.saveJob({ id: 'nightly', plan, state: 'running', owner: true, submittedBy: 'local', createdAt: clock.now(), startedAt: clock.now(), nextRunAt: new Date(2025, 0, 1, 3, 0).getTime(), runs: 1 });
  journal.saveStep('nightly', { name: 'x', state: 'waiting', readyAt: clock.now(), hasOutput: false });
  journal.saveAttempt('nightly', { key: 'nightly.1.x.1', step: 'x', run: 1, n: 1, node: 'gone', process: 'glow://gone/1', state: 'lost', startedAt: clock.now() });
  journal.close();
  await mesh.startScheduler();
  const show = () => mesh!.jobs.call('show', { id: 'nightly' });
  await waitFor(async () => (await show()).steps[0]!.waiting === 'no node has kind resize', 3000, 'x waiting in run 1');
  await clock.advance(2000);
  await waitFor(async () => (await show()).state === 'scheduled', 3000, 'run 1 failed at the deadline');
  expect(await show()).toMatchObject({ runs: 1, lastRun: 'failed', nextRunAt: new Date(2025, 0, 1, 3, 1).getTime() });
  await clock.advance(new Date(2025, 0, 1, 3, 1).getTime() - clock.now());
  await waitFor(async () => (await show()).steps[0]!.waiting === 'no node has kind resize', 3000, 'x waiting in run 2');
  expect(await show()).toMatchObject({ state: 'running', runs: 2 });
  await expect(mesh.jobs.call('complete', { key: 'nightly.1.x.1', output: { stale: true } })).resolves.toMatchObject({ accepted: false, reason: expect.stringMatching(/^unknown attempt/) });
  expect((await show()).steps[0]).toMatchObject({ state: 'waiting', attempts: [] });
  expect(mesh.engine().recordedResults('nightly')).toEqual({});
});
