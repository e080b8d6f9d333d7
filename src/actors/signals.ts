import { formatResourceId, type NodeId, type ResourceId } from '../firefly/address.js';
import type { Cell } from './cell.js';
import type { Node } from './node.js';
import type { ExitReason } from './types.js';

/**
 * Monitors and links (OTP semantics) between resources. A monitor is one-way and fires one
 * `DOWN` with the reason; a link is two-way and propagates abnormal exits, which a resource
 * that traps exits receives as `EXIT` messages instead.
 */
export class Signals {
  private seq = 0;
  /** Monitor id → the cell it watches (local targets) or the node of a remote target. */
  private readonly targets = new Map<number, Cell | string>();

  constructor(private readonly node: Node) {}

  /** Next monitor id; unique on this node. */
  nextMonitorId(): number {
    return ++this.seq;
  }

  /**
   * Sets a monitor on `target`; `fire` runs once with the exit reason. A target that is already
   * gone fires `noproc` on the next microtask (never synchronously, so callers can finish setup).
   */
  monitor(target: ResourceId, fire: (reason: ExitReason) => void, watcher?: Cell): number {
    const id = this.nextMonitorId();
    const once = (reason: ExitReason) => {
      this.targets.delete(id);
      watcher?.watching?.delete(id);
      fire(reason);
    };
    if (watcher) (watcher.watching ??= new Set()).add(id);
    if (target.node !== this.node.id) {
      this.targets.set(id, target.node);
      this.node.remoteMonitor(target, id, once);
      return id;
    }
    const cell = this.node.cell(target.local);
    if (!cell || cell.status !== 'running') {
      queueMicrotask(() => once('noproc'));
      return id;
    }
    (cell.monitors ??= new Map()).set(id, once);
    this.targets.set(id, cell);
    return id;
  }

  /** Removes a monitor; it will not fire. */
  demonitor(id: number): void {
    const target = this.targets.get(id);
    this.targets.delete(id);
    if (typeof target === 'string') this.node.remoteDemonitor(target, id);
    else target?.monitors?.delete(id);
  }

  /** Local cells linked to resources of each other node, so a lost node breaks their links at once. */
  private readonly remoteLinks = new Map<NodeId, Set<Cell>>();

  /** Links a local cell to a resource. Linking to a resource that is gone delivers `noproc` (OTP). */
  link(cell: Cell, target: ResourceId): void {
    if (target.node !== this.node.id) {
      if (cell.status !== 'running') return;
      (cell.links ??= new Map()).set(formatResourceId(target), target);
      this.indexRemote(cell, target.node);
      this.node.remoteSignal('link', cell.id, target);
      return;
    }
    const other = target.node === this.node.id ? this.node.cell(target.local) : undefined;
    if (!other || other.status !== 'running') {
      queueMicrotask(() => this.deliver(cell, target, 'noproc'));
      return;
    }
    if (other === cell) return;
    (cell.links ??= new Map()).set(formatResourceId(other.id), other.id);
    (other.links ??= new Map()).set(formatResourceId(cell.id), cell.id);
  }

  private indexRemote(cell: Cell, node: NodeId): void {
    let cells = this.remoteLinks.get(node);
    if (!cells) this.remoteLinks.set(node, (cells = new Set()));
    cells.add(cell);
  }

  /** Removes a link in both directions. */
  unlink(cell: Cell, target: ResourceId): void {
    const key = formatResourceId(target);
    cell.links?.delete(key);
    if (target.node !== this.node.id) return this.node.remoteSignal('unlink', cell.id, target);
    const other = target.node === this.node.id ? this.node.cell(target.local) : undefined;
    other?.links?.delete(formatResourceId(cell.id));
  }

  /** OTP `exit/2`: an exit signal from `from` to `target`. */
  exit(target: ResourceId, reason: ExitReason | 'kill', from: ResourceId): void {
    if (target.node !== this.node.id) return this.node.remoteSignal('exit', from, target, reason);
    const cell = this.node.cell(target.local);
    if (!cell) return;
    if (reason === 'kill') return cell.exit('killed');
    this.deliver(cell, from, reason);
  }

  /** Delivers an exit signal to a cell: a message when it traps exits, else its end unless `normal`. */
  private deliver(cell: Cell, from: ResourceId, reason: ExitReason): void {
    if (cell.status !== 'running') return;
    if (cell.trapExit) cell.signal({ type: 'glow.exit', from, reason });
    else if (reason !== 'normal') cell.exit(reason);
  }

  /** A cell ended: drop its own monitors, fire monitors on it, propagate to its links. */
  cellExited(cell: Cell, reason: ExitReason): void {
    if (cell.watching) for (const id of [...cell.watching]) this.demonitor(id);
    cell.watching = undefined;
    const monitors = cell.monitors;
    cell.monitors = undefined;
    if (monitors) for (const fire of monitors.values()) fire(reason);
    const links = cell.links;
    cell.links = undefined;
    if (links) {
      const key = formatResourceId(cell.id);
      for (const id of links.values()) {
        if (id.node !== this.node.id) {
          this.remoteLinks.get(id.node)?.delete(cell);
          this.node.remoteSignal('exit', cell.id, id, reason);
          continue;
        }
        const other = this.node.cell(id.local);
        if (!other) continue;
        other.links?.delete(key);
        this.deliver(other, cell.id, reason);
      }
    }
  }

  /** A resource on another node linked to one of ours (`link` signal); false when ours is gone. */
  linkFromRemote(local: ResourceId, remote: ResourceId): boolean {
    const cell = this.node.cell(local.local);
    if (!cell || cell.status !== 'running') return false;
    (cell.links ??= new Map()).set(formatResourceId(remote), remote);
    this.indexRemote(cell, remote.node);
    return true;
  }

  /** An `unlink` signal from another node. */
  unlinkFromRemote(local: ResourceId, remote: ResourceId): void {
    this.node.cell(local.local)?.links?.delete(formatResourceId(remote));
  }

  /** An `exit` signal from another node: a linked resource ended, or OTP `exit/2` from there. */
  exitFromRemote(local: ResourceId, from: ResourceId, reason: ExitReason | 'kill'): void {
    const cell = this.node.cell(local.local);
    if (!cell) return;
    cell.links?.delete(formatResourceId(from));
    if (reason === 'kill') return cell.exit('killed');
    this.deliver(cell, from, reason);
  }

  /** A node is gone: every link to its resources breaks with `noconnection`. */
  nodeUnreachable(node: NodeId): void {
    const cells = this.remoteLinks.get(node);
    this.remoteLinks.delete(node);
    if (!cells) return;
    for (const cell of cells) {
      if (!cell.links) continue;
      for (const [key, id] of cell.links) {
        if (id.node !== node) continue;
        cell.links.delete(key);
        this.deliver(cell, id, 'noconnection');
      }
    }
  }
}
