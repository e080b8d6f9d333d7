/**
 * A scheduler starting on a journal with bad rows (issue 13, point 5): each row is validated
 * when it is resumed; a bad one fails its job with the reason and the start goes on. The rows
 * are broken with SQL, as a disk, an older version or a hand edit would leave them.
 */
import Database from 'better-sqlite3';
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

async function stopScheduler(m: JobsMesh): Promise<void> {
  await m.s.node.ref(m.s.node.whereis('glow.jobs')!).call('terminate', {});
  await waitFor(() => m.s.node.whereis('glow.jobs') === undefined, 2000, 'scheduler gone');
}

/** Runs `sql` on the journal while no scheduler has it open. */
function edit(m: JobsMesh, sql: string, ...params: unknown[]): void {
  const db = new Database(m.db);
  try {
    expect(db.prepare(sql).run(...params).changes).toBe(1);
  } finally {
    db.close();
  }
}

const hashJob = (name: string) => ({ job: { name, steps: [{ name: 'a', kind: 'hash', args: { text: name } }] } });

test('a running attempt whose process id is malformed in the journal fails its job; the scheduler starts, twice, and runs new jobs', async () => {
  mesh = await jobsMesh({ workers: 1 });
  const good = (await mesh.jobs.call('submit', hashJob('good'))).id;
  await untilState(mesh, good, ['done']);
  const { id } = await mesh.jobs.call('submit', { job: { name: 'broken', steps: [{ name: 'a', kind: 'sleep', args: { ms: 5000 } }] } });
  let key = '';
  await waitFor(async () => ((await mesh!.jobs.call('show', { id })).steps[0]!.attempts[0]?.state === 'running' ? ((key = (await mesh!.jobs.call('show', { id })).steps[0]!.attempts[0]!.key), true) : false), 4000, 'attempt running');
  await stopScheduler(mesh);
  edit(mesh, "UPDATE attempts SET process = 'not a resource id' WHERE key = ?", key);

  for (let start = 1; start <= 2; start++) {
    const jobs = await mesh.startScheduler();
    const view = await jobs.call('show', { id });
    expect(view.state).toBe('failed');
    expect(view.error).toMatchObject({ code: 'badarg' });
    expect(view.error!.message).toContain(`attempt ${key}: process: not a resource id`);
    expect((await jobs.call('show', { id: good })).state).toBe('done');
    if (start === 1) await stopScheduler(mesh);
  }
  expect(mesh.events.filter((event) => event.event === 'journal.badrow' && event.jobId === id)).toHaveLength(2);
  const next = (await mesh.jobs.call('submit', hashJob('after'))).id;
  expect((await untilState(mesh, next, ['done', 'failed'])).state).toBe('done');
  expect(rejections).toEqual([]);
}, 30_000);

test("a job whose own row is unreadable is listed as failed with the reason; the other jobs are untouched", async () => {
  mesh = await jobsMesh({ workers: 1 });
  const good = (await mesh.jobs.call('submit', hashJob('good'))).id;
  const bad = (await mesh.jobs.call('submit', hashJob('bad'))).id;
  await untilState(mesh, good, ['done']);
  await untilState(mesh, bad, ['done']);
  await stopScheduler(mesh);
  edit(mesh, "UPDATE jobs SET plan = '{\"name\": ' WHERE id = ?", bad);

  const jobs = await mesh.startScheduler();
  const view = await jobs.call('show', { id: bad });
  expect(view).toMatchObject({ state: 'failed', steps: [], error: { code: 'badarg' } });
  expect(view.error!.message).toMatch(/plan: not JSON/);
  expect((await jobs.call('show', { id: good })).state).toBe('done');
  expect((await jobs.call('list', {})).map((job) => job.id).sort()).toEqual([good, bad].sort());
  expect(rejections).toEqual([]);
}, 20_000);
