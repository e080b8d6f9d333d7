import * as v from 'valibot';
import { processInterface } from '../actors/interfaces.js';
import type { Node, SpawnOptions } from '../actors/node.js';
import type { ProcessContext, ProcessKind } from '../actors/process.js';
import { ResourceRef, type AnyResourceRef } from '../actors/ref.js';
import { isCleanExit, type ExitReason, type Signal } from '../actors/types.js';
import { formatResourceId, sameResource } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import { method } from '../firefly/idl.js';
import { childSpecSchema, shutdownOf, supervisorSpecSchema, type ChildSpec, type SupervisorSpec } from './childSpec.js';
import { RestartIntensity } from './intensity.js';
import { candidatesOf, spawnOnCandidates } from './placement.js';

const ChildInfoSchema = v.object({
  id: v.string(),
  ref: v.nullable(v.string()),
  type: v.picklist(['worker', 'supervisor']),
  restart: v.picklist(['permanent', 'transient', 'temporary']),
});
const ChildIdSchema = v.object({ id: v.string() });

/** `glow.Supervisor/1`: a process that starts, watches and restarts its children (OTP semantics). */
export const SupervisorInterface = processInterface('glow.Supervisor/1', {
  which_children: method(v.object({}), v.array(ChildInfoSchema), { description: 'children in start order, with their current ref' }),
  count_children: method(
    v.object({}),
    v.object({ specs: v.number(), active: v.number(), supervisors: v.number(), workers: v.number() }),
  ),
  start_child: method(childSpecSchema, v.object({ ref: v.nullable(v.string()) }), { description: 'adds and starts a child' }),
  terminate_child: method(ChildIdSchema, v.object({ terminated: v.boolean() })),
  restart_child: method(ChildIdSchema, v.object({ ref: v.nullable(v.string()) })),
  delete_child: method(ChildIdSchema, v.object({ deleted: v.boolean() })),
});

interface Child {
  spec: ChildSpec;
  ref?: AnyResourceRef;
}

/** One supervisor's state and decisions. Runs inside its process, one message at a time. */
class Supervisor {
  private readonly children: Child[] = [];
  private readonly intensity: RestartIntensity;
  private stopping = false;
  /** Children that had already ended when stopped: their EXIT is late news, not from a parent. */
  private readonly late = new Set<string>();

  constructor(
    private readonly node: Node,
    private readonly ctx: ProcessContext,
    private readonly spec: SupervisorSpec,
  ) {
    this.intensity = new RestartIntensity(spec.intensity ?? 1, spec.period ?? 5000, node.clock);
  }

