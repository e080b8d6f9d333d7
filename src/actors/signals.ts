import type { NodeId, ResourceId } from '../firefly/address.js';
import type { Cell } from './cell.js';
import type { ExitReason } from './types.js';

/** How signals reach resources of other nodes (the node's outgoing side). */
export interface RemoteSignalPort {
  /** Sets a monitor on a remote resource; `fire` runs once with the reason. False when nothing can leave the node. */
  monitor(target: ResourceId, monitor: number, fire: (reason: ExitReason) => void): boolean;
  /** Drops a monitor set on a resource of `node`. */
  demonitor(node: NodeId, monitor: number): void;
  /** Sends a link, unlink or exit signal from a local resource to a remote one. False when nothing can leave the node. */
  signal(name: 'link' | 'unlink' | 'exit', from: ResourceId, target: ResourceId, reason?: ExitReason | 'kill'): boolean;
}

/** What the signal bookkeeping needs from its node. */
export interface SignalsHost {
  readonly id: NodeId;
  /** A local cell by its local id. */
  cell(local: string): Cell | undefined;
  readonly remote: RemoteSignalPort;
}

/**
 * Monitors and links (OTP semantics) between resources. A monitor is one-way and fires one
 * `DOWN` with the reason; a link is two-way and propagates abnormal exits, which a resource
 * that traps exits receives as `EXIT` messages instead.
 *
 * Everything here is indexed so that it is forgotten when it can no longer fire: a monitor
 * when it fires or is dropped, a link when either end unlinks or ends, a node's index entry
 * when no local cell is linked to it any more.
 */
export class Signals {
  private seq = 0;
  /** Monitor id → the cell it watches (local targets) or the node of a remote target. */
  private readonly targets = new Map<number, Cell | NodeId>();
  /** Local cells linked to resources of each other node, so a lost node breaks their links at once. */
  private readonly remoteLinks = new Map<NodeId, Set<Cell>>();

  constructor(private readonly host: SignalsHost) {}

  /** Monitors set and not yet fired or dropped. */
  get monitorCount(): number {
    return this.targets.size;
  }

  /** Local cells indexed as linked to other nodes, summed over those nodes. */
  get remotelyLinkedCount(): number {
    let count = 0;
    for (const cells of this.remoteLinks.values()) count += cells.size;
    return count;
  }

  /**
   * Sets a monitor on `target`; `fire` runs once with the exit reason. A target that is already
   * gone fires `noproc` on the next microtask (never synchronously, so callers can finish setup).
   * A `watcher` cell drops the monitor when it ends.
   */
  monitor(target: ResourceId, fire: (reason: ExitReason) => void, watcher?: Cell): number {
    const id = ++this.seq;
    const once = (reason: ExitReason) => {
      this.targets.delete(id);
      watcher?.unwatch(id);
      fire(reason);
    };
    watcher?.watch(id);
    if (target.node !== this.host.id) {
      this.targets.set(id, target.node);
      // Nothing can leave the node: the target's node is unreachable, now.
      if (!this.host.remote.monitor(target, id, once)) queueMicrotask(() => once('noconnection'));
      return id;
    }
    const cell = this.host.cell(target.local);
    if (!cell?.addMonitor(id, once)) {
      queueMicrotask(() => once('noproc'));
      return id;
    }
    this.targets.set(id, cell);
    return id;
  }

  /** Removes a monitor; it will not fire. */
  demonitor(id: number): void {
    const target = this.targets.get(id);
    if (target === undefined) return;
    this.targets.delete(id);
    if (typeof target === 'string') this.host.remote.demonitor(target, id);
    else target.removeMonitor(id);
  }

  /** Links a local cell to a resource. Linking to a resource that is gone delivers `noproc` (OTP). */
  link(cell: Cell, target: ResourceId): void {
    if (cell.status !== 'running') return;
    if (target.node !== this.host.id) {
      cell.addLink(target);
      this.indexRemote(cell, target.node);
      if (!this.host.remote.signal('link', cell.id, target)) queueMicrotask(() => this.exitFromRemote(cell.id, target, 'noconnection'));
      return;
    }
    const other = this.host.cell(target.local);
    if (!other || other.status !== 'running') {
      queueMicrotask(() => this.deliver(cell, target, 'noproc'));
      return;
    }
    if (other === cell) return;
    cell.addLink(other.id);
    other.addLink(cell.id);
  }

