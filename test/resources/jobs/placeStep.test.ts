/** A placement round that throws (src/resources/jobs/placeStep.ts, placementFailed). */
import type { Engine } from '../../../src/resources/jobs/engine.js';
import { waitFor } from '../../helpers/waitFor.js';
import { jobsMesh, type JobsMesh } from './helpers.js';

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

test('a journal write that fails while placing is logged as placement.failed, never an unhandled rejection', async () => {
  mesh = await jobsMesh({ workers: 1 });
  // The engine is the scheduler's private part: reached here only to break its journal.
  const engine = (mesh.engine() as unknown as { engine: Engine }).engine;
  engine.journal.saveAttempt = () => {
    throw new Error('disk full');
  };
  const { id } = await mesh.jobs.call('submit', { job: { name: 'nodisk', steps: [{ name: 'a', kind: 'hash', args: { text: 'x' } }] } });
  await waitFor(() => mesh!.events.some((event) => event.event === 'placement.failed' && event.jobId === id), 4000, 'placement.failed logged');
  expect(mesh.events.find((event) => event.event === 'placement.failed')).toMatchObject({ step: 'a', error: { code: 'crashed', message: expect.stringContaining('disk full') } });
  // The scheduler still answers.
  expect((await mesh.jobs.call('show', { id })).id).toBe(id);
  expect(rejections).toEqual([]);
}, 20_000);
