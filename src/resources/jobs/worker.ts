import { availableParallelism } from 'node:os';
import * as v from 'valibot';
import type { ProcessKind } from '../../actors/process.js';
import { formatResourceId, type ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import type { ExecGrants } from './exec.js';
import { onBattery, systemLoad } from './idleness.js';
import { WorkerInterface, type AttemptContext, type WorkerStatus } from './interfaces.js';

/** The mesh-wide name of a node's worker; schedulers find workers by this prefix. */
export const WORKER_NAME_PREFIX = 'glow.worker/';

/** Options of the `worker` kind (given to `createJobKinds`; functions cannot travel in spawn args). */
export interface WorkerOptions {
  /**
   * Most step processes at once.
   * @default os.availableParallelism()
   */
  cap?: number;
  /**
   * The load source: load per core (1 = every core busy). Tests replace it to mark a node busy.
   * @default the one-minute load average / cores
   */
  load?: () => number;
  /**
   * Load per core above which the node is busy (and `whenIdle` steps avoid it).
   * @default 0.5
   */
  loadThreshold?: number;
  /**
   * The battery source: true on battery, false on mains, null when unknown.
   * @default `/sys/class/power_supply` on Linux, null elsewhere
   */
  onBattery?: () => boolean | null;
  /**
   * Runs `exec` steps. The daemon maps `--allow-exec` to it. Even then, only owner jobs
   * (`attempt.owner`) sent by a scheduler on this node or on another device of its user
   * (`sameUser`) run.
   * @default false
   */
  allowExec?: boolean;
  /**
   * Whether a node is another device of this node's user: its scheduler may start `exec` here.
   * @default the node's Trust: its user's own devices (no other node when it has no user)
   */
  sameUser?: (node: string) => boolean;
}

/** Spawn args of the `worker` kind (what a CLI can set). */
export const WorkerArgsSchema = v.object({
  cap: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024))),
  available: v.optional(v.boolean()),
});

/** Kinds a worker guards: they run only for owner jobs from trusted schedulers. */
const GUARDED = new Set(['exec']);

interface Running {
  kind: string;
  process: ResourceId;
}

/**
 * The `worker` kind (`glow.Worker/1`): one per node, registered as `glow.worker/<node id>`.
 * It says whether its node is idle and runs steps: `run` starts a process of the step's kind
 * here, owned by the worker (so stopping the worker stops its steps), and answers its id for
 * the scheduler to monitor and terminate.
 */
export function workerKind(options: WorkerOptions, grants: ExecGrants): ProcessKind<v.InferOutput<typeof WorkerArgsSchema>> {
  return {
    name: 'worker',
    description: 'runs job steps on this node and reports whether it is idle (glow.Worker/1)',
    args: WorkerArgsSchema,
    interface: WorkerInterface,
    // Status calls must not queue behind a slow `run` (a step kind whose start takes time).
    concurrency: 16,
    start(ctx, args) {
      const node = ctx.node;
      const cap = args.cap ?? options.cap ?? availableParallelism();
      let available = args.available ?? true;
      const running = new Map<string, Running>();
      const load = options.load ?? systemLoad;
      const battery = options.onBattery ?? (() => onBattery());
      const threshold = options.loadThreshold ?? 0.5;
      const sameUser = options.sameUser ?? ((peer: string) => node.trust?.relation(peer) === 'own');
      ctx.register(`${WORKER_NAME_PREFIX}${node.id}`);

      const status = (): WorkerStatus => {
        const now = load();
        const onBat = battery();
        const busy: string[] = [];
        if (!available) busy.push('unavailable');
        if (now > threshold) busy.push(`load ${now.toFixed(2)} > ${threshold}`);
        if (onBat === true) busy.push('on battery');
        if (running.size >= cap) busy.push('at cap');
        return { node: node.id, running: running.size, cap, load: now, onBattery: onBat, available, idle: busy.length === 0, busy, exec: options.allowExec === true };
      };

      return {
        handlers: {
          status,
          setAvailable: ({ available: on }: { available: boolean }) => {
            available = on;
            return status();
          },
          run: async ({ kind, args: stepArgs, attempt }: { kind: string; args?: unknown; attempt: AttemptContext }, _rctx: unknown, caller?: ResourceId) => {
            const existing = running.get(attempt.key);
            // Idempotent: a scheduler that retries `run` after a lost reply gets the same process.
            if (existing) return { process: formatResourceId(existing.process) };
            if (!available) throw new GlowError('busy', `node ${node.id} is not available for jobs`);
            if (running.size >= cap) throw new GlowError('busy', `node ${node.id} runs ${running.size} steps, its cap`);
            let grant: string | undefined;
            if (GUARDED.has(kind)) {
              if (!options.allowExec) throw new GlowError('denied', `node ${node.id} does not allow ${kind}`, { reason: 'exec-disabled' });
              if (!attempt.owner) throw new GlowError('denied', `${kind} runs only in the owner's jobs`, { reason: 'not-owner' });
              if (caller && caller.node !== node.id && !sameUser(caller.node)) throw new GlowError('denied', `node ${caller.node} may not start ${kind} here`, { reason: 'untrusted' });
              grant = grants.issue(attempt.key);
            }
            const { grant: _ignored, ...clean } = attempt;
            const ref = await node.spawn(kind, { args: stepArgs, attempt: grant ? { ...clean, grant } : clean }, { owner: ctx.self.id, link: false });
            running.set(attempt.key, { kind, process: ref.id });
            node.monitor(ref, () => running.delete(attempt.key));
            return { process: formatResourceId(ref.id) };
          },
          stop: ({ key }: { key: string }) => {
            const found = running.get(key);
            if (!found) return { stopped: false };
            node.exit(found.process, 'shutdown');
            return { stopped: true };
          },
          attempts: () => [...running].map(([key, { kind, process }]) => ({ key, kind, process: formatResourceId(process) })),
        },
      };
    },
  };
}
