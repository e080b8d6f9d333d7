/**
 * A daemon whose jobs journal holds a bad row (issue 13, point 5): a worker once answered `run`
 * with a malformed process id and it was journaled. The daemon starts anyway, the job of that
 * row is failed with the reason, and every later start is as clean.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { JOBS_JOURNAL, schedulerName } from '../../../apps/daemon/jobs.js';
import { Journal } from '../../../src/resources/jobs/index.js';
import { DaemonProcess, removeHomes, stopAll, tempHome } from './helpers.js';

const running: DaemonProcess[] = [];
afterEach(async () => {
  await stopAll(running.splice(0));
});
afterAll(removeHomes);

async function start(home: string): Promise<DaemonProcess> {
  const daemon = await DaemonProcess.start({ home });
  running.push(daemon);
  return daemon;
}

/** Journals a running job whose one attempt names `process`, written as a row with no check. */
function journalRunningJob(file: string, id: string, process: string): void {
  const journal = new Journal(file);
  try {
    const plan = { name: 'hurt', schedule: 'now' as const, steps: [{ name: 'a', kind: 'sleep', args: { ms: 10 }, after: [], retries: 3 }] };
    journal.saveJob({ id, plan, state: 'running', owner: true, submittedBy: 'local', createdAt: 1, startedAt: 1, runs: 1 });
    journal.saveStep(id, { name: 'a', state: 'running', readyAt: 1, hasOutput: false });
  } finally {
    journal.close();
  }
  const db = new Database(file);
  try {
    db.prepare("INSERT INTO attempts (key, job_id, step, run, n, node, process, state, started_at) VALUES (?, ?, 'a', 1, 1, 'elsewhere', ?, 'running', 1)").run(`${id}.1.a.1`, id, process);
  } finally {
    db.close();
  }
}

test('a malformed process id in the journal fails its job; the daemon starts, and starts again', async () => {
  const home = await tempHome();
  journalRunningJob(join(home, JOBS_JOURNAL), 'badjob', 'not a resource id');

  for (let round = 1; round <= 2; round++) {
    const daemon = await start(home);
    const show = { op: 'call', ref: schedulerName(daemon.id), method: 'show', args: { id: 'badjob' } };
    const job = await daemon.op<{ state: string; error: { code: string; message: string } }>(show);
    expect(job.state).toBe('failed');
    expect(job.error.code).toBe('badarg');
    expect(job.error.message).toContain('attempt badjob.1.a.1: process: not a resource id');
    // The scheduler works: a new job runs to its end.
    const { id } = await daemon.op<{ id: string }>({ op: 'call', ref: schedulerName(daemon.id), method: 'submit', args: { job: { name: 'fine', steps: [{ name: 'h', kind: 'hash', args: { text: 'x' } }] } } });
    await daemon.until({ ...show, args: { id } }, (view: { state: string }) => view.state === 'done');
    expect(await daemon.terminate()).toMatchObject({ code: 0 });
    running.splice(running.indexOf(daemon), 1);
  }
}, 60_000);
