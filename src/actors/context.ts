import type { ResourceId } from '../firefly/address.js';
import type { InterfaceDef } from '../firefly/idl.js';
import type { Cell } from './cell.js';
import type { Node } from './node.js';
import { ResourceRef, type AnyResourceRef } from './ref.js';
import type { ResourceContext, ResourceSpec } from './resource.js';
import type { Signals } from './signals.js';
import type { ExitReason } from './types.js';

function idOf(target: AnyResourceRef | ResourceId): ResourceId {
  return target instanceof ResourceRef ? target.id : target;
}

/**
 * The {@link ResourceContext} of one cell. Methods live on the prototype and the ref is made on
 * first use, so an idle resource pays two fields for its context.
 */
export class CellContext<I extends InterfaceDef = InterfaceDef> implements ResourceContext<I> {
  private ref?: ResourceRef<I>;

  constructor(
    readonly node: Node,
    protected readonly cell: Cell,
    private readonly signals: Signals,
  ) {}

  get self(): ResourceRef<I> {
    return (this.ref ??= new ResourceRef(this.node, this.cell.id, this.cell.iface as I));
  }

  exit(reason: ExitReason = 'normal'): void {
    // Deferred so that a handler can return (and its reply go out) before the resource ends.
    this.cell.exitSoon(reason);
  }

  monitor(target: AnyResourceRef | ResourceId): number {
    const id = idOf(target);
    const cell = this.cell;
    const monitor: number = this.signals.monitor(id, (reason) => cell.signal({ type: 'glow.down', monitor, id, reason }), cell);
    return monitor;
  }

  demonitor(monitor: number): void {
    this.cell.unwatch(monitor);
    this.signals.demonitor(monitor);
  }

  link(target: AnyResourceRef | ResourceId): void {
    this.signals.link(this.cell, idOf(target));
  }

  unlink(target: AnyResourceRef | ResourceId): void {
    this.signals.unlink(this.cell, idOf(target));
  }

  trapExit(on: boolean): void {
    this.cell.trapExit(on);
  }

  spawn<J extends InterfaceDef>(spec: ResourceSpec<J>): ResourceRef<J> {
    return this.node.spawnResource(spec, { owner: this.cell.id });
  }
}
