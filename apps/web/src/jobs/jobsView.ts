/**
 * The Jobs view: pick a scheduler of the mesh (`glow.Jobs/1`, one per daemon, default the one of
 * the daemon that served the page), see its jobs (jobList.ts, polled every second while the view
 * is shown), open one to see its steps as a DAG (jobDetail.ts, live through `watch`), cancel it,
 * submit a job file (submitForm.ts), and see every worker with a pause/resume switch
 * (workerList.ts). This file chooses the scheduler and runs the polling; streams and polling run
 * only while the view is shown.
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import type { NodeId } from '../../../../src/firefly/address.js';
import { JobsInterface, WorkerInterface } from '../../../../src/resources/jobs/interfaces.js';
import { errorText, h } from '../dom.js';
import { resourcesOf, VIEW_TIMEOUT, type FoundResource } from '../meshQueries.js';
import { daemonLabels } from './daemonLabels.js';
import { jobDetail } from './jobDetail.js';
import { nodeOf } from './jobFormat.js';
import { jobList } from './jobList.js';
import { submitForm } from './submitForm.js';
import { nodeLabel } from '../nodeNames.js';
import { workerList } from './workerList.js';

/** How often the job list and the workers are polled while the view is shown, ms. */
const POLL = 1000;
/** How often the schedulers and workers of the mesh are looked up again, ms. */
const DISCOVER = 10_000;

/** Mounts the view into `root`. `daemon` is the node that served the page, once known. */
export function mountJobsView(root: HTMLElement, mesh: Mesh, daemon: () => NodeId | undefined): { refresh: () => Promise<void>; hide: () => void } {
  const clock = mesh.node.clock;
  const picker = h('select', { id: 'jobs-scheduler' });
  const reload = h('button', { type: 'button', id: 'jobs-refresh' }, 'Refresh');
  const status = h('p', { id: 'jobs-status', role: 'status', 'aria-live': 'polite' });

  let scheduler: string | undefined;
  let discoveredAt = -Infinity;
  let visible = false;
  /** Bumped at every show and hide: a poll loop of an older showing stops. */
  let loop = 0;

  const jobsRef = () => (scheduler === undefined ? undefined : mesh.node.ref(scheduler, JobsInterface));
  const labels = daemonLabels(daemon, (node) => nodeLabel(mesh, node));
  const list = jobList((id) => select(id));
  const detail = jobDetail({
    self: mesh.id,
    nameOf: (node) => nodeLabel(mesh, node),
    jobs: () => (visible ? jobsRef() : undefined),
    // Keep the list row in step with what the watch says, between two polls.
    onJob: (view) => list.update({ ...view, steps: view.steps.length, done: view.steps.filter((step) => step.state === 'done').length }),
  });
  const workers = workerList(mesh, labels, () => visible);
  const select = (id: string | undefined) => {
    list.mark(id);
    detail.select(id);
  };

  root.append(
    h('div', { class: 'toolbar' }, h('label', { for: 'jobs-scheduler' }, 'Scheduler '), picker, ' ', reload),
    status,
    // Wide: the list, the form and the workers on the left, the chosen job on the right. Narrow:
    // the chosen job right under the list (see style.css).
    h(
      'div',
      { class: 'jobs-grid' },
      list.element,
      h('div', { class: 'jobs-detail' }, detail.element),
      submitForm(jobsRef, async (id) => {
        select(id);
        await pollJobs();
      }),
      workers.element,
    ),
  );

  const drawPicker = (schedulers: FoundResource[]) => {
    picker.replaceChildren(
      ...(schedulers.length ? [] : [h('option', { value: '', disabled: true, selected: true }, 'no scheduler in the mesh')]),
      ...schedulers.map((found) => {
        const node = nodeOf(found.id);
        return h('option', { value: found.id, 'data-node': node, selected: found.id === scheduler, title: found.name ?? found.id }, labels.label(found, node));
      }),
    );
  };

  /** Looks up the schedulers and workers of the mesh; keeps the chosen scheduler while it is there, else picks the page's daemon's. */
  const discover = async () => {
    discoveredAt = clock.now();
    let schedulers: FoundResource[];
    let found: FoundResource[];
    try {
      [schedulers, found] = await Promise.all([resourcesOf(mesh, JobsInterface.id), resourcesOf(mesh, WorkerInterface.id), labels.learn()]);
    } catch (cause) {
      status.textContent = errorText(cause);
      return;
    }
    if (!visible) return;
    const ours = daemon();
    if (scheduler === undefined || !schedulers.some((candidate) => candidate.id === scheduler)) {
      const previous = scheduler;
      scheduler = (schedulers.find((candidate) => nodeOf(candidate.id) === ours) ?? schedulers[0])?.id;
      if (scheduler !== previous) {
        list.clear();
        select(undefined);
      }
    }
    drawPicker(schedulers);
    workers.set(found, ours);
  };

  const pollJobs = async () => {
    const ref = jobsRef();
    if (!ref) return;
    const asked = scheduler;
    try {
      const jobs = await ref.call('list', {}, { timeout: VIEW_TIMEOUT });
      if (asked !== scheduler || !visible) return;
      list.draw(jobs);
      status.textContent = '';
      delete status.dataset.error;
      // A watch that broke (a lost link) is opened again while its job is not final.
      detail.listed(jobs);
    } catch (cause) {
      if (asked !== scheduler) return;
      status.textContent = `cannot list jobs: ${errorText(cause)}`;
      status.dataset.error = 'true';
    }
  };

  const tick = async () => {
    if (clock.now() - discoveredAt > DISCOVER) await discover();
    await Promise.all([pollJobs(), workers.poll()]);
  };

  const run = async (mine: number) => {
    while (visible && mine === loop) {
      await tick();
      await new Promise<void>((resolve) => clock.setTimeout(resolve, POLL));
    }
  };

  picker.onchange = () => {
    if (picker.value === scheduler) return;
    scheduler = picker.value || undefined;
    list.clear();
    select(undefined);
    void pollJobs();
  };

  reload.onclick = () => {
    void discover().then(tick);
  };

  const refresh = async () => {
    const first = !visible;
    visible = true;
    if (first) loop++;
    await discover();
    if (!visible) return;
    detail.resume();
    if (first) void run(loop);
    else await tick();
  };

  const hide = () => {
    visible = false;
    loop++;
    detail.stop();
  };

  return { refresh, hide };
}
