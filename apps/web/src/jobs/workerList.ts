/**
 * Every worker of the mesh (`glow.Worker/1`, one per daemon): whether it is idle or busy and
 * why, its load and running steps, and a switch that pauses it (`setAvailable`) or resumes it.
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import type { NodeId } from '../../../../src/firefly/address.js';
import { WorkerInterface, type WorkerStatus } from '../../../../src/resources/jobs/interfaces.js';
import { errorText, h } from '../dom.js';
import { VIEW_TIMEOUT, type FoundResource } from '../meshQueries.js';
import type { DaemonLabels } from './daemonLabels.js';
import { nodeOf } from './jobFormat.js';

/** The workers' list. */
export interface WorkerList {
  /** The list's column of the grid. */
  readonly element: HTMLElement;
  /** The workers the mesh has now; `ours` (the page's daemon) goes first. Items of workers that left are removed. */
  set(found: FoundResource[], ours: NodeId | undefined): void;
  /** Asks every worker for its status and draws the answers (while `visible()`). */
  poll(): Promise<void>;
}

/** One worker's item and the last status it answered. */
interface Item {
  item: HTMLElement;
  text: HTMLElement;
  toggle: HTMLButtonElement;
  status?: WorkerStatus;
}

/** An empty list. */
export function workerList(mesh: Mesh, labels: DaemonLabels, visible: () => boolean): WorkerList {
  const list = h('ul', { id: 'workers', class: 'workers', 'aria-label': 'workers' });
  const element = h('div', { class: 'jobs-workers' }, h('h2', {}, 'Workers'), list);
  let workers: FoundResource[] = [];
  const items = new Map<string, Item>();

  const itemOf = (id: string, found: FoundResource): Item => {
    const known = items.get(id);
    if (known) return known;
    const node = nodeOf(id);
    const text = h('span', { class: 'worker-status' });
    const toggle = h('button', { type: 'button', 'data-toggle': id }, 'Pause');
    const item = h('li', { 'data-worker': id, 'data-node': node }, h('strong', {}, labels.label(found, node)), ' ', text, ' ', toggle);
    const entry: Item = { item, text, toggle };
    toggle.onclick = () => {
      if (!entry.status) return;
      const available = !entry.status.available;
      toggle.disabled = true;
      mesh.node
        .ref(id, WorkerInterface)
        .call('setAvailable', { available }, { timeout: VIEW_TIMEOUT })
        .then((next) => draw(id, found, next))
        .catch((cause: unknown) => draw(id, found, entry.status, errorText(cause)))
        .finally(() => (toggle.disabled = false));
    };
    items.set(id, entry);
    list.append(item);
    return entry;
  };

  const draw = (id: string, found: FoundResource, state: WorkerStatus | undefined, problem?: string) => {
    const entry = itemOf(id, found);
    const { item, text, toggle } = entry;
    if (problem !== undefined || !state) {
      item.dataset.error = 'true';
      text.textContent = problem ?? 'no answer';
      text.className = 'worker-status error';
      toggle.disabled = !entry.status;
      return;
    }
    entry.status = state;
    delete item.dataset.error;
    item.dataset.available = String(state.available);
    item.dataset.idle = String(state.idle);
    item.dataset.running = String(state.running);
    text.className = 'worker-status';
    const parts = [
      state.idle ? 'idle' : `busy: ${state.busy.join(', ')}`,
      `load ${state.load.toFixed(2)}`,
      `running ${state.running}/${state.cap}`,
      state.onBattery ? 'on battery' : '',
      state.exec ? 'runs exec' : '',
    ];
    text.textContent = parts.filter(Boolean).join(' · ');
    toggle.textContent = state.available ? 'Pause' : 'Resume';
    toggle.setAttribute('aria-pressed', String(!state.available));
    toggle.setAttribute('aria-label', `${state.available ? 'Pause' : 'Resume'} the worker of ${labels.label(found, nodeOf(id))}`);
  };

  return {
    element,
    set(found, ours) {
      // A stable order: this page's daemon first, then by id.
      workers = [...found].sort((a, b) => Number(nodeOf(b.id) === ours) - Number(nodeOf(a.id) === ours) || a.id.localeCompare(b.id));
      const known = new Set(workers.map((worker) => worker.id));
      for (const [id, entry] of items) {
        if (known.has(id)) continue;
        entry.item.remove();
        items.delete(id);
      }
      if (!workers.length) list.replaceChildren(h('li', { class: 'muted' }, 'no worker in the mesh'));
      else list.querySelector('li.muted')?.remove();
    },
    async poll() {
      await Promise.all(
        workers.map(async (found) => {
          try {
            const state = await mesh.node.ref(found.id, WorkerInterface).call('status', {}, { timeout: VIEW_TIMEOUT });
            if (visible()) draw(found.id, found, state);
          } catch (cause) {
            if (visible()) draw(found.id, found, undefined, errorText(cause));
          }
        }),
      );
    },
  };
}
