/**
 * Night jobs on every daemon: each registers the jobs kinds (src/resources/jobs) and runs, under
 * its root supervisor, a worker (`glow.worker/<node>`: reports idleness, runs steps placed here)
 * and a scheduler (`glow.jobs/<node>`, journal `DIR/jobs.sqlite`) that the CLI's `glow job …`
 * talks to. A daemon killed mid-job resumes every unfinished job from the journal at its next start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from '../../src/actors/node.js';
import { createJobKinds } from '../../src/resources/jobs/kinds.js';
import { systemLoad } from '../../src/resources/jobs/idleness.js';
import type { Logger } from './log.js';
import type { DaemonSettings } from './options.js';
import type { PersistedProcesses } from './persist.js';

/** The scheduler's registered name on the node `node`. */
export function schedulerName(node: string): string {
  return `glow.jobs/${node}`;
}

/** The journal's file in the home. */
export const JOBS_JOURNAL = 'jobs.sqlite';

/** Registers the jobs kinds on `node` with the daemon's settings. */
export function registerJobKinds(node: Node, settings: DaemonSettings, log: Logger): void {
  const file = settings.workerLoadFile;
  // Who counts as the owner's other devices comes from the node's Trust (the jobs kinds' default).
  const kinds = createJobKinds({
    scheduler: { log: (event) => log.info(event, `${event.event} ${event.jobId}${event.step ? ` ${event.step}` : ''}`) },
    worker: {
      allowExec: settings.allowExec,
      cap: settings.maxSteps,
      ...(file === undefined ? {} : { load: () => loadFromFile(file) }),
    },
  });
  for (const kind of kinds) node.registerKind(kind);
}

/** Starts the worker and the scheduler under the root supervisor. */
export async function startJobServices(node: Node, persisted: PersistedProcesses, home: string): Promise<void> {
  await persisted.startService({ id: 'glow.worker', kind: 'worker', args: {} });
  await persisted.startService({ id: 'glow.jobs', kind: 'jobs', args: { db: join(home, JOBS_JOURNAL), name: schedulerName(node.id) } });
}

/** The load figure written in `file` (e.g. by a custom monitor, or a test); the CPU's when unreadable. */
function loadFromFile(file: string): number {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) && value >= 0 ? value : systemLoad();
  } catch {
    return systemLoad();
  }
}
