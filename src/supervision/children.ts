import type { ProcessContext } from '../actors/process.js';
import type { AnyResourceRef } from '../actors/ref.js';
import { sameResource, type ResourceId } from '../firefly/address.js';
import { errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import { childStatus, startChildLifecycle, type ChildEvent, type ChildLifecycle } from './childLifecycle.js';
import { endedAsAsked, type ChildSpec } from './childSpec.js';
import { candidatesOf, spawnOnCandidates } from './placement.js';
import type { ChildFacts, SupervisorReportEvent } from './supervisorReports.js';

/** A child: its spec and its lifecycle machine. */
export interface Child {
  readonly spec: ChildSpec;
  readonly life: ChildLifecycle;
}

/** The process a child has now (running, being stopped, or ended and not yet handled). */
export function processOf(child: Child): AnyResourceRef | undefined {
  return child.life.getSnapshot().context.ref;
}

/** What {@link Children} needs from its supervisor. */
export interface ChildrenHost {
  /** The supervisor's process: it owns local children, links to each child, sends them exit signals. */
  readonly ctx: ProcessContext;
  /** A child's restart fell due. */
  due(): void;
  /** Files a supervisor report. */
  report(event: SupervisorReportEvent, child: ChildFacts): void;
}

/**
 * A supervisor's children in start order, and how one is started and stopped (OTP's
 * do_start_child and shutdown). Each child's lifecycle machine holds its state; this list
 * sends it what happens, in order.
 */
export class Children {
  /** In start order. */
  readonly list: Child[] = [];
  /** The child `start_child` is starting: not listed until it runs, yet already the sender of its EXIT. */
  private adding: Child | undefined;
  /** The supervisor's process has ended: its lifecycles are stopped and get no more events. */
  private gone = false;

  constructor(private readonly host: ChildrenHost) {}

  private get node() {
    return this.host.ctx.node;
  }

  /** The child `id`; `badarg` when there is none. */
  find(id: string): Child {
    const child = this.list.find((candidate) => candidate.spec.id === id);
    if (!child) throw new GlowError('badarg', `no child with id ${JSON.stringify(id.slice(0, 128))}`);
    return child;
  }

  /** The child whose process is `id`, if any (listed, or being added). */
  byProcess(id: ResourceId): Child | undefined {
    return [...this.list, this.adding].find((child) => {
      const ref = child && processOf(child);
      return ref !== undefined && sameResource(ref.id, id);
    });
  }

  /** Tells a child's lifecycle what happened (nothing, once the supervisor has ended). */
  send(child: Child, event: ChildEvent): void {
    if (!this.gone) child.life.send(event);
  }

  /** Starts a new child and lists it after the others; a temporary child that did not start leaves no spec (OTP). */
  async add(spec: ChildSpec): Promise<Child> {
    if (this.list.some((child) => child.spec.id === spec.id)) {
      throw new GlowError('badarg', `a child with id ${JSON.stringify(spec.id)} is already present`);
    }
    const life = startChildLifecycle({ spec, effects: { exit: (ref, reason) => this.exit(ref, reason), due: () => this.host.due() } }, this.node.clock);
    const child: Child = { spec, life };
    this.adding = child;
    try {
      const failure = await this.start(child);
      if (failure) throw failure;
    } catch (error) {
      life.stop();
      throw error;
    } finally {
      this.adding = undefined;
    }
    if (childStatus(life) !== 'running' && spec.restart === 'temporary') life.stop();
    else this.list.push(child);
    return child;
  }

  private exit(ref: AnyResourceRef, reason: 'shutdown' | 'kill'): void {
    this.node.exit(ref, reason, this.host.ctx.self.id);
  }

  /** Runs a child's start function; the error when it failed (reported), else undefined (started, or `ignore`). */
  async start(child: Child): Promise<GlowError | undefined> {
    this.send(child, { type: 'START' });
    const { start } = child.spec;
    const supervisor = this.host.ctx.self.id;
    let result: AnyResourceRef | 'ignore';
    try {
      result =
        typeof start === 'function'
          ? await start({ node: this.node, supervisor })
          : await spawnOnCandidates(this.node, start, candidatesOf(child.spec, this.node.id), supervisor);
    } catch (error) {
      const failure = toGlowError(error);
      this.send(child, { type: 'FAILED' });
      if (!this.gone) this.host.report('start_error', { id: child.spec.id, reason: errorToWire(failure) });
      return failure;
    }
    if (this.gone) {
      // The supervisor was killed while the child started: the child must not outlive it.
      if (result !== 'ignore') this.node.exit(result, 'kill');
      return new GlowError('noproc', 'the supervisor ended while the child started');
    }
    if (result === 'ignore') {
      this.send(child, { type: 'IGNORED' });
      return undefined;
    }
    this.send(child, { type: 'STARTED', ref: result });
    this.host.ctx.link(result);
    return undefined;
  }

  /**
   * Stops a child (OTP's shutdown): its process gets exit `shutdown`, then `kill` after its
   * shutdown time (both timed by its lifecycle); a restart it was waiting for is cancelled.
   * An end other than the one asked for is reported as a `shutdown_error`.
   */
  async stop(child: Child): Promise<void> {
    const snapshot = child.life.getSnapshot();
    const ref = snapshot.context.ref;
    if (!ref || !snapshot.matches('running')) {
      this.send(child, { type: 'STOP' });
      // A process that had ended by itself, its end not yet handled: reported here (OTP's unlink_flush).
      const { reason } = snapshot.context;
      if (ref && reason && !endedAsAsked(child.spec, reason)) this.host.report('shutdown_error', { id: child.spec.id, ref, reason });
      return;
    }
    // A process that had already ended sent its EXIT before this unlink, and that EXIT reaches
    // the supervisor before the DOWN does (a local end fires both in one step; a remote one
    // sends them on the same route, in order): its reason is in the lifecycle by then.
    this.host.ctx.unlink(ref);
    const down = this.node.down(ref);
    this.send(child, { type: 'STOP' });
    const { reason } = await down;
    this.send(child, { type: 'DOWN', reason });
    const ended = child.life.getSnapshot().context.reason ?? reason;
    if (!this.gone && !endedAsAsked(child.spec, ended)) this.host.report('shutdown_error', { id: child.spec.id, ref, reason: ended });
  }

  /** Stops every child, newest first. */
  async stopAll(): Promise<void> {
    for (const child of [...this.list].reverse()) await this.stop(child);
  }

  /** Forgets a child (its spec too). */
  remove(child: Child): void {
    this.list.splice(this.list.indexOf(child), 1);
    child.life.stop();
  }

  /** The supervisor's process ended (however): every lifecycle stops, so that no timer of theirs fires. */
  end(): void {
    this.gone = true;
    for (const child of this.list) child.life.stop();
    this.adding?.life.stop();
  }
}
