import type { AnyActorRef } from 'xstate';
import { errorToWire, GlowError, toGlowError } from '../firefly/errors.js';
import { findMember, type InterfaceDef } from '../firefly/idl.js';
import { describeInterface } from '../firefly/describe.js';
import type { ResourceId } from '../firefly/address.js';
import { validate } from '../firefly/validate.js';
import {
  DEFAULT_CAPACITY,
  type Envelope,
  type ExitReason,
  type Replier,
  type ResourceOptions,
  type Signal,
  type StreamSink,
} from './types.js';

/** What a cell needs from its node when it ends: signals out, bookkeeping. */
export interface CellHost {
  /** The cell ended: fire its monitors and links, forget it. */
  cellExited(cell: Cell, reason: ExitReason): void;
}

/** A stream the resource is producing, so that it can be ended when the resource ends. */
export interface RunningStream {
  stop(error: GlowError): void;
}

/** A call being handled, with its place in the cell's list of calls in progress (-1 once out of it). */
type CallInProgress = Extract<Envelope, { type: 'glow.call' }> & { slot: number };

/**
 * A running resource: an xstate actor behind a bounded Glow mailbox, plus the bookkeeping that
 * OTP keeps per process (monitors, links, owned children). Everything optional is allocated
 * lazily, so an idle resource costs little more than its actor.
 */
export class Cell {
  /** The xstate actor; set by the logic adapter right after construction. */
  actor!: AnyActorRef;
  /** Hands a message to the actor in the form its logic expects; set with `actor`. */
  deliver!: (envelope: Envelope) => void;
  status: 'running' | 'exited' = 'running';
  /** Set when the cell ended. */
  reason?: ExitReason;
  private queue?: Envelope[];
  private head = 0;
  private inflight = 0;
  private readonly capacity: number;
  private readonly concurrency: number;
  trapExit: boolean;
  /**
   * Calls being handled now, so that a crash can fail them at once. A list with each call's
   * index on its envelope, not a Set: a Set going from one entry to none and back on every call
   * reallocates its table each time (measured: ~170 ns and garbage per call).
   */
  private calls?: CallInProgress[];
  /** Streams this resource produces. */
  streams?: Set<RunningStream>;
  /** Monitor id → callback, for everyone watching this cell. */
  monitors?: Map<number, (reason: ExitReason) => void>;
  /** Linked resources, by printable id. */
  links?: Map<string, ResourceId>;
  /** Resources this one owns (a process's children), in creation order. */
  owned?: Set<Cell>;
  /** Monitors this cell holds on others, so that they are dropped when it ends. */
  watching?: Set<number>;
  /** The process kind, when this resource is a process. */
  kind?: string;
  /** Set by {@link Cell.exitSoon}: the reason to end with once what is in progress has replied. */
  private exiting?: { reason: ExitReason; timer: ReturnType<typeof setTimeout> };

  constructor(
    readonly host: CellHost,
    readonly id: ResourceId,
    readonly iface: InterfaceDef,
    readonly owner: ResourceId | undefined,
    options: ResourceOptions,
    defaultConcurrency: 'one' | 'capacity',
  ) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.concurrency = options.concurrency ?? (defaultConcurrency === 'one' ? 1 : this.capacity);
    this.trapExit = options.trapExit ?? false;
  }

  /** Resources this one owns, in creation order. */
  ownedCells(): Cell[] {
    return this.owned ? [...this.owned] : [];
  }

  /** Messages waiting or in progress. */
  get load(): number {
    return this.inflight + (this.queue ? this.queue.length - this.head : 0);
  }

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
    if (this.status !== 'running') return this.refuse(target, new GlowError('noproc', 'the resource has ended'));
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
    if (this.status !== 'running') return this.refuse(target, new GlowError('noproc', 'the resource has ended'));
    if (this.load >= this.capacity) {
      return this.refuse(target, new GlowError('busy', `mailbox full (capacity ${this.capacity})`, { capacity: this.capacity }));
    }
    this.push(envelope);
    return undefined;
  }

  /** Signals bypass the capacity check: a dropped DOWN or EXIT would break supervision. */
  signal(signal: Signal): void {
    if (this.status === 'running') this.push(signal);
  }

  private push(envelope: Envelope): void {
    if (this.inflight < this.concurrency && (!this.queue || this.head === this.queue.length)) {
      this.dispatch(envelope);
    } else {
      (this.queue ??= []).push(envelope);
    }
  }

  private dispatch(envelope: Envelope): void {
    this.inflight++;
    if (envelope.type === 'glow.call') (envelope as CallInProgress).slot = (this.calls ??= []).push(envelope as CallInProgress) - 1;
    this.deliver(envelope);
  }

  private pump(): void {
    const queue = this.queue;
    while (queue && this.status === 'running' && this.inflight < this.concurrency && this.head < queue.length) {
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
    // Exiting: start nothing new; what is still queued fails with noproc when the cell ends.
    if (this.exiting) queueMicrotask(() => this.exit(this.exiting!.reason));
    else this.pump();
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

  /**
   * Ends the cell once the message in progress has replied (`ctx.exit`), so that a handler that
   * calls `exit` and then returns, synchronously or from an async function, still answers its
   * caller. A handler that does not settle within one macrotask does not hold the exit up: its
   * call then fails with `noproc` like any other.
   */
  exitSoon(reason: ExitReason): void {
    if (this.status !== 'running' || this.exiting) return;
    this.exiting = { reason, timer: setTimeout(() => this.exit(reason), 0) };
    queueMicrotask(() => {
      if (this.inflight === 0) this.exit(reason);
    });
  }

  /** The logic failed: the resource crashes with this error. */
  crash(error: unknown): void {
    this.exit({ error: errorToWire(toGlowError(error)) });
  }

  /**
   * Ends the cell: stops its actor, fails what it was doing (`crashed` when it crashed, `noproc`
   * otherwise), ends its streams and owned resources, then tells the node so that monitors and
   * links fire. Idempotent.
   */
  exit(reason: ExitReason): void {
    if (this.status !== 'running') return;
    this.status = 'exited';
    this.reason = reason;
    if (this.exiting) clearTimeout(this.exiting.timer);
    const failure =
      typeof reason === 'object'
        ? new GlowError('crashed', `the resource crashed: ${reason.error.message}`, { reason })
        : new GlowError('noproc', `the resource ended (${reason})`, { reason });
    const gone = new GlowError('noproc', `the resource ended (${typeof reason === 'object' ? 'crashed' : reason})`);
    try {
      this.actor.stop();
    } catch {
      // An actor that already failed is already stopped.
    }
    const calls = this.calls ?? [];
    this.calls = undefined;
    for (const call of calls) {
      call.slot = -1;
      call.reply.reject(failure);
    }
    if (this.queue) {
      for (let i = this.head; i < this.queue.length; i++) {
        const envelope = this.queue[i]!;
        if (envelope.type === 'glow.call') envelope.reply.reject(gone);
        else if (envelope.type === 'glow.stream') envelope.sink.error(gone);
      }
      this.queue = undefined;
    }
    if (this.streams) for (const stream of [...this.streams]) stream.stop(failure);
    this.streams = undefined;
    if (this.owned) {
      for (const child of [...this.owned].reverse()) child.exit('shutdown');
      this.owned = undefined;
    }
    this.host.cellExited(this, reason);
  }
}
