/**
 * Jobs under the users model: steps go only to workers of the owner's user, only the node
 * running an attempt may report its result, and a job submitted from another user's node is not
 * the owner's. "Same user" is the scheduler's `sameUser` (the daemon's: its Trust).
 */
import { GlowError } from '../../../src/firefly/errors.js';
import { JobsInterface } from '../../../src/resources/jobs/index.js';
import { waitFor } from '../../helpers/waitFor.js';
import { jobsMesh, untilState, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
});

const sleepJob = (steps: number, ms: number) => ({ name: 'sleepy', steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}`, kind: 'sleep', args: { ms }, retries: 0 })) });

test("steps go only to the owner's user's workers: another user's idle worker gets none", async () => {
  const own = new Set<string>();
  mesh = await jobsMesh({ workers: 2, scheduler: { sameUser: (node) => own.has(node) } });
  const [mine, theirs] = mesh.workers as [NonNullable<JobsMesh['workers'][number]>, NonNullable<JobsMesh['workers'][number]>];
  own.add(mine.id);
  const { id } = await mesh.jobs.call('submit', { job: sleepJob(6, 20) });
  const done = await untilState(mesh, id, ['done']);
  const nodes = new Set(done.steps.flatMap((step) => step.attempts.map((attempt) => attempt.node)));
  expect([...nodes]).toEqual([mine.id]);
  expect(nodes.has(theirs.id)).toBe(false);
});

test('with no worker of the user reachable, a step waits and says so', async () => {
  mesh = await jobsMesh({ workers: 1, scheduler: { sameUser: () => false } });
  const { id } = await mesh.jobs.call('submit', { job: sleepJob(1, 10) });
  await waitFor(async () => (await mesh!.jobs.call('show', { id })).steps[0]?.waiting === 'no worker is reachable', 5000, 'the step waits for a worker of the user');
});

test('only the node running an attempt may complete or fail it; the scheduler keeps waiting for the real result', async () => {
  mesh = await jobsMesh({ workers: 2 });
  const [runner, other] = mesh.workers as [NonNullable<JobsMesh['workers'][number]>, NonNullable<JobsMesh['workers'][number]>];
  const { id } = await mesh.jobs.call('submit', { job: sleepJob(1, 1500) });
  let key = '';
  let node = '';
  await waitFor(async () => {
    const attempt = (await mesh!.jobs.call('show', { id })).steps[0]?.attempts[0];
    if (attempt?.state !== 'running' || !attempt.node) return false;
    ({ key, node } = attempt as { key: string; node: string });
    return true;
  }, 5000, 'the attempt runs');
  const liar = node === runner.id ? other : runner;
  const scheduler = liar.node.named('glow.jobs', JobsInterface);
  // A forged progress report (a cast: nothing to answer) is dropped; the scheduler goes on.
  scheduler.cast('progress', { key, value: 0.125, message: 'forged' });
  for (const [member, args] of [['complete', { key, output: 'forged' }], ['fail', { key, error: { code: 'failed', message: 'forged' } }]] as const) {
    const refused = await scheduler.call(member, args).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(GlowError);
    expect(refused).toMatchObject({ code: 'denied', details: { reason: 'not the attempt node' } });
  }
  const done = await untilState(mesh, id, ['done']);
  expect(done.steps[0]!.output).not.toBe('forged');
  expect(done.steps[0]!.attempts).toHaveLength(1);
});

test("a job submitted from a node of another user is not the owner's; from the user's own device it is", async () => {
  const own = new Set<string>();
  mesh = await jobsMesh({ workers: 2, scheduler: { sameUser: (node) => own.has(node) } });
  own.add(mesh.workers[0]!.id);
  const job = sleepJob(1, 1);
  const fromOwn = await mesh.workers[0]!.node.named('glow.jobs', JobsInterface).call('submit', { job });
  const fromOther = await mesh.workers[1]!.node.named('glow.jobs', JobsInterface).call('submit', { job });
  expect((await mesh.jobs.call('show', { id: fromOwn.id })).owner).toBe(true);
  expect((await mesh.jobs.call('show', { id: fromOther.id })).owner).toBe(false);
});
