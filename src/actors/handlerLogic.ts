import { createActor, type ActorLogic, type Snapshot } from 'xstate';
import { GlowError } from '../firefly/errors.js';
import type { InterfaceDef } from '../firefly/idl.js';
import type { Cell } from './cell.js';
import type { HandlerResourceSpec, ResourceContext } from './resource.js';
import { produce } from './stream.js';
import type { Envelope } from './types.js';

type HandlerSnapshot = Snapshot<undefined> & { context: undefined };
type Handler = (args: unknown, ctx: ResourceContext) => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const INITIAL: HandlerSnapshot = Object.freeze({ status: 'active', output: undefined, error: undefined, context: undefined });

/**
 * Wraps a handler object into xstate actor logic. The actor's transition runs the handler for
 * each message; the cell's mailbox decides how many run at once. A handler that throws a
 * GlowError answers with it; any other failure (sync or async) puts the actor in `error`
 * status, which the cell turns into a crash.
 */
export function handlerLogic(cell: Cell, spec: HandlerResourceSpec<InterfaceDef>, ctx: ResourceContext): ActorLogic<HandlerSnapshot, Envelope> {
  const handlers = spec.handlers as unknown as Record<string, Handler>;
  const onSignal = spec.onSignal as ((signal: unknown, ctx: ResourceContext) => unknown) | undefined;
  const failAsync = (envelope: Envelope) => (error: unknown) => {
    if (error instanceof GlowError) cell.settle(envelope, error);
    else cell.crash(error);
  };
  return {
    transition(snapshot, envelope) {
      let result: unknown;
      try {
        if (envelope.type === 'glow.down' || envelope.type === 'glow.exit') {
          result = onSignal?.(envelope, ctx);
        } else {
          // The member was looked up with Object.hasOwn and its arguments validated on entry.
          result = handlers[envelope.member]!(envelope.args, ctx);
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
      if (isThenable(result)) result.then((value) => cell.settle(envelope, value), failAsync(envelope));
      else cell.settle(envelope, result);
      return snapshot;
    },
    getInitialSnapshot: () => INITIAL,
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

/** Starts a handler resource's actor on its cell. */
export function startHandlerActor(cell: Cell, spec: HandlerResourceSpec<InterfaceDef>, ctx: ResourceContext): void {
  const actor = createActor(handlerLogic(cell, spec, ctx));
  cell.actor = actor;
  cell.deliver = (envelope) => actor.send(envelope);
  actor.subscribe({ error: (error) => cell.crash(error) });
  actor.start();
}
