// Small process kinds and helpers shared by the supervision tests (ports of the behaviours of
// OTP's supervisor_SUITE). Workers log what happens to them, so tests can assert on order.
import * as v from 'valibot';
import {
  ManualClock,
  Node,
  isGlowError,
  method,
  processInterface,
  startSupervisor,
  type ChildSpec,
  type ExitReason,
  type NodeOptions,
  type ProcessKind,
  type ResourceRef,
  type StartFunction,
  SupervisorInterface,
  type SupervisorSpec,
} from '../../src/index.js';
import { waitFor } from '../helpers/waitFor.js';

/** What a test worker answers besides `glow.Process/1`. */
export const WorkerInterface = processInterface('test.Worker/1', {
  ping: method(v.object({}), v.string()),
  crash: method(v.object({}), v.object({})),
});

/** Arguments of a test worker. Passed by reference (in-process), so `log` is shared with the test. */
export interface WorkerArgs {
  name: string;
  /** Where `start:<name>` and `exit:<name>:<reason>` go. */
  log?: string[];
  /**
   * `default`: does not trap exits (ends at once on `shutdown`); `cooperate`: traps exits, logs
   * the EXIT and ends with its reason; `ignore`: traps exits, logs them and goes on running.
   * @default 'default'
   */
  onShutdown?: 'default' | 'cooperate' | 'ignore';
  /** Throws from `start` when it returns true (the argument counts starts, from 1). */
  failStart?: (attempt: number) => boolean;
  /** A resource to link to when started (a co-worker that should not outlive it). */
  link?: () => ResourceRef | undefined;
}

/** Counts starts per worker args object. */
const starts = new WeakMap<WorkerArgs, number>();

/** The `test.worker` process kind. */
export const workerKind: ProcessKind<WorkerArgs> = {
  name: 'test.worker',
  interface: WorkerInterface,
  start(ctx, args) {
    const attempt = (starts.get(args) ?? 0) + 1;
    starts.set(args, attempt);
    if (args.failStart?.(attempt)) {
      args.log?.push(`fail:${args.name}`);
      throw new Error(`${args.name} refuses to start`);
    }
    args.log?.push(`start:${args.name}`);
    const mode = args.onShutdown ?? 'default';
    if (mode !== 'default') ctx.trapExit(true);
    const partner = args.link?.();
    if (partner) ctx.link(partner);
    return {
      handlers: {
        ping: () => args.name,
        crash: () => {
          throw new Error(`${args.name} crashed`);
        },
      },
      onSignal: (signal, pctx) => {
        if (signal.type !== 'glow.exit') return;
        args.log?.push(`exit:${args.name}:${reasonText(signal.reason)}`);
        if (mode === 'cooperate') pctx.exit(signal.reason);
      },
    };
  },
};

/** A readable form of an exit reason: `normal`, `shutdown`, `killed`, `error:<code>`. */
export function reasonText(reason: ExitReason): string {
  return typeof reason === 'object' ? `error:${reason.error.code}` : reason;
}

/** A start function that spawns a test worker owned by the supervisor. */
export function startWorker(args: WorkerArgs): StartFunction {
  return ({ node, supervisor }) => node.spawn(workerKind.name, args, { owner: supervisor });
}

/** A worker child spec. */
export function worker(id: string, args: Omit<WorkerArgs, 'name'> = {}, spec: Partial<ChildSpec> = {}): ChildSpec {
  return { id, start: startWorker({ name: id, ...args }), ...spec };
}

/** A supervisor child spec (started through the registered `supervisor` kind, as plain data). */
export function subSupervisor(id: string, spec: SupervisorSpec, child: Partial<ChildSpec> = {}): ChildSpec {
  return { id, type: 'supervisor', start: { kind: 'supervisor', args: spec }, ...child };
}

/** The exit reason a test uses to crash a child from outside. */
export const BOOM: ExitReason = { error: { code: 'crashed', message: 'boom' } };

export type SupervisorRef = ResourceRef<typeof SupervisorInterface>;

/**
 * Nodes made by one test file, all shut down after each test (so jest exits on its own).
 * Call `cleanup` from `afterEach`.
 */
