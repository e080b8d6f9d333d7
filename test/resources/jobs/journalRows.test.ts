/** Reading journal rows back: well-formed rows come out as records, the others with why. */
import { attemptRows, jobRows, stepRows } from '../../../src/resources/jobs/journalRows.js';

const NODE = 'a'.repeat(16);
const plan = JSON.stringify({ name: 'j', schedule: 'now', steps: [{ name: 's', kind: 'hash', args: {}, after: [], retries: 3 }] });
const jobRow = { id: 'j1', plan, state: 'running', owner: 1, submitted_by: 'local', created_at: 5, started_at: 6, finished_at: null, next_run_at: null, runs: 1, last_run: null, error: null };
const stepRow = { name: 's', state: 'done', ready_at: 7, output: '{"ok":true}', has_output: 1, error: null };
const attemptRow = { key: 'j1.1.s.1', step: 's', run: 1, n: 1, node: NODE, process: `glow://${NODE}/p1`, state: 'running', started_at: 8, ended_at: null, error: null };

test('well-formed rows become records, with SQL nulls read as absent', () => {
  expect(jobRows([jobRow])).toEqual({
    rows: [{ id: 'j1', plan: JSON.parse(plan), state: 'running', owner: true, submittedBy: 'local', createdAt: 5, startedAt: 6, finishedAt: undefined, nextRunAt: undefined, runs: 1, lastRun: undefined, error: undefined }],
    bad: [],
  });
  expect(stepRows([stepRow]).rows).toEqual([{ name: 's', state: 'done', readyAt: 7, hasOutput: true, output: { ok: true }, error: undefined }]);
  expect(stepRows([{ ...stepRow, output: null, has_output: 0 }]).rows[0]).not.toHaveProperty('output');
  expect(attemptRows([attemptRow]).rows).toEqual([
    { key: 'j1.1.s.1', step: 's', run: 1, n: 1, node: NODE, process: `glow://${NODE}/p1`, state: 'running', startedAt: 8, endedAt: undefined, error: undefined },
  ]);
});

test.each([
  ['a plan that is not JSON', { ...jobRow, plan: '{' }, 'plan: not JSON'],
  ['a plan with no steps', { ...jobRow, plan: JSON.stringify({ name: 'j', schedule: 'now', steps: [] }) }, 'plan.steps'],
  ['an unknown state', { ...jobRow, state: 'exploded' }, 'state'],
  ['an error that is not an error', { ...jobRow, error: '"boom"' }, 'error'],
])('a job row with %s is set apart with the column at fault', (_what, row, problem) => {
  const read = jobRows([row, { ...jobRow, id: 'j2' }]);
  expect(read.rows.map((job) => job.id)).toEqual(['j2']);
  expect(read.bad).toEqual([{ key: 'j1', problem: expect.stringContaining(problem) }]);
});

test('a step row whose output is not JSON is set apart', () => {
  expect(stepRows([{ ...stepRow, output: 'nope' }]).bad).toEqual([{ key: 's', problem: 'output: not JSON' }]);
});

test.each([
  ['a malformed process id', { ...attemptRow, process: 'not a resource id' }, 'process: not a resource id'],
  ['a process on another node', { ...attemptRow, process: `glow://${'b'.repeat(16)}/p1` }, "the process is not on the attempt's node"],
  ['a process number', { ...attemptRow, process: 42 }, 'process'],
  ['an attempt number 0', { ...attemptRow, n: 0 }, 'n:'],
])('an attempt row with %s is set apart', (_what, row, problem) => {
  const read = attemptRows([row]);
  expect(read.rows).toEqual([]);
  expect(read.bad).toEqual([{ key: 'j1.1.s.1', problem: expect.stringContaining(problem) }]);
});
