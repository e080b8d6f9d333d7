/**
 * Built-in step kinds on one node whose clock is manual (no links, so nothing else waits on
 * it): `sleep` waits on its node's clock, not on the platform's timers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mesh } from '../../../src/actors/mesh.js';
import { ManualClock } from '../../../src/firefly/clock.js';
import { createJobKinds, JobsInterface, type JobView } from '../../../src/resources/jobs/index.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { waitFor } from '../../helpers/waitFor.js';

let mesh: Mesh | undefined;
let dir: string | undefined;
afterEach(async () => {
  await mesh?.close({ timeout: 500 });
  if (dir) rmSync(dir, { recursive: true, force: true });
  mesh = dir = undefined;
});

test('sleep waits on its node clock, reporting progress at each tick, then outputs what it slept', async () => {
  const clock = new ManualClock(Date.now());
  // The scheduler shares the clock; its tick would only fire in vain here.
  mesh = new Mesh({ identity: createIdentity(), clock });
  dir = mkdtempSync(join(tmpdir(), 'glow-sleep-'));
  for (const kind of createJobKinds({ scheduler: { clock, tickInterval: 86_400_000, log: () => undefined } })) mesh.node.registerKind(kind);
  await mesh.node.spawn('worker', {});
  await mesh.node.spawn('jobs', { db: join(dir, 'jobs.sqlite') });
  const jobs = mesh.node.named('glow.jobs', JobsInterface);
  const { id } = await jobs.call('submit', { job: { name: 'nap', steps: [{ name: 'nap', kind: 'sleep', args: { ms: 3_600_000, ticks: 4, value: 'rested' } }] } });
  let view: JobView | undefined;
  const until = (check: (view: JobView) => boolean, what: string) =>
    waitFor(async () => check((view = await jobs.call('show', { id }))), 3000, () => `${what}; last: ${JSON.stringify(view?.steps[0])}`);
  await until((job) => job.steps[0]!.attempts[0]?.state === 'running', 'the step running');

  await clock.advance(1_799_999);
  expect((await jobs.call('show', { id })).steps[0]!.progress?.value ?? 0).toBeLessThan(0.5);
  await clock.advance(1);
  await until((job) => job.steps[0]!.progress?.value === 0.5, 'half-way progress');
  expect(view!.state).toBe('running');
  await clock.advance(1_800_000);
  await until((job) => job.state === 'done', 'the job done');
  expect(view!.steps[0]!.output).toEqual({ slept: 3_600_000, node: mesh.id, value: 'rested' });
});
