/**
 * `hashFiles`: hashing a folder of a FileSystem export on another node, split over steps that
 * run on the workers, each writing its manifest back into the export.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsKind } from '../../../src/resources/fs/index.js';
import type { JobView } from '../../../src/resources/jobs/index.js';
import { waitFor } from '../../helpers/waitFor.js';
import { jobsMesh, type JobsMesh } from './helpers.js';

let mesh: JobsMesh | undefined;
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'glow-hashfiles-'));
});
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
  rmSync(root, { recursive: true, force: true });
});

const sha = (data: string) => createHash('sha256').update(data).digest('hex');

async function finished(m: JobsMesh, id: string): Promise<JobView> {
  let view: JobView | undefined;
  await waitFor(async () => ['done', 'failed'].includes((view = await m.jobs.call('show', { id })).state), 10_000, () => `job not finished: ${JSON.stringify(view?.steps.map((s) => [s.name, s.state, s.error]))}`);
  return view!;
}

test('hashes every file of an export in three shards on the workers, each writing a manifest into the export', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`${i % 3 === 0 ? 'a/' : i % 3 === 1 ? 'a/b/' : ''}file-${i}.txt`] = `content ${i} `.repeat(i * 100 + 1);
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  mesh = await jobsMesh();
  mesh.s.node.registerKind(fsKind);
  const photos = await mesh.s.node.spawn('fs', { root });
  mesh.s.node.register('photos', photos);
  await waitFor(() => mesh!.workers.every((w) => w.node.whereis('photos') !== undefined), 5000, 'workers never learnt the export');

  const { id } = await mesh.jobs.call('submit', {
    job: {
      name: 'hash-photos',
      steps: [0, 1, 2].map((shard) => ({ name: `part${shard}`, kind: 'hashFiles', args: { export: 'photos', shard, shards: 3, manifest: `hashes/part${shard}.json` }, after: [] })),
    },
  });
  const done = await finished(mesh, id);
  expect(done.state).toBe('done');
  const hashed: Record<string, string> = {};
  let total = 0;
  for (const step of done.steps) {
    expect(mesh.workers.map((w) => w.id)).toContain(step.node);
    const output = step.output as { files: number; manifest: string };
    total += output.files;
    Object.assign(hashed, (JSON.parse(readFileSync(join(root, output.manifest), 'utf8')) as { files: Record<string, string> }).files);
  }
  expect(total).toBe(30);
  expect(hashed).toEqual(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, sha(text)])));
});

test('answers the hashes in its output without a manifest, and fails clearly for an unknown export', async () => {
  writeFileSync(join(root, 'one.txt'), 'one');
  mesh = await jobsMesh();
  mesh.s.node.registerKind(fsKind);
  mesh.s.node.register('small', await mesh.s.node.spawn('fs', { root }));
  await waitFor(() => mesh!.workers.every((w) => w.node.whereis('small') !== undefined), 5000, 'workers never learnt the export');
  const { id } = await mesh.jobs.call('submit', { job: { name: 'inline', steps: [{ name: 'h', kind: 'hashFiles', args: { export: 'small' } }] } });
  expect((await finished(mesh, id)).steps[0]!.output).toEqual({ files: 1, bytes: 3, hashes: { 'one.txt': sha('one') } });

  const missing = await mesh.jobs.call('submit', { job: { name: 'missing', steps: [{ name: 'h', kind: 'hashFiles', args: { export: 'nowhere' }, retries: 0 }] } });
  const failed = await finished(mesh, missing.id);
  expect(failed.state).toBe('failed');
  expect(failed.error?.message).toMatch(/nowhere/);
});