export function nodes(): { make(options?: NodeOptions): Node; cleanup(): Promise<void> } {
  const made: Node[] = [];
  return {
    make(options) {
      const node = new Node(options);
      node.registerKind(workerKind);
      made.push(node);
      return node;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((node) => node.shutdown({ timeout: 1000 })));
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = 0): ManualClock {
  return new ManualClock(start);
}

/** The code of the GlowError a promise rejects with ('resolved' if it does not reject). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isGlowError(error) ? error.code : `not a GlowError: ${String(error)}`),
  );
}

/** Starts a supervisor on `node`. */
export function supervise(node: Node, spec: SupervisorSpec): Promise<SupervisorRef> {
  return startSupervisor(node, spec);
}

/** The children as `which_children` lists them. */
export function whichChildren(sup: SupervisorRef) {
  return sup.call('which_children', {});
}

/**
 * Resolves once the supervisor has handled everything sent to it so far. Calls that change
 * children are handled one at a time, in turn with what an EXIT decides (and the restarts it
 * makes at once), so a call that is refused — `delete_child` of an id no child can have —
 * answers only after them.
 */
export async function handled(sup: SupervisorRef): Promise<void> {
  const error: unknown = await sup.call('delete_child', { id: '' }).then(
    () => new Error('delete_child of the empty id succeeded'),
    (e: unknown) => e,
  );
  if (!isGlowError(error, 'badarg')) throw error;
}

/**
 * Waits until the supervisor has handled what it was sent and finished what that started (no
 * child restarting or stopping: retries and backoffs too), and answers its children.
 * `which_children` answers at once, so right after a child ended it shows it `restarting`;
 * this is for tests about the outcome.
 */
export async function settled(sup: SupervisorRef, timeout = 1000): ReturnType<typeof whichChildren> {
  let children: Awaited<ReturnType<typeof whichChildren>> = [];
  await handled(sup);
  await waitFor(
    async () => {
      children = await whichChildren(sup);
      return children.every((child) => child.status === 'running' || child.status === 'stopped');
    },
    timeout,
    () => `the supervisor settled (children: ${JSON.stringify(children.map(({ id, status }) => `${id}:${status}`))})`,
  );
  return children;
}

/** Current child refs by id (`null` when a child is not running). */
export async function childIds(sup: SupervisorRef): Promise<Record<string, string | null>> {
  const children = await sup.call('which_children', {});
  return Object.fromEntries(children.map((child) => [child.id, child.ref]));
}

/** The running child `id`, as a typed worker ref; fails the test if it is not running. */
export async function childRef(sup: SupervisorRef, id: string): Promise<ResourceRef<typeof WorkerInterface>> {
  const ref = (await childIds(sup))[id];
  if (!ref) throw new Error(`child ${id} is not running`);
  return sup.node.ref(ref, WorkerInterface);
}

/** The running child supervisor `id`, as a typed supervisor ref. */
export async function childSupervisor(sup: SupervisorRef, id: string): Promise<SupervisorRef> {
  const ref = (await childIds(sup))[id];
  if (!ref) throw new Error(`child ${id} is not running`);
  return sup.node.ref(ref, SupervisorInterface);
}

/** Waits until child `id` runs under a ref other than `old`; returns the new ref text. */
export async function restarted(sup: SupervisorRef, id: string, old: string, timeout = 1000): Promise<string> {
  let current: string | null = null;
  await waitFor(
    async () => {
      current = (await childIds(sup))[id] ?? null;
      return current !== null && current !== old;
    },
    timeout,
    `child ${id} restarted`,
  );
  return current!;
}

/**
 * Crashes a running worker through its `crash` member and waits for its `DOWN`. By then the
 * supervisor has received its EXIT (links fire with monitors), so `which_children` shows the
 * child restarting; {@link settled} waits for the outcome.
 */
export async function crash(ref: ResourceRef<typeof WorkerInterface>): Promise<void> {
  const down = ref.node.down(ref);
  const outcome = await ref.call('crash', {}).then(
    () => 'answered',
    (error: unknown) => (isGlowError(error) ? error.code : 'thrown'),
  );
  if (outcome !== 'crashed') throw new Error(`crash answered ${outcome}, not crashed`);
  const { reason } = await down;
  if (reasonText(reason) !== 'error:crashed') throw new Error(`the worker ended with ${reasonText(reason)}`);
}

/** Logs `down:<label>:<reason>` into `log` when each resource ends. */
export function watchDowns(node: Node, refs: Record<string, ResourceRef | string>, log: string[]): void {
  for (const [label, ref] of Object.entries(refs)) {
    node.monitor(typeof ref === 'string' ? node.ref(ref).id : ref, (down) => log.push(`down:${label}:${reasonText(down.reason)}`));
  }
}
