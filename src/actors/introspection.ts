import { formatResourceId } from '../firefly/address.js';
import type { Cell } from './cell.js';
import type { ProcessInfo, ResourceSummary } from './interfaces.js';

/** How a resource is listed. */
export function summarize(cell: Cell): ResourceSummary {
  const summary: ResourceSummary = { id: formatResourceId(cell.id), interface: cell.iface.id };
  if (cell.owner) summary.owner = formatResourceId(cell.owner);
  return summary;
}

/** A process and what it owns, recursively (a supervision tree). */
export function processInfo(cell: Cell): ProcessInfo {
  const owned = cell.ownedCells();
  const info: ProcessInfo = {
    id: formatResourceId(cell.id),
    kind: cell.kind ?? 'resource',
    interface: cell.iface.id,
    resources: owned.filter((child) => child.kind === undefined).map(summarize),
    children: owned.filter((child) => child.kind !== undefined).map(processInfo),
  };
  if (cell.owner) info.owner = formatResourceId(cell.owner);
  return info;
}
