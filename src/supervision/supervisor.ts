import type { Node, SpawnOptions } from '../actors/node.js';
import type { ProcessContext, ProcessKind } from '../actors/process.js';
import { ResourceRef, type AnyResourceRef } from '../actors/ref.js';
import { isCleanExit, type ExitReason, type ExitSignal, type Signal } from '../actors/types.js';
import { sameResource } from '../firefly/address.js';
import { errorToWire, GlowError, isGlowError, toGlowError } from '../firefly/errors.js';
import { backoffDelay } from './backoff.js';
import { childStatus, startChildLifecycle, type ChildEvent, type ChildLifecycle } from './childLifecycle.js';
import { endedAsAsked, restartsAfter, supervisorSpecSchema, type ChildSpec, type SupervisorSpec } from './childSpec.js';
import { RestartIntensity } from './intensity.js';
import { OperationQueue } from './operationQueue.js';
import { candidatesOf, spawnOnCandidates } from './placement.js';
import { SupervisorInterface } from './supervisorInterface.js';
import { reportChild, type ChildFacts, type SupervisorReportEvent } from './supervisorReports.js';

export { SupervisorInterface } from './supervisorInterface.js';

/** A child: its spec and its lifecycle machine. */
interface Child {
  readonly spec: ChildSpec;
  readonly life: ChildLifecycle;
}

/** The process a child has now (running, being stopped, or ended and not yet handled). */
function processOf(child: Child): AnyResourceRef | undefined {
  return child.life.getSnapshot().context.ref;
}

/**
 * One supervisor's children and decisions (OTP's supervisor). Its mailbox hands every message
 * over at once: reads answer from the children's states at any time, while everything that
 * changes children (control calls, what an `EXIT` decides, restarts that became due) runs one
 * at a time through an {@link OperationQueue}. Waits are never spent in that queue: a backoff
 * is a timer of the child's lifecycle on the node's clock, and only the start it leads to is
 * queued.
 */