  async startAll(): Promise<void> {
    // Like OTP, refuse a spec list with duplicate ids before starting anything.
    const ids = (this.spec.children ?? []).map((spec) => spec.id);
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate !== undefined) throw new GlowError('badarg', `a child with id ${JSON.stringify(duplicate)} is already present`);
    for (const spec of this.spec.children ?? []) {
      try {
        await this.add(spec);
      } catch (error) {
        await this.stopAll();
        throw error;
      }
    }
  }

  private async add(spec: ChildSpec): Promise<Child> {
    if (this.children.some((child) => child.spec.id === spec.id)) {
      throw new GlowError('badarg', `a child with id ${JSON.stringify(spec.id)} is already present`);
    }
    const child: Child = { spec };
    this.children.push(child);
    try {
      await this.start(child);
    } catch (error) {
      this.children.splice(this.children.indexOf(child), 1);
      throw error;
    }
    // A temporary child that did not start is never restarted, so OTP keeps no spec for it.
    if (!child.ref && spec.restart === 'temporary') this.children.splice(this.children.indexOf(child), 1);
    return child;
  }

  private async start(child: Child): Promise<void> {
    const { start } = child.spec;
    const supervisor = this.ctx.self.id;
    const result =
      typeof start === 'function'
        ? await start({ node: this.node, supervisor })
        : await spawnOnCandidates(this.node, start, candidatesOf(child.spec, this.node.id), supervisor);
    if (result === 'ignore') return;
    child.ref = result;
    this.ctx.link(result);
  }

  /** Stops a child: exit `shutdown`, then `kill` after its shutdown time (OTP). */
  private async stop(child: Child): Promise<void> {
    const ref = child.ref;
    child.ref = undefined;
    if (!ref) return;
    this.ctx.unlink(ref);
    if (ref.id.node === this.node.id && !this.node.isAlive(ref)) this.late.add(formatResourceId(ref.id));
    const down = this.node.down(ref);
    const shutdown = shutdownOf(child.spec);
    if (shutdown === 'brutal_kill') {
      this.node.exit(ref, 'kill');
      await down;
      return;
    }
    this.node.exit(ref, 'shutdown', this.ctx.self.id);
    if (shutdown === 'infinity') {
      await down;
      return;
    }
    const timer = setTimeout(() => this.node.exit(ref, 'kill'), shutdown);
    await down;
    clearTimeout(timer);
  }

  /** Stops every child, newest first. */
  async stopAll(): Promise<void> {
    for (const child of [...this.children].reverse()) await this.stop(child);
  }

  private async shutdown(reason: ExitReason): Promise<void> {
    this.stopping = true;
    await this.stopAll();
    this.ctx.exit(reason);
  }

  async onSignal(signal: Signal): Promise<void> {
    if (signal.type !== 'glow.exit' || this.stopping) return;
    const child = this.children.find((candidate) => candidate.ref && sameResource(candidate.ref.id, signal.from));
    if (!child) {
      if (this.late.delete(formatResourceId(signal.from))) return;
      // Not a child: the owner (a parent supervisor, or whoever linked to us) is ending us.
      if (signal.reason !== 'normal') await this.shutdown(signal.reason);
      return;
    }
    child.ref = undefined;
    const restart = child.spec.restart ?? 'permanent';
    if (restart === 'temporary') {
      this.children.splice(this.children.indexOf(child), 1);
      return;
    }
    if (restart === 'transient' && isCleanExit(signal.reason)) return;
    await this.restart(child);
  }

  private delay(): Promise<void> {
    const backoff = this.spec.backoff;
    if (!backoff) return Promise.resolve();
    const wait = Math.min(backoff.max, backoff.initial * (backoff.factor ?? 2) ** Math.max(0, this.intensity.recent - 1));
    return new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Applies the strategy after `failed` ended; gives up when the intensity is exceeded. */
  private async restart(failed: Child): Promise<void> {
    // One restart per failure, however many children the strategy restarts (OTP).
    if (!this.intensity.record()) return this.shutdown('shutdown');
    const strategy = this.spec.strategy ?? 'one_for_one';
    const index = this.children.indexOf(failed);
    const group = strategy === 'one_for_one' ? [failed] : strategy === 'one_for_all' ? [...this.children] : this.children.slice(index);
    for (const child of [...group].reverse()) if (child !== failed) await this.stop(child);
    // The backoff delays the restart of the group once, not once per child.
    await this.delay();
    for (const child of group) {
      if (child !== failed && (child.spec.restart ?? 'permanent') === 'temporary') {
        this.children.splice(this.children.indexOf(child), 1);
        continue;
      }
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) await this.delay();
        try {
          await this.start(child);
          break;
        } catch {
          // A failed restart counts as another restart (OTP), until the intensity runs out.
          if (!this.intensity.record()) return this.shutdown('shutdown');
        }
      }
    }
  }

  private find(id: string): Child {
    const child = this.children.find((candidate) => candidate.spec.id === id);
    if (!child) throw new GlowError('badarg', `no child with id ${JSON.stringify(id.slice(0, 128))}`);
    return child;
  }

  handlers() {
    const refText = (child: Child) => (child.ref ? formatResourceId(child.ref.id) : null);
    return {
      which_children: () =>
        this.children.map((child) => ({
          id: child.spec.id,
          ref: refText(child),
          type: child.spec.type ?? 'worker',
          restart: child.spec.restart ?? 'permanent',
        })),
      count_children: () => {
        const supervisors = this.children.filter((child) => child.spec.type === 'supervisor').length;
        return {
          specs: this.children.length,
          active: this.children.filter((child) => child.ref).length,
          supervisors,
          workers: this.children.length - supervisors,
        };
      },
      start_child: async (spec: ChildSpec) => ({ ref: refText(await this.add(spec)) }),
      terminate_child: async ({ id }: { id: string }) => {
        const child = this.find(id);
        await this.stop(child);
        if ((child.spec.restart ?? 'permanent') === 'temporary') this.children.splice(this.children.indexOf(child), 1);
        return { terminated: true };
      },
      restart_child: async ({ id }: { id: string }) => {
        const child = this.find(id);
        if (child.ref) throw new GlowError('denied', `child ${id} is running`);
        await this.start(child);
        return { ref: refText(child) };
      },
      delete_child: ({ id }: { id: string }) => {
        const child = this.find(id);
        if (child.ref) throw new GlowError('denied', `child ${id} is running`);
        this.children.splice(this.children.indexOf(child), 1);
        return { deleted: true };
      },
      terminate: async ({ reason }: { reason?: 'normal' | 'shutdown' }) => {
        await this.shutdown(reason ?? 'shutdown');
        return { terminated: true };
      },
    };
  }
}

/** The `supervisor` process kind: spawn it with a {@link SupervisorSpec}. */
export const supervisorKind: ProcessKind<SupervisorSpec> = {
  name: 'supervisor',
  description: 'starts, watches and restarts children (OTP strategies, restart intensity)',
  args: supervisorSpecSchema,
  interface: SupervisorInterface,
  async start(ctx, spec) {
    ctx.trapExit(true);
    const supervisor = new Supervisor(ctx.node, ctx, spec);
    await supervisor.startAll();
    return { handlers: supervisor.handlers(), onSignal: (signal) => supervisor.onSignal(signal) };
  },
};

/** Registers the `supervisor` kind on a node if it is not there yet. */
export function registerSupervision(node: Node): void {
  if (!node.listKinds().some((kind) => kind.name === supervisorKind.name)) node.registerKind(supervisorKind);
}

/** Starts a supervisor (registering the kind if needed) and returns its typed ref. */
export async function startSupervisor(node: Node, spec: SupervisorSpec, options: SpawnOptions = {}): Promise<ResourceRef<typeof SupervisorInterface>> {
  registerSupervision(node);
  const ref = await node.spawn(supervisorKind.name, spec, options);
  return new ResourceRef(node, ref.id, SupervisorInterface);
}
