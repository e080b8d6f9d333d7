import { GlowError, toGlowError, errorToWire } from '../firefly/errors.js';
import type { InterfaceDef, Schema } from '../firefly/idl.js';
import { validate } from '../firefly/validate.js';
import { formatResourceId } from '../firefly/address.js';
import type { Cell } from './cell.js';
import { CellContext } from './context.js';
import { ProcessInterface, type ProcessInfo, type ResourceSummary } from './interfaces.js';
import type { Node, SpawnOptions } from './node.js';
import { processInfo } from './introspection.js';
import { ResourceRef, type AnyResourceRef } from './ref.js';
import type { HandlerResourceSpec, ResourceContext } from './resource.js';
import type { Signals } from './signals.js';
import type { Signal } from './types.js';
import type { ResourceId } from '../firefly/address.js';

/** What starting a process needs from its node. */
export interface ProcessHost {
  /** The node, as the process's code sees it (`ctx.node`). */
  readonly node: Node;
  readonly signals: Signals;
  /** A local cell by its local id. */
  cell(local: string): Cell | undefined;
  /** Starts the process's own resource, marked with its kind, with the context `context` builds. */
  spawnCell(spec: HandlerResourceSpec<InterfaceDef>, options: SpawnOptions & { kind: string; context: (cell: Cell) => CellContext }): Cell;
  /** Keeps a process's clean-up running after it ended: the node's shutdown waits for it. */
  finishing(work: Promise<unknown>): void;
}

/** A member handler; `caller` is the sender when it came from another node (as for handler resources). */
type Handler = (args: any, ctx: ResourceContext, caller?: ResourceId) => unknown;

/** What a process kind's start function may give back: handlers for its extra members, a signal handler. */
export interface ProcessBehaviour {
  /** Handlers of the members the kind's interface adds to `glow.Process/1`. */
  handlers?: Record<string, Handler>;
  /** Receives `DOWN`, and `EXIT` when the process traps exits. */
  onSignal?: (signal: Signal, ctx: ProcessContext) => void | Promise<void>;
  /**
   * Runs once the process has ended, whatever the reason (OTP's `terminate`): saves state, stops
   * timers and work in flight. The node's shutdown resolves only after it settles (within the
   * shutdown's timeout), so nothing the process owns is written after its node has stopped.
   */
  terminate?: () => Promise<void> | void;
}

/** The context of a process: a resource context whose `spawn` creates resources the process owns. */
export interface ProcessContext extends ResourceContext {
  /** Registers a name for a resource (this process by default); freed when that resource ends. */
  register(name: string, ref?: AnyResourceRef): void;
}

/**
 * A program integrated with the node. `start` creates the process's resources through its
 * context; resolving means the process is up. Kinds are registered in code or loaded from a
 * module (`Node.loadKinds`), so a plugin is just a package that exports kinds.
 */
export interface ProcessKind<A = any> {
  /** The name `spawn` takes. */
  readonly name: string;
  readonly description?: string;
  /** Validates `spawn`'s arguments before `start` sees them. */
  readonly args?: Schema;
  /** The process's interface when it answers more than `glow.Process/1` (see `processInterface`). */
  readonly interface?: InterfaceDef;
  /** Options of the process's own mailbox. */
  readonly concurrency?: number;
  start(ctx: ProcessContext, args: A): void | ProcessBehaviour | Promise<void | ProcessBehaviour>;
}

class ProcessCellContext extends CellContext implements ProcessContext {
  register(name: string, ref?: AnyResourceRef): void {
    this.node.register(name, ref?.id ?? this.cell.id);
  }
}

/**
 * Starts a process: its own resource (answering `glow.Process/1` and the kind's members), then
 * the kind's start function. A start that throws ends the process and rejects with `crashed`.
 */
export async function spawnProcess(host: ProcessHost, kind: ProcessKind, rawArgs: unknown, options: SpawnOptions): Promise<ResourceRef> {
  const node = host.node;
  const args = kind.args ? await validate(kind.args, rawArgs ?? {}) : rawArgs;
  let behaviour: ProcessBehaviour | undefined;
  let ctx: ProcessCellContext | undefined;
  // Messages that arrive while `start` runs wait for it (in order: the process handles one at a time).
  let ready = false;
  let markReady!: () => void;
  const started = new Promise<void>((resolve) => (markReady = resolve));
  const handlers: Record<string, Handler> = {
    info: (): ProcessInfo => processInfo(cell),
    resources: (): ResourceSummary[] => processInfo(cell).resources,
    terminate: ({ reason }: { reason?: 'normal' | 'shutdown' }, resourceCtx) => {
      resourceCtx.exit(reason ?? 'shutdown');
      return { terminated: true };
    },
  };
  const iface = kind.interface ?? ProcessInterface;
  const base: Record<string, Handler> = handlers;
  const dispatch: Record<string, Handler> = {};
  for (const member of Object.keys(iface.members)) {
    // A kind may override the base members too (a supervisor terminates its children in order).
    const run = (memberArgs: unknown, resourceCtx: ResourceContext, caller?: ResourceId) => {
      const handler = behaviour?.handlers?.[member] ?? (Object.hasOwn(base, member) ? base[member] : undefined);
      if (!handler) throw new GlowError('nomethod', `process ${kind.name} does not implement ${member}`);
      return handler(memberArgs, resourceCtx, caller);
    };
    dispatch[member] = (memberArgs, resourceCtx, caller) =>
      ready ? run(memberArgs, resourceCtx, caller) : started.then(() => run(memberArgs, resourceCtx, caller));
  }
  const cell = host.spawnCell(
    {
      iface,
      handlers: dispatch as never,
      concurrency: kind.concurrency,
      onSignal: (signal: Signal) => (ready ? behaviour?.onSignal?.(signal, ctx!) : started.then(() => behaviour?.onSignal?.(signal, ctx!))),
    },
    { ...options, kind: kind.name, context: (created) => (ctx = new ProcessCellContext(node, created, host.signals)) },
  );
  const ref = new ResourceRef(node, cell.id, iface);
  try {
    behaviour = (await kind.start(ctx!, args)) ?? undefined;
    ready = true;
    markReady();
    const terminate = behaviour?.terminate;
    if (terminate) node.monitor(ref, () => host.finishing(Promise.resolve().then(terminate)));
  } catch (error) {
    const failure = toGlowError(error);
    // Like OTP's proc_lib:start_link, an owner that traps exits learns of the failure from the
    // rejection only: a late EXIT from a process it never got a ref to would read as another's.
    const owner = options.owner?.node === node.id ? host.cell(options.owner.local) : undefined;
    if (owner?.trapsExits) host.signals.unlink(cell, owner.id);
    cell.exit({ error: errorToWire(failure) });
    throw new GlowError('crashed', `process ${kind.name} failed to start: ${failure.message}`, { kind: kind.name, error: errorToWire(failure) });
  }
  if (cell.status !== 'running') {
    throw new GlowError('crashed', `process ${kind.name} ended while starting (${formatResourceId(ref.id)})`, { reason: cell.exitReason });
  }
  return ref;
}
