import { createActor } from 'xstate';
import { GlowError, toGlowError } from '../firefly/errors.js';
import type { InterfaceDef, ParsedArgsOf, ReturnOf } from '../firefly/idl.js';
import type { Cell, ResourceActor } from './cell.js';
import type { MachineResourceSpec } from './resource.js';
import type { Envelope, Signal } from './types.js';

/** A call in progress inside a machine: reply to it (now or later) with {@link reply} or {@link replyTo}. */
export interface CallToken<R = unknown> {
  /** Answers the call. */
  resolve(value: R): void;
  /** Answers the call with an error (the machine goes on). */
  reject(error: GlowError): void;
}

/**
 * The events a machine resource receives for interface `I`: one per member, named after it,
 * with validated `args` and (for methods) the `call` to answer; plus signals.
 */
export type MachineEvent<I extends InterfaceDef> =
  | {
      [K in keyof I['members'] & string]: I['members'][K]['kind'] extends 'method'
        ? { type: K; args: ParsedArgsOf<I, K>; call: CallToken<ReturnOf<I, K>> }
        : I['members'][K]['kind'] extends 'cast'
          ? { type: K; args: ParsedArgsOf<I, K>; call?: undefined }
          : never;
    }[keyof I['members'] & string]
  | Signal;

/** Answers a call later, from a token the machine kept in its context. */
export function replyTo<R>(call: CallToken<R> | undefined, value: R): void {
  call?.resolve(value);
}

/**
 * An xstate action that answers the current call with what `compute` returns:
 * `on: { add: { actions: reply(({ context, event }) => context.count + event.args.by) } }`.
 */
export function reply<TContext, TEvent extends { call?: CallToken<any> }>(
  compute: (params: { context: TContext; event: TEvent }) => unknown,
): (params: { context: TContext; event: TEvent }) => void {
  return (params) => {
    const call = params.event.call;
    if (!call) return;
    let value: unknown;
    try {
      value = compute(params);
    } catch (error) {
      // A GlowError is an answer; anything else is a bug in the machine and crashes it.
      if (error instanceof GlowError) return call.reject(error);
      throw error;
    }
    call.resolve(value);
  };
}

/** A machine resource's actor for a cell: calls and casts become events named after the member. */
export function machineActor(spec: MachineResourceSpec<InterfaceDef>): (cell: Cell) => ResourceActor {
  return (cell) => {
    const actor = createActor(spec.machine, { input: spec.input });
    actor.subscribe({ error: (error) => cell.crash(error), complete: () => cell.exit('normal') });
    const deliver = (envelope: Envelope) => {
      if (envelope.type === 'glow.down' || envelope.type === 'glow.exit') {
        actor.send(envelope);
        cell.settle(envelope);
      } else if (envelope.type === 'glow.call') {
        let settled = false;
        const call: CallToken = {
          resolve: (value) => {
            if (!settled) {
              settled = true;
              cell.settle(envelope, value);
            }
          },
          reject: (error) => {
            if (!settled) {
              settled = true;
              cell.settle(envelope, toGlowError(error));
            }
          },
        };
        actor.send({ type: envelope.member, args: envelope.args, call });
      } else if (envelope.type === 'glow.cast') {
        actor.send({ type: envelope.member, args: envelope.args });
        cell.settle(envelope);
      } else {
        envelope.sink.error(new GlowError('nomethod', 'machine resources do not serve streams'));
        cell.settle(envelope);
      }
    };
    return { start: () => actor.start(), stop: () => actor.stop(), deliver };
  };
}
