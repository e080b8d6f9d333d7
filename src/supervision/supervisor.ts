import type { Node, SpawnOptions } from '../actors/node.js';
import type { ProcessContext, ProcessKind } from '../actors/process.js';
import { ResourceRef, type AnyResourceRef } from '../actors/ref.js';
import { isCleanExit, type ExitReason, type ExitSignal, type Signal } from '../actors/types.js';
import { sameResource } from '../firefly/address.js';
import { errorToWire, GlowError, isGlowError, toGlowError } from '../firefly/errors.js';
import { backoffDelay } from './backoff.js';
import { childStatus } from './childLifecycle.js';
import { restartsAfter, supervisorSpecSchema, type ChildSpec, type SupervisorSpec } from './childSpec.js';
import { Children, processOf, type Child } from './children.js';
import { RestartIntensity } from './intensity.js';
import { OperationQueue } from './operationQueue.js';
import { SupervisorInterface } from './supervisorInterface.js';
import { reportChild, type ChildFacts, type SupervisorReportEvent } from './supervisorReports.js';

export { SupervisorInterface } from './supervisorInterface.js';

/**
 * One supervisor's decisions (OTP's supervisor). Its mailbox hands every message over at once:
 * reads answer from the children's states at any time, while everything that changes children
 * (control calls, what an `EXIT` decides, restarts that became due) runs one at a time through
 * an {@link OperationQueue}. Waits are never spent in that queue: a backoff is a timer of the
 * child's lifecycle on the node's clock, and only the start it leads to is queued.
 */
