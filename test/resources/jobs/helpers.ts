// Shared set-up of the jobs tests: a scheduler node S linked to worker nodes over memory links
// (a star, so cutting S—W loses W for S), each node with the jobs kinds registered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mesh } from '../../../src/actors/mesh.js';
import type { ProcessKind } from '../../../src/actors/process.js';
import type { ResourceRef } from '../../../src/actors/ref.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { memoryLinkPair, type MemoryLinkControls } from '../../../src/transport/memory.js';
import { createJobKinds, JobsInterface, WORKER_NAME_PREFIX, type JobsLogEvent, type JobView, type Scheduler, type SchedulerOptions, type WorkerOptions } from '../../../src/resources/jobs/index.js';
import { waitFor } from '../../helpers/waitFor.js';

/** A running test mesh. */
export interface JobsMesh {
  s: Mesh;
  workers: Mesh[];
  links: MemoryLinkControls[];
  jobs: ResourceRef<typeof JobsInterface>;
  engine: () => Scheduler;
  events: JobsLogEvent[];
  db: string;
  /** Starts (another) scheduler process on S with the same journal. */
  startScheduler(): Promise<ResourceRef<typeof JobsInterface>>;
  relink(index: number): MemoryLinkControls;
  close(): Promise<void>;
}

function newMesh(): Mesh {
  return new Mesh({ identity: createIdentity(), router: { updateInterval: 300, grace: 100 } });
}

function link(a: Mesh, b: Mesh): MemoryLinkControls {
  const [atA, atB, controls] = memoryLinkPair(a.id, b.id);
  a.addLink(atA);
  b.addLink(atB);
  return controls;
}

/** Builds S plus `count` workers, spawns a worker on each and the scheduler on S. */
export async function jobsMesh(
  options: {
    workers?: number;
    worker?: (index: number) => WorkerOptions;
    /** A kind to run on worker node `index` instead of `worker` (a hostile worker, say). */
    workerProcess?: (index: number) => ProcessKind | undefined;
    scheduler?: SchedulerOptions;
    workerOnS?: boolean;
    sWorker?: WorkerOptions;
  } = {},
): Promise<JobsMesh> {
  const dir = mkdtempSync(join(tmpdir(), 'glow-jobs-'));
  const db = join(dir, 'jobs.sqlite');
  const events: JobsLogEvent[] = [];
  let engine: Scheduler | undefined;
  const s = newMesh();
  for (const kind of createJobKinds({
    scheduler: { backoff: { initial: 50, max: 500 }, workerTimeout: 1000, log: (event) => events.push(event), ...options.scheduler },
    worker: { load: () => 0, onBattery: () => null, ...options.sWorker },
    onSchedulerStart: (started) => (engine = started),
  })) {
    s.node.registerKind(kind);
  }
  const workers: Mesh[] = [];
  const links: MemoryLinkControls[] = [];
  for (let index = 0; index < (options.workers ?? 2); index++) {
    const w = newMesh();
    for (const kind of createJobKinds({ worker: { load: () => 0, onBattery: () => null, cap: 4, ...options.worker?.(index) } })) w.node.registerKind(kind);
    links.push(link(s, w));
    workers.push(w);
  }
  await waitFor(() => workers.every((w) => s.router.isReachable(w.id) && w.router.isReachable(s.id)), 5000, 'routes S↔workers');
  for (const [index, w] of workers.entries()) {
    const replacement = options.workerProcess?.(index);
    if (replacement) w.node.registerKind(replacement);
    await w.node.spawn(replacement?.name ?? 'worker', {});
  }
  if (options.workerOnS) await s.node.spawn('worker', {});
  const expected = workers.length + (options.workerOnS ? 1 : 0);
  await waitFor(() => s.node.directory.list().filter((entry) => entry.name.startsWith(WORKER_NAME_PREFIX)).length === expected, 5000, 'workers known on S');
  const startScheduler = async () => {
    await s.node.spawn('jobs', { db });
    return s.node.named('glow.jobs', JobsInterface);
  };
  const jobs = await startScheduler();
  return {
    s,
    workers,
    links,
    jobs,
    engine: () => engine!,
    events,
    db,
    startScheduler,
    relink: (index) => link(s, workers[index]!),
    async close() {
      await Promise.all([s, ...workers].map((mesh) => mesh.close({ timeout: 500 })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every process of `kind` on a mesh node, anywhere in its supervision trees. */
export function processesOfKind(mesh: Mesh, kind: string): string[] {
  const found: string[] = [];
  const walk = (infos: { id: string; kind: string; children: unknown[] }[]) => {
    for (const info of infos) {
      if (info.kind === kind) found.push(info.id);
      walk(info.children as never);
    }
  };
  walk(mesh.node.processTree());
  return found;
}

/** Waits until the job `id` is in one of `states`, and answers its view then. */
export async function untilState(m: JobsMesh, id: string, states: string[], timeout = 8000): Promise<JobView> {
  let last: JobView | undefined;
  await waitFor(async () => states.includes((last = await m.jobs.call('show', { id })).state), timeout, () => `job ${id} in ${states.join('/')} (last: ${JSON.stringify(last?.steps.map((s) => [s.name, s.state, s.waiting]))})`);
  return last!;
}
