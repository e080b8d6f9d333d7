import { createActor, type Actor, type ActorLogic, type Snapshot } from 'xstate';
import { GlowError } from '../firefly/errors.js';
import type { InterfaceDef } from '../firefly/idl.js';
import type { ResourceId } from '../firefly/address.js';
import type { Cell, ResourceActor } from './cell.js';
import type { HandlerResourceSpec, ResourceContext } from './resource.js';
import { produce } from './stream.js';
import type { Envelope } from './types.js';

type HandlerSnapshot = Snapshot<undefined> & { context: undefined };
type Handler = (args: unknown, ctx: ResourceContext, caller: ResourceId | undefined) => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const INITIAL: HandlerSnapshot = Object.freeze({ status: 'active', output: undefined, error: undefined, context: undefined });

/**
 * A handler object as xstate actor logic. The actor's transition runs the handler for each
 * message; the cell's mailbox decides how many run at once. A handler that throws a GlowError
 * answers with it; any other failure (sync or async) puts the actor in `error` status, which
 * the cell turns into a crash.
 *
 * It is also the {@link ResourceActor} its cell drives. A class, not an object of closures:
 * every resource has one, so its methods live on the prototype and an idle resource pays one
 * small object for its logic and its driving.
 */
class HandlerLogic implements ActorLogic<HandlerSnapshot, Envelope>, ResourceActor {
  private readonly handlers: Record<string, Handler>;
  private readonly onSignal: ((signal: unknown, ctx: ResourceContext) => unknown) | undefined;
  private readonly actor: Actor<HandlerLogic>;

  constructor(
    private readonly cell: Cell,
    spec: HandlerResourceSpec<InterfaceDef>,
    private readonly ctx: ResourceContext,
  ) {
    this.handlers = spec.handlers as unknown as Record<string, Handler>;
    this.onSignal = spec.onSignal as ((signal: unknown, ctx: ResourceContext) => unknown) | undefined;
    this.actor = createActor(this);
    // The logic observes its own actor; it has only `error`, so xstate binds just that.
    this.actor.subscribe(this);
  }

  start(): void {
    this.actor.start();
  }

  stop(): void {
    this.actor.stop();
  }

  deliver(envelope: Envelope): void {
    this.actor.send(envelope);
  }

  transition(snapshot: HandlerSnapshot, envelope: Envelope | { type: 'xstate.stop' }): HandlerSnapshot {
    // xstate stops an actor by sending its logic `xstate.stop`; there is nothing to handle. (Taken
    // for a message, it threw, and every resource's end was reported as a crash to ignore.)
    if (envelope.type === 'xstate.stop') return snapshot;
    const cell = this.cell;
    let result: unknown;
    try {
      if (envelope.type === 'glow.down' || envelope.type === 'glow.exit') {
        result = this.onSignal?.(envelope, this.ctx);
      } else {
        // The member was looked up with Object.hasOwn and its arguments validated on entry.
        result = this.handlers[envelope.member]!(envelope.args, this.ctx, envelope.caller);
        if (envelope.type === 'glow.stream') {
          produce(cell, result as Iterable<unknown>, envelope.sink);
          result = undefined;
        }
      }
    } catch (error) {
      if (error instanceof GlowError) {
        if (envelope.type === 'glow.stream') envelope.sink.error(error);
        cell.settle(envelope, error);
        return snapshot;
      }
      return { ...snapshot, status: 'error', error };
    }
    if (isThenable(result)) {
      result.then(
        (value) => cell.settle(envelope, value),
        (error: unknown) => {
          if (error instanceof GlowError) cell.settle(envelope, error);
          else cell.crash(error);
        },
      );
    } else cell.settle(envelope, result);
    return snapshot;
  }

  getInitialSnapshot(): HandlerSnapshot {
    return INITIAL;
  }

  getPersistedSnapshot(snapshot: HandlerSnapshot): HandlerSnapshot {
    return snapshot;
  }

  /** Observer of the actor: an error status (a failed transition) crashes the cell. */
  error(error: unknown): void {
    this.cell.crash(error);
  }
}

/**
 * A handler resource's actor for a cell: the handler object as xstate logic, with the context
 * `makeContext` builds for that cell.
 */
export function handlerActor(spec: HandlerResourceSpec<InterfaceDef>, makeContext: (cell: Cell) => ResourceContext): (cell: Cell) => ResourceActor {
  return (cell) => new HandlerLogic(cell, spec, makeContext(cell));
}