class Supervisor {
  private readonly children: Children;
  private readonly intensity: RestartIntensity;
  private readonly ops = new OperationQueue();
  private readonly source: string;
  /** A restart pass is queued and has not begun: restarts that fall due meanwhile share it. */
  private passQueued = false;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly spec: SupervisorSpec,
  ) {
    this.intensity = new RestartIntensity(spec.intensity ?? 1, spec.period ?? 5000, ctx.node.clock);
    this.source = ctx.self.toString();
    this.children = new Children({ ctx, due: () => this.schedulePass(), report: (event, child) => this.report(event, child) });
  }

  async startAll(): Promise<void> {
    // Like OTP, refuse a spec list with duplicate ids before starting anything.
    const ids = (this.spec.children ?? []).map((spec) => spec.id);
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate !== undefined) throw new GlowError('badarg', `a child with id ${JSON.stringify(duplicate)} is already present`);
    for (const spec of this.spec.children ?? []) {
      try {
        await this.children.add(spec);
      } catch (error) {
        await this.children.stopAll();
        throw error;
      }
    }
  }

  /** Ends the supervisor in order: no further operation runs, the children stop newest first, then it exits. */
  private async shutdown(reason: ExitReason): Promise<void> {
    this.ops.close(new GlowError('noproc', 'the supervisor is shutting down'));
    await this.children.stopAll();
    this.ctx.exit(reason);
  }

  /** The supervisor's process ended (however): nothing more runs for it, no timer fires. */
  ended(): void {
    this.ops.close(new GlowError('noproc', 'the supervisor has ended'));
    this.children.end();
  }

  // ---- restarts -------------------------------------------------------------------------

  /**
   * An `EXIT` arrived. From a child: its lifecycle learns it at once (so `which_children`
   * shows it), and what it means is decided in turn with earlier operations, which may have
   * stopped the child meanwhile. From anyone else (the owner, a parent supervisor): an order to
   * end. The promise is the queued work, so that a bug in it crashes the supervisor.
   */
  onSignal(signal: Signal): Promise<void> | undefined {
    if (signal.type !== 'glow.exit') return undefined;
    const child = this.children.byProcess(signal.from);
    if (!child) return signal.reason === 'normal' ? undefined : this.ops.run(() => this.shutdown(signal.reason));
    this.children.send(child, { type: 'EXITED', reason: signal.reason });
    return this.ops.run(() => this.exited(child, signal));
  }

  /** What the end of a child's process means (OTP's restart_child/do_restart). */
  private async exited(child: Child, signal: ExitSignal): Promise<void> {
    const snapshot = child.life.getSnapshot();
    const ref = snapshot.context.ref;
    // Overtaken by an earlier operation (the child was stopped meanwhile): late news.
    if (!snapshot.matches('exited') || !ref || !sameResource(ref.id, signal.from)) return;
    const { reason } = signal;
    const restart = child.spec.restart ?? 'permanent';
    if (restart === 'permanent' || !isCleanExit(reason)) this.report('child_terminated', { id: child.spec.id, ref, reason });
    if (!restartsAfter(child.spec, reason)) {
      if (restart === 'temporary') this.children.remove(child);
      else this.children.send(child, { type: 'KEEP' });
      return;
    }
    // One restart per failure, however many children the strategy restarts (OTP).
    if (!this.intensity.record()) return this.giveUp(child, ref);
    const group = this.groupOf(child);
    for (const other of [...group].reverse()) if (other !== child) await this.children.stop(other);
    // The backoff delays the group once, not once per child.
    const delay = this.backoff();
    for (const member of group) {
      if (member !== child && member.spec.restart === 'temporary') this.children.remove(member);
      else this.children.send(member, { type: 'RESTART', delay });
    }
    await this.restartDue();
  }

  /** The children a strategy restarts when `failed` ended, in start order. */
  private groupOf(failed: Child): Child[] {
    const strategy = this.spec.strategy ?? 'one_for_one';
    if (strategy === 'one_for_one') return [failed];
    const { list } = this.children;
    if (strategy === 'one_for_all') return [...list];
    return list.slice(list.indexOf(failed));
  }

  /** The wait before the next restart: grows with the restarts in the intensity window. */
  private backoff(): number {
    return this.spec.backoff ? backoffDelay(this.spec.backoff, this.intensity.recent) : 0;
  }

  /** A child's restart fell due: one pass, queued behind what is already queued, starts it. */
  private schedulePass(): void {
    if (this.passQueued || this.ops.closed) return;
    this.passQueued = true;
    this.ops
      .run(() => {
        this.passQueued = false;
        return this.restartDue();
      })
      .catch((error: unknown) => {
        // Refused because the supervisor is ending: nothing to restart. Anything else is a bug.
        if (!isGlowError(error, 'noproc')) this.ctx.exit({ error: errorToWire(toGlowError(error)) });
      });
  }

  /**
   * Starts, in start order, every child whose restart is due. Under `one_for_all` and
   * `rest_for_one` a child never starts before an earlier one that is still to be restarted
   * (their order is the point); under `one_for_one` each goes on its own.
   */
  private async restartDue(): Promise<void> {
    const ordered = (this.spec.strategy ?? 'one_for_one') !== 'one_for_one';
    for (const child of [...this.children.list]) {
      const snapshot = child.life.getSnapshot();
      if (!snapshot.matches({ restarting: 'due' })) {
        if (ordered && snapshot.hasTag('restarting')) return;
        continue;
      }
      const started = await this.restartOne(child);
      if (this.ops.closed || (!started && ordered)) return;
    }
  }

  /** One restart attempt; false when it failed (reported, counted, and tried again after the backoff). */
  private async restartOne(child: Child): Promise<boolean> {
    if (!(await this.children.start(child))) return true;
    // A failed restart counts as another restart (OTP), so a start that keeps failing ends
    // the supervisor instead of looping.
    if (!this.intensity.record()) {
      await this.giveUp(child, undefined);
      return false;
    }
    this.children.send(child, { type: 'RESTART', delay: this.backoff() });
    return false;
  }

  /** The restart intensity was reached: reported, then the supervisor shuts down. */
  private async giveUp(child: Child, ref: AnyResourceRef | undefined): Promise<void> {
    this.report('shutdown', { id: child.spec.id, ref, reason: 'reached_max_restart_intensity' }, {
      intensity: this.intensity.intensity,
      period: this.intensity.period,
    });
    this.children.send(child, { type: 'KEEP' });
    await this.shutdown('shutdown');
  }

  private report(event: SupervisorReportEvent, child: ChildFacts, extra?: Record<string, unknown>): void {
    reportChild(this.ctx.node, this.source, event, child, extra);
  }

  // ---- glow.Supervisor/1 ----------------------------------------------------------------

  /** Refuses to restart or delete a child that is not stopped (OTP: `running`, `restarting`). */
  private mustBeStopped(child: Child): void {
    const snapshot = child.life.getSnapshot();
    if (snapshot.matches('stopped')) return;
    // A child whose end is not handled yet was running when this call was made.
    const status = snapshot.matches('exited') ? 'running' : childStatus(child.life);
    throw new GlowError('denied', `child ${child.spec.id} is ${status}`);
  }

  handlers() {
    const refText = (child: Child) => (childStatus(child.life) === 'running' ? processOf(child)!.toString() : null);
    return {
      which_children: () =>
        this.children.list.map((child) => ({
          id: child.spec.id,
          ref: refText(child),
          type: child.spec.type ?? 'worker',
          restart: child.spec.restart ?? 'permanent',
          status: childStatus(child.life),
        })),
      count_children: () => {
        const { list } = this.children;
        const supervisors = list.filter((child) => child.spec.type === 'supervisor').length;
        return {
          specs: list.length,
          active: list.filter((child) => childStatus(child.life) === 'running').length,
          supervisors,
          workers: list.length - supervisors,
        };
      },
      start_child: (spec: ChildSpec) => this.ops.run(async () => ({ ref: refText(await this.children.add(spec)) })),
      terminate_child: ({ id }: { id: string }) =>
        this.ops.run(async () => {
          const child = this.children.find(id);
          await this.children.stop(child);
          if (child.spec.restart === 'temporary') this.children.remove(child);
          return { terminated: true };
        }),
      restart_child: ({ id }: { id: string }) =>
        this.ops.run(async () => {
          const child = this.children.find(id);
          this.mustBeStopped(child);
          const failure = await this.children.start(child);
          if (failure) throw failure;
          return { ref: refText(child) };
        }),
      delete_child: ({ id }: { id: string }) =>
        this.ops.run(() => {
          const child = this.children.find(id);
          this.mustBeStopped(child);
          this.children.remove(child);
          return { deleted: true };
        }),
      terminate: ({ reason }: { reason?: 'normal' | 'shutdown' }) =>
        this.ops.run(async () => {
          await this.shutdown(reason ?? 'shutdown');
          return { terminated: true };
        }),
    };
  }
}

/**
 * The `supervisor` process kind: spawn it with a {@link SupervisorSpec}. Its mailbox has no
 * concurrency limit (the capacity still bounds it): signals and reads must never wait behind
 * control calls, which the supervisor queues itself.
 */
export const supervisorKind: ProcessKind<SupervisorSpec> = {
  name: 'supervisor',
  description: 'starts, watches and restarts children (OTP strategies, restart intensity)',
  args: supervisorSpecSchema,
  interface: SupervisorInterface,
  concurrency: Number.POSITIVE_INFINITY,
  async start(ctx, spec) {
    ctx.trapExit(true);
    const supervisor = new Supervisor(ctx, spec);
    ctx.node.monitor(ctx.self, () => supervisor.ended());
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