class Supervisor {
  private readonly node: Node;
  private readonly children: Child[] = [];
  /** The child `start_child` is starting, not listed until it runs, yet already the source of its EXIT. */
  private adding: Child | undefined;
  private readonly intensity: RestartIntensity;
  private readonly ops = new OperationQueue();
  private readonly source: string;
  /** A restart pass is queued and has not begun: restarts that fall due meanwhile share it. */
  private passQueued = false;
  /** The supervisor's process has ended: nothing may be sent to the lifecycles any more. */
  private gone = false;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly spec: SupervisorSpec,
  ) {
    this.node = ctx.node;
    this.intensity = new RestartIntensity(spec.intensity ?? 1, spec.period ?? 5000, this.node.clock);
    this.source = ctx.self.toString();
  }

  // ---- starting and stopping children ---------------------------------------------------

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

  private lifecycle(spec: ChildSpec): Child {
    const life = startChildLifecycle(
      {
        spec,
        effects: {
          exit: (ref, reason) => this.node.exit(ref, reason, this.ctx.self.id),
          due: () => this.schedulePass(),
        },
      },
      this.node.clock,
    );
    return { spec, life };
  }

  private send(child: Child, event: ChildEvent): void {
    if (!this.gone) child.life.send(event);
  }

  /** Starts a new child and lists it after the others; a temporary child that did not start leaves no spec (OTP). */
  private async add(spec: ChildSpec): Promise<Child> {
    if (this.children.some((child) => child.spec.id === spec.id)) {
      throw new GlowError('badarg', `a child with id ${JSON.stringify(spec.id)} is already present`);
    }
    const child = this.lifecycle(spec);
    this.adding = child;
    try {
      const failure = await this.start(child);
      if (failure) throw failure;
    } catch (error) {
      child.life.stop();
      throw error;
    } finally {
      this.adding = undefined;
    }
    if (childStatus(child.life) !== 'running' && spec.restart === 'temporary') child.life.stop();
    else this.children.push(child);
    return child;
  }

  /** Runs a child's start function; the error when it failed (reported), else undefined (started, or `ignore`). */
  private async start(child: Child): Promise<GlowError | undefined> {
    this.send(child, { type: 'START' });
    const { start } = child.spec;
    const supervisor = this.ctx.self.id;
    let result: AnyResourceRef | 'ignore';
    try {
      result =
        typeof start === 'function'
          ? await start({ node: this.node, supervisor })
          : await spawnOnCandidates(this.node, start, candidatesOf(child.spec, this.node.id), supervisor);
    } catch (error) {
      const failure = toGlowError(error);
      this.send(child, { type: 'FAILED' });
      if (!this.gone) this.report('start_error', { id: child.spec.id, reason: errorToWire(failure) });
      return failure;
    }
    if (this.gone) {
      // Killed while the child started: it must not outlive its supervisor.
      if (result !== 'ignore') this.node.exit(result, 'kill');
      return new GlowError('noproc', 'the supervisor ended while the child started');
    }
    if (result === 'ignore') {
      this.send(child, { type: 'IGNORED' });
      return undefined;
    }
    this.send(child, { type: 'STARTED', ref: result });
    this.ctx.link(result);
    return undefined;
  }

  /**
   * Stops a child (OTP's shutdown): its process gets exit `shutdown`, then `kill` after its
   * shutdown time (both timed by its lifecycle); a restart it was waiting for is cancelled.
   * An end other than the one asked for is reported as a `shutdown_error`.
   */
  private async stop(child: Child): Promise<void> {
    const snapshot = child.life.getSnapshot();
    const ref = snapshot.context.ref;
    if (!ref || !snapshot.matches('running')) {
      this.send(child, { type: 'STOP' });
      // A process that ended by itself before this stop: its end is reported here (OTP's unlink_flush).
      if (ref && snapshot.context.reason && !endedAsAsked(child.spec, snapshot.context.reason)) {
        this.report('shutdown_error', { id: child.spec.id, ref, reason: snapshot.context.reason });
      }
      return;
    }
    this.ctx.unlink(ref);
    const down = this.node.down(ref);
    this.send(child, { type: 'STOP' });
    const { reason } = await down;
    this.send(child, { type: 'DOWN', reason });
    const ended = child.life.getSnapshot().context.reason ?? reason;
    if (!this.gone && !endedAsAsked(child.spec, ended)) this.report('shutdown_error', { id: child.spec.id, ref, reason: ended });
  }

  /** Stops every child, newest first. */
  private async stopAll(): Promise<void> {
    for (const child of [...this.children].reverse()) await this.stop(child);
  }

  /** Ends the supervisor in order: no further operation runs, the children stop newest first, then it exits. */
  private async shutdown(reason: ExitReason): Promise<void> {
    this.ops.close(new GlowError('noproc', 'the supervisor is shutting down'));
    await this.stopAll();
    this.ctx.exit(reason);
  }

  /** The supervisor's process ended (however): its lifecycles stop, so that no timer of theirs fires. */
  ended(): void {
    this.gone = true;
    this.ops.close(new GlowError('noproc', 'the supervisor has ended'));
    for (const child of this.children) child.life.stop();
    this.adding?.life.stop();
  }

  private remove(child: Child): void {
    this.children.splice(this.children.indexOf(child), 1);
    child.life.stop();
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
    const child = [...this.children, this.adding].find((candidate) => {
      const ref = candidate && processOf(candidate);
      return ref !== undefined && sameResource(ref.id, signal.from);
    });
    if (!child) return signal.reason === 'normal' ? undefined : this.ops.run(() => this.shutdown(signal.reason));
    this.send(child, { type: 'EXITED', reason: signal.reason });
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
      if (restart === 'temporary') this.remove(child);
      else this.send(child, { type: 'KEEP' });
      return;
    }
    // One restart per failure, however many children the strategy restarts (OTP).
    if (!this.intensity.record()) return this.giveUp(child, ref);
    const group = this.groupOf(child);
    for (const other of [...group].reverse()) if (other !== child) await this.stop(other);
    // The backoff delays the group once, not once per child.
    const delay = this.backoff();
    for (const member of group) {
      if (member !== child && member.spec.restart === 'temporary') this.remove(member);
      else this.send(member, { type: 'RESTART', delay });
    }
    await this.restartDue();
  }

  /** The children a strategy restarts when `failed` ended, in start order. */
  private groupOf(failed: Child): Child[] {
    const strategy = this.spec.strategy ?? 'one_for_one';
    if (strategy === 'one_for_one') return [failed];
    if (strategy === 'one_for_all') return [...this.children];
    return this.children.slice(this.children.indexOf(failed));
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
    for (const child of [...this.children]) {
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
    if (!(await this.start(child))) return true;
    // A failed restart counts as another restart (OTP), so a start that keeps failing ends
    // the supervisor instead of looping.
    if (!this.intensity.record()) {
      await this.giveUp(child, undefined);
      return false;
    }
    this.send(child, { type: 'RESTART', delay: this.backoff() });
    return false;
  }

  /** The restart intensity was reached: reported, then the supervisor shuts down. */
  private async giveUp(child: Child, ref: AnyResourceRef | undefined): Promise<void> {
    this.report('shutdown', { id: child.spec.id, ref, reason: 'reached_max_restart_intensity' }, {
      intensity: this.intensity.intensity,
      period: this.intensity.period,
    });
    this.send(child, { type: 'KEEP' });
    await this.shutdown('shutdown');
  }

  private report(event: SupervisorReportEvent, child: ChildFacts, extra?: Record<string, unknown>): void {
    reportChild(this.node, this.source, event, child, extra);
  }

  // ---- glow.Supervisor/1 ----------------------------------------------------------------

  private find(id: string): Child {
    const child = this.children.find((candidate) => candidate.spec.id === id);
    if (!child) throw new GlowError('badarg', `no child with id ${JSON.stringify(id.slice(0, 128))}`);
    return child;
  }

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
        this.children.map((child) => ({
          id: child.spec.id,
          ref: refText(child),
          type: child.spec.type ?? 'worker',
          restart: child.spec.restart ?? 'permanent',
          status: childStatus(child.life),
        })),
      count_children: () => {
        const supervisors = this.children.filter((child) => child.spec.type === 'supervisor').length;
        return {
          specs: this.children.length,
          active: this.children.filter((child) => childStatus(child.life) === 'running').length,
          supervisors,
          workers: this.children.length - supervisors,
        };
      },
      start_child: (spec: ChildSpec) => this.ops.run(async () => ({ ref: refText(await this.add(spec)) })),
      terminate_child: ({ id }: { id: string }) =>
        this.ops.run(async () => {
          const child = this.find(id);
          await this.stop(child);
          if (child.spec.restart === 'temporary') this.remove(child);
          return { terminated: true };
        }),
      restart_child: ({ id }: { id: string }) =>
        this.ops.run(async () => {
          const child = this.find(id);
          this.mustBeStopped(child);
          const failure = await this.start(child);
          if (failure) throw failure;
          return { ref: refText(child) };
        }),
      delete_child: ({ id }: { id: string }) =>
        this.ops.run(() => {
          const child = this.find(id);
          this.mustBeStopped(child);
          this.remove(child);
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
