/** Step reports the scheduler cannot record (src/resources/jobs/reports.ts). */
import { waitFor } from '../../helpers/waitFor.js';
import { jobsMesh, untilState, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
});

test('an output with no JSON form (a big integer, as CBOR brings it) fails the attempt; the scheduler runs on', async () => {
  mesh = await jobsMesh({ workers: 1 });
  const scheduler = mesh.s.node.whereis('glow.jobs');
  const { id } = await mesh.jobs.call('submit', { job: { name: 'big', retries: 2, steps: [{ name: 'a', kind: 'sleep', args: { ms: 5000 } }] } });
  let key = '';
  await waitFor(async () => ((key = (await mesh!.jobs.call('show', { id })).steps[0]!.attempts[0]?.key ?? '') !== ''), 4000, 'attempt started');
  await expect(mesh.jobs.call('complete', { key, output: { n: 2n ** 70n } })).resolves.toEqual({ accepted: false, reason: 'output not JSON' });
  // The same output would come again: the step fails at once rather than retrying.
  const view = await untilState(mesh, id, ['failed']);
  expect(view.steps[0]!.attempts).toHaveLength(1);
  expect(view.steps[0]!.error).toMatchObject({ code: 'badarg', message: expect.stringContaining('not JSON') });
  expect(mesh.s.node.whereis('glow.jobs')).toEqual(scheduler);
}, 20_000);
