import { errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import { findMember, type InterfaceDef } from '../firefly/idl.js';
import { describeInterface } from '../firefly/describe.js';
import { formatResourceId, type NodeId, type ResourceId } from '../firefly/address.js';
import { validate } from '../firefly/validate.js';
import { CELL_LIFECYCLE, type CellAction, type CellEvent, type CellState } from './cellLifecycle.js';
import {
  DEFAULT_CAPACITY,
  type Envelope,
  type ExitReason,
  type Replier,
  type ResourceOptions,
  type Signal,
  type StreamSink,
} from './types.js';

/** What a cell needs from its node when it ends. */
export interface CellHost {
  /** The cell ended: forget it, fire its monitors and links. */
  cellExited(cell: Cell, reason: ExitReason): void;
}

/**
 * A resource's actor as its cell drives it. Made by a logic adapter (handler object or xstate
 * machine) when the cell is built, started once the cell is in its node's table.
 */
export interface ResourceActor {
  start(): void;
  stop(): void;
  /** Hands a message to the actor in the form its logic expects. */
  deliver(envelope: Envelope): void;
}

/** A stream the resource is producing, so that it can be ended when the resource ends. */
export interface RunningStream {
  stop(error: GlowError): void;
}

/** What a cell is built from besides its actor. */
export interface CellSpec {
  readonly id: ResourceId;
  readonly iface: InterfaceDef;
  /** The process that owns it. */
  readonly owner?: ResourceId;
  /** The process kind, when the resource is a process. */
  readonly kind?: string;
  readonly options: ResourceOptions;
  /** Handler resources handle one message at a time by default, machines as many as fit. */
  readonly defaultConcurrency: 'one' | 'capacity';
}

/** What a cell leaves behind for the signal bookkeeping when it ends. */
export interface CellTies {
  /** Monitors set on this cell by others: fire them. */
  readonly monitors?: Map<number, (reason: ExitReason) => void>;
  /** Resources linked to this one: propagate the exit. */
  readonly links?: Map<string, ResourceId>;
  /** Monitors this cell held on others: drop them. */
  readonly watching?: Set<number>;
}

/** A call being handled, with its place in the cell's list of calls in progress (-1 once out of it). */
type CallInProgress = Extract<Envelope, { type: 'glow.call' }> & { slot: number };

/**
 * A running resource: an xstate actor behind a bounded Glow mailbox, plus what OTP keeps per
 * process (monitors on it, links, owned children, monitors it holds). Its lifecycle follows
 * {@link cellLifecycle}. Only `src/actors` sees a cell; everything optional is allocated lazily,
 * so an idle resource costs little more than its actor.
 */
export class Cell {
  readonly id: ResourceId;
  readonly iface: InterfaceDef;
  readonly owner: ResourceId | undefined;
  readonly kind: string | undefined;
  private state: CellState = CELL_LIFECYCLE.initial;
  private reason?: ExitReason;
  /** The reason `exitSoon` asked for, used when the draining ends. */
  private drainingFor?: ExitReason;
  private deadline?: ReturnType<typeof setTimeout>;
  private readonly actor: ResourceActor;
  private queue?: Envelope[];
  private head = 0;
  private inflight = 0;
  private readonly capacity: number;
  private readonly concurrency: number;
  private trapping: boolean;
  /**
   * Calls being handled now, so that a crash can fail them at once. A list with each call's
   * index on its envelope, not a Set: a Set going from one entry to none and back on every call
   * reallocates its table each time (measured: ~170 ns and garbage per call).
   */
  private calls?: CallInProgress[];
  private streams?: Set<RunningStream>;
  private monitors?: Map<number, (reason: ExitReason) => void>;
  private links?: Map<string, ResourceId>;
  private owned?: Set<Cell>;
  private watching?: Set<number>;

  constructor(
    private readonly host: CellHost,
    spec: CellSpec,
    makeActor: (cell: Cell) => ResourceActor,
  ) {
    this.id = spec.id;
    this.iface = spec.iface;
    this.owner = spec.owner;
    this.kind = spec.kind;
    this.capacity = spec.options.capacity ?? DEFAULT_CAPACITY;
    this.concurrency = spec.options.concurrency ?? (spec.defaultConcurrency === 'one' ? 1 : this.capacity);
    this.trapping = spec.options.trapExit ?? false;
    this.actor = makeActor(this);
  }

  /** Starts the actor (once the node can find the cell). */
  start(): void {
    this.actor.start();
  }

  /** `running` until the cell ended (a draining cell still answers what is in progress). */
  get status(): 'running' | 'exited' {
    return this.state === 'exited' ? 'exited' : 'running';
  }

  /** Why the cell ended, once it did. */
  get exitReason(): ExitReason | undefined {
    return this.reason;
  }

  /** Whether exit signals arrive as messages. */
  get trapsExits(): boolean {
    return this.trapping;
  }

  trapExit(on: boolean): void {
    this.trapping = on;
  }

  /** Messages waiting or in progress. */
  get load(): number {
    return this.inflight + (this.queue ? this.queue.length - this.head : 0);
  }

  // ---- messages ----------------------------------------------------------------------------

  /**
   * Accepts a call, cast or stream from anyone: looks the member up (own properties only),
   * validates the arguments, then queues it. Failures are replied, never thrown.
   */
  accept(
    type: 'glow.call' | 'glow.cast' | 'glow.stream',
    member: string,
    args: unknown,
    target?: Replier | StreamSink,
    caller?: ResourceId,
  ): GlowError | undefined {
    if (this.state === 'exited') return this.refuse(target, new GlowError('noproc', 'the resource has ended'));
    if (type === 'glow.call' && member === 'describe') {
      (target as Replier).resolve(describeInterface(this.iface));
      return undefined;
    }
    const spec = findMember(this.iface, member);
    const expected = type === 'glow.call' ? 'method' : type === 'glow.cast' ? 'cast' : 'stream';
    if (!spec || spec.kind !== expected) {
      return this.refuse(target, new GlowError('nomethod', `${this.iface.id} has no ${expected} ${JSON.stringify(member.slice(0, 64))}`));
    }
    let parsed: unknown;
    try {
      parsed = validate(spec.args, args);
    } catch (error) {
      return this.refuse(target, toGlowError(error, 'badarg'));
    }
    if (parsed instanceof Promise) {
      parsed.then(
        (value) => this.enqueue(this.envelope(type, member, value, target, caller), target),
        (error) => this.refuse(target, toGlowError(error, 'badarg')),
      );
      return undefined;
    }
    return this.enqueue(this.envelope(type, member, parsed, target, caller), target);
  }

  private envelope(type: 'glow.call' | 'glow.cast' | 'glow.stream', member: string, args: unknown, target?: Replier | StreamSink, caller?: ResourceId): Envelope {
    if (type === 'glow.call') {
      const call: CallInProgress = { type, member, args, reply: target as Replier, caller, slot: -1 };
      return call;
    }
    if (type === 'glow.stream') return { type, member, args, sink: target as StreamSink, caller };
    return { type, member, args, caller };
  }

  private refuse(target: Replier | StreamSink | undefined, error: GlowError): GlowError {
    if (target && 'resolve' in target) target.reject(error);
    else if (target) target.error(error);
    return error;
  }

  private enqueue(envelope: Envelope, target?: Replier | StreamSink): GlowError | undefined {
    if (this.state === 'exited') return this.refuse(target, new GlowError('noproc', 'the resource has ended'));
    if (this.load >= this.capacity) {
      return this.refuse(target, new GlowError('busy', `mailbox full (capacity ${this.capacity})`, { capacity: this.capacity }));
    }
    this.push(envelope);
    return undefined;
  }

  /** Signals bypass the capacity check: a dropped DOWN or EXIT would break supervision. */
  signal(signal: Signal): void {
    if (this.state !== 'exited') this.push(signal);
  }

  private push(envelope: Envelope): void {
    // A draining cell starts nothing new: what waits fails with noproc when it ends.
    if (this.state === 'running' && this.inflight < this.concurrency && (!this.queue || this.head === this.queue.length)) {
      this.dispatch(envelope);
    } else {
      (this.queue ??= []).push(envelope);
    }
  }

  private dispatch(envelope: Envelope): void {
    this.inflight++;
    if (envelope.type === 'glow.call') (envelope as CallInProgress).slot = (this.calls ??= []).push(envelope as CallInProgress) - 1;
    this.actor.deliver(envelope);
  }

  private pump(): void {
    const queue = this.queue;
    while (queue && this.state === 'running' && this.inflight < this.concurrency && this.head < queue.length) {
      const next = queue[this.head]!;
      queue[this.head++] = undefined as never;
      if (this.head === queue.length) {
        queue.length = 0;
        this.head = 0;
      }
      this.dispatch(next);
    }
  }

  /**
   * The logic finished a message. For a call, `outcome` is the reply (or a GlowError the handler
   * chose to return); the reply is dropped if the cell ended meanwhile (its caller already got
   * `crashed` or `noproc`).
   */
  settle(envelope: Envelope, outcome?: unknown): void {
    if (envelope.type === 'glow.call') {
      const call = envelope as CallInProgress;
      // Out of the list already: the cell ended, and the caller got `crashed` or `noproc`.
      if (call.slot < 0) return;
      const calls = this.calls!;
      const last = calls.pop()!;
      if (last !== call) {
        calls[call.slot] = last;
        last.slot = call.slot;
      }
      call.slot = -1;
      if (outcome instanceof GlowError) envelope.reply.reject(outcome);
      else this.replyChecked(envelope.member, envelope.reply, outcome);
    }
    this.inflight--;
    if (this.state === 'draining') {
      // Deferred, so that a handler that exits and then returns still answers its caller.
      if (this.inflight === 0) queueMicrotask(() => this.send('drained'));
    } else this.pump();
  }

  /**
   * Replies with a result, validated first when the method opted in (`validateResult`). A
   * result that breaks the resource's own interface is a bug in the resource: the caller gets
   * `crashed` with the issues, and the resource crashes.
   */
  private replyChecked(member: string, reply: Replier, result: unknown): void {
    const spec = findMember(this.iface, member);
    if (spec?.kind !== 'method' || !spec.validateResult) return reply.resolve(result);
    const broken = (error: unknown) => {
      const failure = new GlowError('crashed', `${this.iface.id}.${member} returned a result that does not match its schema`, {
        issues: error instanceof GlowError ? (error.details as { issues?: unknown } | undefined)?.issues : undefined,
      });
      reply.reject(failure);
      this.crash(failure);
    };
    try {
      const checked = validate(spec.result, result, 'result');
      if (checked instanceof Promise) checked.then((value) => reply.resolve(value), broken);
      else reply.resolve(checked);
    } catch (error) {
      broken(error);
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Follows the lifecycle machine: an event the current state does not accept does nothing. */
  private send(event: CellEvent, reason?: ExitReason): void {
    const step = CELL_LIFECYCLE.step(this.state, event);
    if (!step) return;
    this.state = step.target;
    for (const action of step.actions) this.run(action, reason);
  }

  private run(action: CellAction, reason: ExitReason | undefined): void {
    if (action === 'drain') {
      this.drainingFor = reason;
      // One macrotask, not a duration: a real timer, whatever clock the node runs on.
      this.deadline = setTimeout(() => this.send('deadline'), 0);
      queueMicrotask(() => {
        if (this.inflight === 0) this.send('drained');
      });
    } else this.teardown(reason ?? this.drainingFor ?? 'normal');
  }

  /**
   * Ends the cell once the message in progress has replied (`ctx.exit`), so that a handler that
   * calls `exit` and then returns, synchronously or from an async function, still answers its
   * caller. A handler that does not settle within one macrotask does not hold the exit up: its
   * call then fails with `noproc` like any other.
   */
  exitSoon(reason: ExitReason): void {
    this.send('exitSoon', reason);
  }

  /** The logic failed: the resource crashes with this error. */
  crash(error: unknown): void {
    this.exit({ error: errorToWire(toGlowError(error)) });
  }

  /** Ends the cell now (a kill, a crash, an exit signal). Idempotent. */
  exit(reason: ExitReason): void {
    this.send('exit', reason);
  }

  /**
   * Entering `exited`: stops the actor, fails what it was doing (`crashed` when it crashed,
   * `noproc` otherwise), ends its streams and owned resources, then tells the node so that
   * monitors and links fire.
   */
  private teardown(reason: ExitReason): void {
    this.reason = reason;
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    try {
      this.actor.stop();
    } catch {
      // An actor that already failed is already stopped.
    }
    // Errors are made only when someone is owed one: most resources end with nothing in flight,
    // and an Error captures a stack trace (microseconds each).
    let failure: GlowError | undefined;
    const failed = () =>
      (failure ??=
        typeof reason === 'object'
          ? new GlowError('crashed', `the resource crashed: ${reason.error.message}`, { reason })
          : new GlowError('noproc', `the resource ended (${reason})`, { reason }));
    if (this.calls) {
      const calls = this.calls;
      this.calls = undefined;
      for (const call of calls) {
        call.slot = -1;
        call.reply.reject(failed());
      }
    }
    if (this.queue && this.head < this.queue.length) {
      const gone = new GlowError('noproc', `the resource ended (${typeof reason === 'object' ? 'crashed' : reason})`);
      for (let i = this.head; i < this.queue.length; i++) {
        const envelope = this.queue[i]!;
        if (envelope.type === 'glow.call') envelope.reply.reject(gone);
        else if (envelope.type === 'glow.stream') envelope.sink.error(gone);
      }
    }
    this.queue = undefined;
    if (this.streams) for (const stream of [...this.streams]) stream.stop(failed());
    this.streams = undefined;
    if (this.owned) {
      for (const child of [...this.owned].reverse()) child.exit('shutdown');
      this.owned = undefined;
    }
    this.host.cellExited(this, reason);
  }

  // ---- what the runtime keeps per resource -------------------------------------------------

  /** A stream this resource produces, ended with it. */
  addStream(stream: RunningStream): void {
    (this.streams ??= new Set()).add(stream);
  }

  removeStream(stream: RunningStream): void {
    this.streams?.delete(stream);
  }

  /** Someone watches this cell; false (nothing kept) when it has ended. */
  addMonitor(monitor: number, fire: (reason: ExitReason) => void): boolean {
    if (this.state === 'exited') return false;
    (this.monitors ??= new Map()).set(monitor, fire);
    return true;
  }

  removeMonitor(monitor: number): void {
    this.monitors?.delete(monitor);
  }

  /** How many monitors watch this cell. */
  get monitorCount(): number {
    return this.monitors?.size ?? 0;
  }

  addLink(target: ResourceId): void {
    (this.links ??= new Map()).set(formatResourceId(target), target);
  }

  /** Removes a link; true when there was one. */
  removeLink(target: ResourceId): boolean {
    return this.links?.delete(formatResourceId(target)) ?? false;
  }

  /** True when this cell is linked to any resource of `node`. */
  linkedTo(node: NodeId): boolean {
    if (this.links) for (const id of this.links.values()) if (id.node === node) return true;
    return false;
  }

  /** Removes and returns every link to a resource of `node`. */
  takeLinksTo(node: NodeId): ResourceId[] {
    const taken: ResourceId[] = [];
    if (!this.links) return taken;
    for (const [key, id] of this.links) {
      if (id.node !== node) continue;
      this.links.delete(key);
      taken.push(id);
    }
    return taken;
  }

  /** A resource this one owns (a process's child), ended when this one ends. */
  adopt(child: Cell): void {
    (this.owned ??= new Set()).add(child);
  }

  disown(child: Cell): void {
    this.owned?.delete(child);
  }

  /** Resources this one owns, in creation order. */
  ownedCells(): Cell[] {
    return this.owned ? [...this.owned] : [];
  }

  /** A monitor this cell holds on another resource, dropped when this cell ends. */
  watch(monitor: number): void {
    (this.watching ??= new Set()).add(monitor);
  }

  unwatch(monitor: number): void {
    this.watching?.delete(monitor);
  }

  /** Hands over (and forgets) the monitors, links and watches of a cell that ended. */
  takeTies(): CellTies {
    const ties: CellTies = { monitors: this.monitors, links: this.links, watching: this.watching };
    this.monitors = undefined;
    this.links = undefined;
    this.watching = undefined;
    return ties;
  }
}
