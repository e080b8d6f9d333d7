import type { ResourceId } from '../firefly/address.js';
import type { InterfaceDef } from '../firefly/idl.js';
import type { Cell } from './cell.js';
import type { Node } from './node.js';
import { ResourceRef, type AnyResourceRef } from './ref.js';
import type { ResourceContext, ResourceSpec } from './resource.js';
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
    const monitor: number = this.node.signalTable.monitor(
      id,
      (reason) => cell.signal({ type: 'glow.down', monitor, id, reason }),
      cell,
    );
    return monitor;
  }

  demonitor(monitor: number): void {
    this.cell.watching?.delete(monitor);
    this.node.signalTable.demonitor(monitor);
  }

  link(target: AnyResourceRef | ResourceId): void {
    this.node.signalTable.link(this.cell, idOf(target));
  }

  unlink(target: AnyResourceRef | ResourceId): void {
    this.node.signalTable.unlink(this.cell, idOf(target));
  }

  trapExit(on: boolean): void {
    this.cell.trapExit = on;
  }

  spawn<J extends InterfaceDef>(spec: ResourceSpec<J>): ResourceRef<J> {
    return this.node.spawnResource(spec, { owner: this.cell.id });
  }
}
