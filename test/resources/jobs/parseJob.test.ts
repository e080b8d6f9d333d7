import { GlowError } from '../../../src/firefly/errors.js';
import { insideWindow, nextRunAt, parseJob, resolveReferences } from '../../../src/resources/jobs/index.js';

function refusal(job: unknown): { reason?: string } & Record<string, unknown> {
  try {
    parseJob(job);
  } catch (error) {
    expect(error).toBeInstanceOf(GlowError);
    expect((error as GlowError).code).toBe('badarg');
    return (error as GlowError).details as never;
  }
  throw new Error('the job was accepted');
}

const step = (name: string, extra: object = {}) => ({ name, kind: 'hash', args: { text: name }, ...extra });

test('a plain list of steps runs in sequence', () => {
  const plan = parseJob({ name: 'seq', steps: [step('a'), step('b'), step('c')] });
  expect(plan.steps.map((s) => s.after)).toEqual([[], ['a'], ['b']]);
  expect(plan.schedule).toBe('now');
  expect(plan.steps[0]!.retries).toBe(3);
});

test('with `after`, steps form a DAG and $from references are dependencies', () => {
  const plan = parseJob({
    name: 'dag',
    steps: [step('a', { after: [] }), step('b'), { name: 'c', kind: 'hash', args: { text: { $from: 'b', pick: 'sha256' } }, after: ['a'] }],
  });
  expect(plan.steps.map((s) => s.after)).toEqual([[], [], ['a', 'b']]);
});

test('refuses unknown fields, cycles, unknown dependencies, duplicates, bad references, cron and times', () => {
  expect(refusal({ name: 'x', steps: [step('a', { retires: 3 })] }).reason).toBe('schema');
  expect(refusal({ name: 'x', extra: 1, steps: [step('a')] }).reason).toBe('schema');
  expect(refusal({ name: 'x', steps: [] }).reason).toBe('schema');
  expect(refusal({ name: 'x', steps: [step('a', { after: ['b'] }), step('b', { after: ['a'] })] })).toMatchObject({ reason: 'cycle', cycle: ['a', 'b', 'a'] });
  expect(refusal({ name: 'x', steps: [step('a', { after: ['nope'] })] })).toMatchObject({ reason: 'unknown-dependency', dependency: 'nope' });
  expect(refusal({ name: 'x', steps: [step('a'), step('a')] }).reason).toBe('duplicate-step');
  expect(refusal({ name: 'x', steps: [{ name: 'a', kind: 'hash', args: { text: { $from: 'zzz' } } }] }).reason).toBe('unknown-dependency');
  expect(refusal({ name: 'x', steps: [{ name: 'a', kind: 'hash', args: { text: { $from: 'b', typo: 1 } } }, step('b')] }).reason).toBe('bad-reference');
  expect(refusal({ name: 'x', schedule: { cron: 'not a cron' }, steps: [step('a')] }).reason).toBe('bad-cron');
  expect(refusal({ name: 'x', schedule: { cron: '61 * * * *' }, steps: [step('a')] }).reason).toBe('bad-cron');
  expect(refusal({ name: 'x', schedule: { at: 'tomorrow' }, steps: [step('a')] }).reason).toBe('schema');
  expect(refusal({ name: 'x', schedule: { whenIdle: { from: '25:00', to: '06:00' } }, steps: [step('a')] }).reason).toBe('schema');
});

test('references resolve to outputs, picked by path, and refuse holes', () => {
  const outputs = new Map<string, unknown>([['a', { files: [{ path: '/x' }] }]]);
  expect(resolveReferences({ p: { $from: 'a', pick: 'files.0.path' }, all: [{ $from: 'a' }] }, outputs, 's')).toEqual({ p: '/x', all: [{ files: [{ path: '/x' }] }] });
  expect(() => resolveReferences({ p: { $from: 'a', pick: 'files.9' } }, outputs, 's')).toThrow(GlowError);
  expect(() => resolveReferences({ p: { $from: 'a', pick: 'constructor' } }, outputs, 's')).toThrow(GlowError);
});

test('idle windows wrap midnight and cron runs follow the clock', () => {
  const at = (h: number, m = 0) => new Date(2025, 0, 1, h, m).getTime();
  expect(insideWindow({ from: '22:00', to: '06:00' }, at(23))).toBe(true);
  expect(insideWindow({ from: '22:00', to: '06:00' }, at(3))).toBe(true);
  expect(insideWindow({ from: '22:00', to: '06:00' }, at(12))).toBe(false);
  expect(insideWindow({ from: '01:00', to: '06:00' }, at(6))).toBe(false);
  expect(nextRunAt({ whenIdle: { from: '01:00', to: '06:00' } }, at(12))).toBe(new Date(2025, 0, 2, 1, 0).getTime());
  expect(nextRunAt({ cron: '0 3 * * *' }, at(2, 59))).toBe(at(3));
  expect(nextRunAt({ cron: '0 3 * * *' }, at(3, 1))).toBe(new Date(2025, 0, 2, 3, 0).getTime());
});
