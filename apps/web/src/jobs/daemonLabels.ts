/**
 * How the Jobs view names a daemon's scheduler or worker: the page's daemon by its name (from
 * `/api/info`) and "served this page", any other by its device name (`nameOf`: from its
 * certificate, else the start of its node id).
 */
import type { NodeId } from '../../../../src/firefly/address.js';
import { shortId } from '../dom.js';
import type { FoundResource } from '../meshQueries.js';

/** Labels for the daemons of the mesh. */
export interface DaemonLabels {
  /** Asks the page's daemon for its name, once it answers one; a failure leaves it unnamed. */
  learn(): Promise<void>;
  /** The label of `found`, a resource of `node`. */
  label(found: FoundResource, node: NodeId | undefined): string;
}

/** Labels relative to `daemon`, the node that served the page (once known). */
export function daemonLabels(daemon: () => NodeId | undefined, nameOf: (node: NodeId) => string = shortId): DaemonLabels {
  let name: string | undefined;
  return {
    async learn() {
      if (name !== undefined) return;
      try {
        const response = await fetch('/api/info', { cache: 'no-store' });
        const info = response.ok ? ((await response.json()) as { node?: string; name?: unknown }) : undefined;
        if (info && info.node === daemon() && typeof info.name === 'string') name = info.name;
      } catch {
        // Unnamed it is: the label falls back to the node id.
      }
    },
    label(found, node) {
      const ours = node !== undefined && node === daemon();
      const who = ours && name ? name : node ? nameOf(node) : `daemon ${found.id}`;
      return `${who}${ours ? ' — served this page' : ''}`;
    },
  };
}
