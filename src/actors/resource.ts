import type { AnyStateMachine } from 'xstate';
import type { CastSpec, InterfaceDef, MethodSpec, ParsedArgsOf, ReturnOf, StreamSpec, YieldOf } from '../firefly/idl.js';
import type { ResourceId } from '../firefly/address.js';
import type { ResourceRef, AnyResourceRef } from './ref.js';
import type { ExitReason, ResourceOptions, Signal } from './types.js';
import type { Node } from './node.js';

/**
 * What a resource's code can do besides answering messages: address itself, reach the node,
 * watch and link to others, own resources, and end itself.
 */
export interface ResourceContext<I extends InterfaceDef = InterfaceDef> {
  /** This resource. */
  readonly self: ResourceRef<I>;
  /** The node it runs on. */
  readonly node: Node;
  /** Ends this resource with `reason` (`normal` by default). */
  exit(reason?: ExitReason): void;
  /** Watches another resource: a `DOWN` signal arrives when it ends. Returns the monitor id. */
  monitor(target: AnyResourceRef | ResourceId): number;
  /** Stops a monitor; no `DOWN` arrives for it afterwards. */
  demonitor(monitor: number): void;
  /** Links to another resource: when either ends abnormally, the other does too (or gets `EXIT` when trapping). */
  link(target: AnyResourceRef | ResourceId): void;
  /** Removes a link. */
  unlink(target: AnyResourceRef | ResourceId): void;
  /** Turns `EXIT` signals from links into messages (`onSignal`) instead of ending this resource. */
  trapExit(on: boolean): void;
  /** Starts a resource owned by (and linked to) this one: it ends when this one ends. */
  spawn<J extends InterfaceDef>(spec: ResourceSpec<J>): ResourceRef<J>;
}

/**
 * The handlers of an interface, typed by it: a method returns its result (or a Promise of it),
 * a cast returns nothing, a stream returns an iterable or async iterable of items. Throwing a
 * GlowError replies that error and the resource goes on; throwing anything else crashes it.
 * `caller` is the sender when it came from another node (its node proved its key to the link).
 */
export type Handlers<I extends InterfaceDef> = {
  [K in keyof I['members'] & string]: I['members'][K] extends MethodSpec
    ? (args: ParsedArgsOf<I, K>, ctx: ResourceContext<I>, caller?: ResourceId) => ReturnOf<I, K> | Promise<ReturnOf<I, K>>
    : I['members'][K] extends CastSpec
      ? (args: ParsedArgsOf<I, K>, ctx: ResourceContext<I>, caller?: ResourceId) => void | Promise<void>
      : I['members'][K] extends StreamSpec
        ? (args: ParsedArgsOf<I, K>, ctx: ResourceContext<I>, caller?: ResourceId) => AsyncIterable<YieldOf<I, K>> | Iterable<YieldOf<I, K>>
        : never;
};

/** A resource written as a handler object. */
export interface HandlerResourceSpec<I extends InterfaceDef> extends ResourceOptions {
  readonly iface: I;
  readonly handlers: Handlers<I>;
  /** Receives `DOWN` signals and, when trapping exits, `EXIT` signals. */
  readonly onSignal?: (signal: Signal, ctx: ResourceContext<I>) => void | Promise<void>;
}

/**
 * A resource written as an xstate machine. Calls and casts arrive as events named after the
 * member (`{ type: 'add', args, call }`, see {@link MachineEvent}); the machine answers with the
 * `reply` action. Signals arrive as `glow.down` / `glow.exit` events. A final state ends the
 * resource normally; an error in the machine crashes it.
 */
export interface MachineResourceSpec<I extends InterfaceDef> extends ResourceOptions {
  readonly iface: I;
  readonly machine: AnyStateMachine;
  /** The machine's input. */
  readonly input?: unknown;
}

/** Either way of writing a resource. */
export type ResourceSpec<I extends InterfaceDef> = HandlerResourceSpec<I> | MachineResourceSpec<I>;
