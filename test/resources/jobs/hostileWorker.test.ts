/**
 * A worker that lies in its reply to `run` (issue 13, point 5): the attempt fails with a typed
 * error and is retried, the scheduler keeps running, nothing of the lie reaches the journal, and
 * a restart on that journal resumes cleanly.
 */
import type { ProcessBehaviour, ProcessKind } from '../../../src/actors/process.js';
import { formatResourceId } from '../../../src/firefly/address.js';
import { createJobKinds, Journal } from '../../../src/resources/jobs/index.js';
import { waitFor } from '../../helpers/waitFor.js';
import { jobsMesh, untilState, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeEach(() => process.on('unhandledRejection', onRejection));
afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  await mesh?.close();
  mesh = undefined;
  rejections.length = 0;
});

type Handler = (...args: unknown[]) => unknown;

/**
 * The real worker kind, except that its `run` answers `lie(n)` for the n-th call (from 1) when
 * that is defined, without starting anything; it tells the truth otherwise.
 */
function lyingWorker(lie: (n: number) => unknown): ProcessKind {
  const honest = createJobKinds({ worker: { load: () => 0, onBattery: () => null, cap: 4 } }).find((kind) => kind.name === 'worker')!;
  let calls = 0;
  return {
    ...honest,
    name: 'lyingWorker',
    async start(ctx, args) {
      const behaviour = (await honest.start(ctx, args)) as ProcessBehaviour;
      const handlers = behaviour.handlers as Record<string, Handler>;
      const run: Handler = (...call) => lie(++calls) ?? handlers.run!(...call);
      return { ...behaviour, handlers: { ...handlers, run } };
    },
  };
}

async function stopScheduler(m: JobsMesh): Promise<void> {
  await m.s.node.ref(m.s.node.whereis('glow.jobs')!).call('terminate', {});
  await waitFor(() => m.s.node.whereis('glow.jobs') === undefined, 2000, 'scheduler gone');
}

/** Every attempt row of the journal, read by a second connection (the scheduler's stays open). */
function journalAttempts(m: JobsMesh, id: string, run = 1) {
  const journal = new Journal(m.db);
  try {
    return journal.loadAttempts(id, run);
  } finally {
    journal.close();
  }
}

test('a malformed process id in the reply to run fails that attempt only; the retry runs and a restart resumes cleanly', async () => {
  mesh = await jobsMesh({ workers: 1, workerProcess: () => lyingWorker((n) => (n === 1 ? { process: 'not a resource id' } : undefined)) });
  const { id } = await mesh.jobs.call('submit', { job: { name: 'lied-to', steps: [{ name: 'a', kind: 'hash', args: { text: 'x' } }] } });
  const done = await untilState(mesh, id, ['done', 'failed']);

  expect(done.state).toBe('done');
  const [first, second] = done.steps[0]!.attempts;
  expect(first).toMatchObject({ state: 'failed', error: { code: 'badpacket' } });
  expect(first!.error!.message).toMatch(/malformed process id/);
  expect(first!.process).toBeUndefined();
  expect(second).toMatchObject({ state: 'done' });
  expect(mesh.events).toContainEqual(expect.objectContaining({ event: 'attempt.failed', key: first!.key, error: first!.error }));
  // What was journaled is what the scheduler read, never the lie.
  const stored = journalAttempts(mesh, id);
  expect(stored.bad).toEqual([]);
  expect(stored.rows.map((row) => row.process)).toEqual([undefined, second!.process]);

  await stopScheduler(mesh);
  const jobs = await mesh.startScheduler();
  expect((await jobs.call('show', { id })).state).toBe('done');
  expect(mesh.engine().recordedResults(id)).toEqual({ a: 1 });
  expect(rejections).toEqual([]);
}, 20_000);

test("a worker naming a process on another node fails the attempt, and that process is never monitored or terminated", async () => {
  let victim = '';
  mesh = await jobsMesh({ workers: 1, workerProcess: () => lyingWorker((n) => (n === 1 ? { process: victim } : undefined)) });
  // The scheduler's own process on S: what a cancel would terminate if the lie were kept.
  victim = formatResourceId(mesh.s.node.whereis('glow.jobs')!);
  const { id } = await mesh.jobs.call('submit', { job: { name: 'elsewhere', steps: [{ name: 'a', kind: 'sleep', args: { ms: 5000 } }] } });
  let view = await untilState(mesh, id, ['running']);
  await waitFor(async () => (view = await mesh!.jobs.call('show', { id })).steps[0]!.attempts[1]?.state === 'running', 4000, 'second attempt running');
  expect(view.steps[0]!.attempts[0]).toMatchObject({ state: 'failed', error: { code: 'badpacket' } });
  expect(view.steps[0]!.attempts[0]!.error!.message).toMatch(/a process on another node/);

  await expect(mesh.jobs.call('cancel', { id })).resolves.toEqual({ state: 'cancelled' });
  // The scheduler answers after the cancel: it did not terminate itself.
  expect((await mesh.jobs.call('show', { id })).state).toBe('cancelled');
  expect(formatResourceId(mesh.s.node.whereis('glow.jobs')!)).toBe(victim);
  expect(rejections).toEqual([]);
}, 20_000);

test('a reply that is not an object at all fails the attempt the same way', async () => {
  mesh = await jobsMesh({ workers: 1, workerProcess: () => lyingWorker((n) => (n === 1 ? 42 : undefined)) });
  const { id } = await mesh.jobs.call('submit', { job: { name: 'number', steps: [{ name: 'a', kind: 'hash', args: { text: 'y' } }] } });
  const done = await untilState(mesh, id, ['done', 'failed']);
  expect(done.state).toBe('done');
  expect(done.steps[0]!.attempts[0]).toMatchObject({ state: 'failed', error: { code: 'badpacket' } });
  expect(rejections).toEqual([]);
}, 20_000);