  /** Removes a link in both directions. */
  unlink(cell: Cell, target: ResourceId): void {
    cell.removeLink(target);
    if (target.node !== this.host.id) {
      this.unindexRemote(cell, target.node);
      this.host.remote.signal('unlink', cell.id, target);
      return;
    }
    this.host.cell(target.local)?.removeLink(cell.id);
  }

  /** OTP `exit/2`: an exit signal from `from` to `target`. */
  exit(target: ResourceId, reason: ExitReason | 'kill', from: ResourceId): void {
    if (target.node !== this.host.id) {
      this.host.remote.signal('exit', from, target, reason);
      return;
    }
    const cell = this.host.cell(target.local);
    if (!cell) return;
    if (reason === 'kill') return cell.exit('killed');
    this.deliver(cell, from, reason);
  }

  /** Delivers an exit signal to a cell: a message when it traps exits, else its end unless `normal`. */
  private deliver(cell: Cell, from: ResourceId, reason: ExitReason): void {
    if (cell.status !== 'running') return;
    if (cell.trapsExits) cell.signal({ type: 'glow.exit', from, reason });
    else if (reason !== 'normal') cell.exit(reason);
  }

  /** A cell ended: drop its own monitors, fire monitors on it, propagate to its links. */
  cellExited(cell: Cell, reason: ExitReason): void {
    const { monitors, links, watching } = cell.takeTies();
    if (watching) for (const id of watching) this.demonitor(id);
    if (monitors) {
      for (const [id, fire] of monitors) {
        this.targets.delete(id);
        fire(reason);
      }
    }
    if (!links) return;
    const unindexed = new Set<NodeId>();
    for (const id of links.values()) {
      if (id.node !== this.host.id) {
        if (!unindexed.has(id.node)) {
          unindexed.add(id.node);
          this.unindexRemote(cell, id.node);
        }
        this.host.remote.signal('exit', cell.id, id, reason);
        continue;
      }
      const other = this.host.cell(id.local);
      if (!other) continue;
      other.removeLink(cell.id);
      this.deliver(other, cell.id, reason);
    }
  }

  /** A resource on another node linked to one of ours (`link` signal); false when ours is gone. */
  linkFromRemote(local: ResourceId, remote: ResourceId): boolean {
    const cell = this.host.cell(local.local);
    if (!cell || cell.status !== 'running') return false;
    cell.addLink(remote);
    this.indexRemote(cell, remote.node);
    return true;
  }

  /** An `unlink` signal from another node. */
  unlinkFromRemote(local: ResourceId, remote: ResourceId): void {
    const cell = this.host.cell(local.local);
    if (!cell?.removeLink(remote)) return;
    this.unindexRemote(cell, remote.node);
  }

  /** An `exit` signal from another node: a linked resource ended, or OTP `exit/2` from there. */
  exitFromRemote(local: ResourceId, from: ResourceId, reason: ExitReason | 'kill'): void {
    const cell = this.host.cell(local.local);
    if (!cell) return;
    if (cell.removeLink(from)) this.unindexRemote(cell, from.node);
    if (reason === 'kill') return cell.exit('killed');
    this.deliver(cell, from, reason);
  }

  /** A node is gone: every link to its resources breaks with `noconnection`. */
  nodeUnreachable(node: NodeId): void {
    const cells = this.remoteLinks.get(node);
    this.remoteLinks.delete(node);
    if (!cells) return;
    for (const cell of cells) for (const id of cell.takeLinksTo(node)) this.deliver(cell, id, 'noconnection');
  }

  private indexRemote(cell: Cell, node: NodeId): void {
    let cells = this.remoteLinks.get(node);
    if (!cells) this.remoteLinks.set(node, (cells = new Set()));
    cells.add(cell);
  }

  /** Drops `cell` from `node`'s index once it has no link left there (and the node's entry once empty). */
  private unindexRemote(cell: Cell, node: NodeId): void {
    const cells = this.remoteLinks.get(node);
    if (!cells || (cell.status === 'running' && cell.linkedTo(node))) return;
    cells.delete(cell);
    if (cells.size === 0) this.remoteLinks.delete(node);
  }
}
