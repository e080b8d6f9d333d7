/**
 * The Jobs view: pick a scheduler of the mesh (`glow.Jobs/1`, one per daemon, default the one of
 * the daemon that served the page), see its jobs (polled every second while the view is shown),
 * open one to see its steps as a DAG (columns by dependency depth, live through `watch`), cancel
 * it, submit a job file, and see every worker (`glow.Worker/1`) with a pause/resume switch.
 * Streams and polling run only while the view is shown; switching job ends the previous watch.
 */
import type { Subscription } from 'rxjs';
import type { Mesh } from '../../../src/actors/mesh.js';
import { parseResourceId, type NodeId } from '../../../src/firefly/address.js';
import { JobsInterface, WorkerInterface, type JobState, type JobSummary, type JobView, type StepView, type WorkerStatus } from '../../../src/resources/jobs/interfaces.js';
import { errorText, h, shortId } from './dom.js';
import { resourcesOf, VIEW_TIMEOUT, type FoundResource } from './meshQueries.js';

/** How often the job list and the workers are polled while the view is shown, ms. */
const POLL = 1000;
/** How often the schedulers and workers of the mesh are looked up again, ms. */
const DISCOVER = 10_000;
/** Longest output summary shown in a step box, characters. */
const OUTPUT_CHARS = 240;
const FINAL: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);
const SVG = 'http://www.w3.org/2000/svg';

/** What the submit form starts with: two sleeps side by side, then a hash of their outputs. */
export const EXAMPLE_JOB = `{
  "name": "demo",
  "steps": [
    { "name": "left", "kind": "sleep", "args": { "ms": 1500, "ticks": 10, "value": "left" }, "after": [] },
    { "name": "right", "kind": "sleep", "args": { "ms": 1500, "ticks": 10, "value": "right" }, "after": [] },
    {
      "name": "digest",
      "kind": "hash",
      "args": { "text": [{ "$from": "left", "pick": "value" }, { "$from": "right", "pick": "value" }] },
      "after": ["left", "right"]
    }
  ]
}`;

/** Dependency depth of every step: 0 without dependencies, else one more than its deepest one. */
export function stepDepths(steps: readonly { name: string; after: readonly string[] }[]): Map<string, number> {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const depths = new Map<string, number>();
  const depth = (name: string, visiting: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const step = byName.get(name);
    // Unknown or cyclic (the scheduler refuses both): treat as a root rather than loop.
    if (!step || visiting.has(name)) return 0;
    visiting.add(name);
    const value = step.after.reduce((deepest, dep) => (byName.has(dep) ? Math.max(deepest, depth(dep, visiting) + 1) : deepest), 0);
    visiting.delete(name);
    depths.set(name, value);
    return value;
  };
  for (const step of steps) depth(step.name, new Set());
  return depths;
}

/** A value as a short line of JSON. */
function summary(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item instanceof Uint8Array ? `<${item.byteLength} bytes>` : item)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > OUTPUT_CHARS ? `${text.slice(0, OUTPUT_CHARS - 1)}…` : text;
}

/** A time as the list shows it: the time of day for today, else the date too. */
function when(ms: number | undefined): string {
  if (ms === undefined) return '';
  const date = new Date(ms);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

function nodeOf(id: string): NodeId | undefined {
  try {
    return parseResourceId(id).node;
  } catch {
    return undefined;
  }
}

/** The parts of a step box that change as the job runs. */
interface StepBox {
  box: HTMLElement;
  state: HTMLElement;
  bar: HTMLElement;
  fill: HTMLElement;
  barText: HTMLElement;
  meta: HTMLElement;
  note: HTMLElement;
}

/** Mounts the view into `root`. `daemon` is the node that served the page, once known. */
export function mountJobsView(root: HTMLElement, mesh: Mesh, daemon: () => NodeId | undefined): { refresh: () => Promise<void>; hide: () => void } {
  // Scheduler picker.
  const picker = h('select', { id: 'jobs-scheduler' });
  const reload = h('button', { type: 'button', id: 'jobs-refresh' }, 'Refresh');
  const status = h('p', { id: 'jobs-status', role: 'status', 'aria-live': 'polite' });

  // The jobs list.
  const rows = h('tbody');
  const empty = h('p', { id: 'jobs-empty' }, 'No jobs yet.');
  const table = h(
    'table',
    { id: 'jobs-list', class: 'entries' },
    h('caption', { class: 'sr-only' }, 'Jobs of the chosen scheduler, newest first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Steps'), h('th', { scope: 'col' }, 'Created'))),
    rows,
  );

  // The selected job.
  const title = h('h2', { id: 'job-title' }, 'Job');
  const jobState = h('span', { id: 'job-state', class: 'badge' });
  const cancel = h('button', { type: 'button', id: 'job-cancel', hidden: true }, 'Cancel job');
  const jobMeta = h('p', { id: 'job-meta', class: 'muted' });
  const jobError = h('p', { id: 'job-error', class: 'error', hidden: true });
  const detailStatus = h('p', { id: 'job-detail-status', 'aria-live': 'polite' });
  const edges = document.createElementNS(SVG, 'svg');
  edges.setAttribute('class', 'dag-edges');
  edges.setAttribute('aria-hidden', 'true');
  const marker = document.createElementNS(SVG, 'marker');
  for (const [name, value] of Object.entries({ id: 'dag-arrow', viewBox: '0 0 8 8', refX: '8', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto' })) marker.setAttribute(name, value);
  const head = document.createElementNS(SVG, 'path');
  head.setAttribute('d', 'M0,0 L8,4 L0,8 z');
  marker.append(head);
  const defs = document.createElementNS(SVG, 'defs');
  defs.append(marker);
  const columns = h('div', { class: 'dag-columns' });
  const dagInner = h('div', { class: 'dag-inner' }, columns);
  dagInner.prepend(edges);
  const dag = h('div', { id: 'job-dag', class: 'dag', role: 'group', 'aria-label': 'steps by dependency depth' }, dagInner);
  const detail = h(
    'section',
    { id: 'job-detail', 'aria-labelledby': 'job-title', hidden: true },
    title,
    h('div', { class: 'toolbar' }, h('span', {}, 'State '), jobState, cancel),
    jobMeta,
    jobError,
    detailStatus,
    dag,
  );

  // Submit form.
  const file = h('textarea', { id: 'job-file', rows: 12, spellcheck: 'false' });
  file.value = EXAMPLE_JOB;
  const submit = h('button', { type: 'submit', id: 'job-submit' }, 'Submit job');
  const submitted = h('p', { id: 'job-submit-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'job-submit-form' }, h('label', { for: 'job-file' }, 'Job file (JSON)'), file, h('div', { class: 'toolbar' }, submit), submitted);

  // Workers.
  const workerList = h('ul', { id: 'workers', class: 'workers', 'aria-label': 'workers' });

  root.append(
    h('div', { class: 'toolbar' }, h('label', { for: 'jobs-scheduler' }, 'Scheduler '), picker, ' ', reload),
    status,
    // Wide: the list, the form and the workers on the left, the chosen job on the right. Narrow:
    // the chosen job right under the list (see style.css).
    h(
      'div',
      { class: 'jobs-grid' },
      h('div', { class: 'jobs-list' }, h('h2', {}, 'Jobs'), h('div', { class: 'scroll-x' }, table), empty),
      h('div', { class: 'jobs-detail' }, detail),
      h('div', { class: 'jobs-submit' }, h('h2', {}, 'Submit a job'), form),
      h('div', { class: 'jobs-workers' }, h('h2', {}, 'Workers'), workerList),
    ),
  );

  let schedulers: FoundResource[] = [];
  let scheduler: string | undefined;
  let workers: FoundResource[] = [];
  let discoveredAt = 0;
  let visible = false;
  /** Bumped at every show and hide: a poll loop of an older showing stops. */
  let loop = 0;

  let selected: string | undefined;
  let shown: JobView | undefined;
  let boxes = new Map<string, StepBox>();
  let layoutKey = '';
  let watch: Subscription | undefined;
  /** Bumped by every (re)watch and stop: items of an overtaken stream are dropped. */
  let watchGeneration = 0;

  const jobsRef = () => (scheduler === undefined ? undefined : mesh.node.ref(scheduler, JobsInterface));

  /** The `--name` of the daemon that served the page, from `/api/info` (the mesh does not carry daemon names). */
  let daemonName: string | undefined;
  const labelOf = (found: FoundResource, node: NodeId | undefined) => {
    const ours = node !== undefined && node === daemon();
    const who = ours && daemonName ? `${daemonName} (${shortId(node)})` : `daemon ${node ? shortId(node) : found.id}`;
    return `${who}${ours ? ' — served this page' : ''}`;
  };
  const learnName = async () => {
    if (daemonName !== undefined) return;
    try {
      const response = await fetch('/api/info', { cache: 'no-store' });
      const info = response.ok ? ((await response.json()) as { node?: string; name?: unknown }) : undefined;
      if (info && info.node === daemon() && typeof info.name === 'string') daemonName = info.name;
    } catch {
      // Unnamed it is: the label falls back to the node id.
    }
  };

  // ——— Watching the selected job ———

  const stopWatch = () => {
    watchGeneration++;
    watch?.unsubscribe();
    watch = undefined;
    delete detail.dataset.watching;
  };

  const startWatch = (id: string) => {
    stopWatch();
    const ref = jobsRef();
    if (!ref || !visible) return;
    const mine = watchGeneration;
    detail.dataset.watching = 'true';
    const opened = ref.stream('watch', { id }).subscribe({
      next: (view) => {
        if (mine === watchGeneration) drawJob(view);
      },
      error: (cause: unknown) => {
        if (mine !== watchGeneration) return;
        watch = undefined;
        delete detail.dataset.watching;
        detailStatus.textContent = `not watching: ${errorText(cause)}`;
      },
      complete: () => {
        if (mine !== watchGeneration) return;
        watch = undefined;
        delete detail.dataset.watching;
      },
    });
    if (!opened.closed && mine === watchGeneration) watch = opened;
  };

  const select = (id: string | undefined) => {
    if (id === selected && (id === undefined || watch)) return;
    const changed = id !== selected;
    selected = id;
    for (const row of rows.querySelectorAll<HTMLElement>('tr[data-job]')) {
      const mine = row.dataset.job === id;
      row.toggleAttribute('data-selected', mine);
      const open = row.querySelector('button[data-select]');
      if (mine) open?.setAttribute('aria-current', 'true');
      else open?.removeAttribute('aria-current');
    }
    if (changed) {
      shown = undefined;
      boxes = new Map();
      layoutKey = '';
      columns.replaceChildren();
      edges.replaceChildren();
      detailStatus.textContent = '';
    }
    detail.hidden = id === undefined;
    if (id === undefined) return stopWatch();
    if (changed) {
      title.textContent = `Job ${id}`;
      jobState.textContent = '…';
    }
    startWatch(id);
  };

  const stepBox = (step: StepView): StepBox => {
    const state = h('span', { class: 'step-state' });
    const fill = h('div', { class: 'fill' });
    const barText = h('span', { class: 'bar-text' });
    const bar = h(
      'div',
      { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-label': `progress of ${step.name}`, hidden: true },
      fill,
    );
    const meta = h('div', { class: 'step-meta' });
    const note = h('div', { class: 'step-note' });
    const after = step.after.length ? h('div', { class: 'step-after' }, `after ${step.after.join(', ')}`) : undefined;
    const box = h(
      'article',
      { class: 'step', 'data-step': step.name, tabindex: 0, 'aria-label': `step ${step.name}` },
      h('div', { class: 'step-head' }, h('strong', {}, step.name), ' ', h('span', { class: 'kind' }, step.kind)),
      state,
      bar,
      barText,
      meta,
      after,
      note,
    );
    return { box, state, bar, fill, barText, meta, note };
  };

  const updateStep = (parts: StepBox, step: StepView) => {
    const { box, state, bar, fill, barText, meta, note } = parts;
    box.dataset.state = step.state;
    if (step.node) box.dataset.node = step.node;
    else delete box.dataset.node;
    state.textContent = step.state;
    const running = step.state === 'running';
    const percent = Math.round((step.progress?.value ?? 0) * 100);
    bar.hidden = !running;
    barText.hidden = !running;
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', `${percent}%${step.progress?.message ? ` (${step.progress.message})` : ''}`);
    fill.style.width = `${percent}%`;
    barText.textContent = running ? `${percent}%${step.progress?.message ? ` — ${step.progress.message}` : ''}` : '';
    const attempts = step.attempts.length;
    const metaParts = [step.node ? `on ${shortId(step.node)}` : '', attempts ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : ''].filter(Boolean);
    meta.textContent = metaParts.join(' · ');
    meta.title = step.attempts.map((attempt) => `#${attempt.n} ${attempt.state}${attempt.node ? ` on ${attempt.node}` : ''}${attempt.error ? `: ${attempt.error.code}` : ''}`).join('\n');
    meta.dataset.attempts = String(attempts);
    note.className = 'step-note';
    if (step.error) {
      note.classList.add('error');
      note.textContent = `${step.error.code}: ${step.error.message}`;
    } else if (step.state === 'waiting' && step.waiting) {
      note.classList.add('waiting');
      note.textContent = `waiting: ${step.waiting}`;
    } else if (step.output !== undefined) {
      note.classList.add('step-output');
      note.textContent = summary(step.output);
    } else {
      note.textContent = '';
    }
  };

  /** Draws one arrow per dependency, from the right edge of a box to the left edge of its dependant. */
  const drawEdges = () => {
    if (!shown || detail.hidden || !visible) return;
    const origin = dagInner.getBoundingClientRect();
    edges.setAttribute('width', String(dagInner.scrollWidth));
    edges.setAttribute('height', String(dagInner.scrollHeight));
    const paths: SVGElement[] = [];
    for (const step of shown.steps) {
      const to = boxes.get(step.name)?.box.getBoundingClientRect();
      if (!to) continue;
      for (const dep of step.after) {
        const from = boxes.get(dep)?.box.getBoundingClientRect();
        if (!from) continue;
        const x1 = from.right - origin.left;
        const y1 = from.top + from.height / 2 - origin.top;
        const x2 = to.left - origin.left;
        const y2 = to.top + Math.min(to.height / 2, 24) - origin.top;
        const bend = Math.max(12, (x2 - x1) / 2);
        const path = document.createElementNS(SVG, 'path');
        path.setAttribute('d', `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`);
        path.setAttribute('data-edge', `${dep}->${step.name}`);
        path.setAttribute('marker-end', 'url(#dag-arrow)');
        paths.push(path);
      }
    }
    edges.replaceChildren(defs, ...paths);
  };
  new ResizeObserver(() => drawEdges()).observe(dagInner);

  const drawJob = (view: JobView) => {
    if (view.id !== selected) return;
    shown = view;
    title.textContent = `Job ${view.name}`;
    detail.dataset.job = view.id;
    jobState.textContent = view.state;
    jobState.dataset.state = view.state;
    cancel.hidden = !(view.state === 'running' || view.state === 'scheduled');
    const times = [`id ${view.id}`, `created ${when(view.createdAt)}`, view.startedAt ? `started ${when(view.startedAt)}` : '', view.finishedAt ? `finished ${when(view.finishedAt)}` : '', view.nextRunAt ? `next run ${when(view.nextRunAt)}` : '', view.runs > 1 ? `${view.runs} runs` : '', `by ${view.submittedBy === 'local' ? 'the daemon' : view.submittedBy === mesh.id ? 'this tab' : shortId(view.submittedBy)}`];
    jobMeta.textContent = times.filter(Boolean).join(' · ');
    jobError.hidden = !view.error;
    jobError.textContent = view.error ? `${view.error.code}: ${view.error.message}${view.error.step ? ` (step ${view.error.step})` : ''}` : '';

    // The layout changes only with the set of steps and their dependencies (i.e. once per job).
    const key = view.steps.map((step) => `${step.name}<${step.after.join(',')}`).join(';');
    if (key !== layoutKey) {
      layoutKey = key;
      const depths = stepDepths(view.steps);
      const deepest = Math.max(0, ...depths.values());
      boxes = new Map(view.steps.map((step) => [step.name, stepBox(step)]));
      const byDepth = Array.from({ length: deepest + 1 }, (_, depth) =>
        h(
          'div',
          { class: 'dag-column', 'data-depth': depth, role: 'list', 'aria-label': depth === 0 ? 'steps that start first' : `steps at depth ${depth}` },
          ...view.steps.filter((step) => depths.get(step.name) === depth).map((step) => {
            const box = boxes.get(step.name)!.box;
            box.setAttribute('role', 'listitem');
            return box;
          }),
        ),
      );
      columns.replaceChildren(...byDepth);
    }
    for (const step of view.steps) updateStep(boxes.get(step.name)!, step);
    drawEdges();
    // Keep the list row in step with what the watch says, between two polls.
    const row = rows.querySelector<HTMLElement>(`tr[data-job="${CSS.escape(view.id)}"]`);
    if (row) updateRow(row, { ...view, steps: view.steps.length, done: view.steps.filter((step) => step.state === 'done').length });
  };

  cancel.onclick = () => {
    const ref = jobsRef();
    const id = selected;
    if (!ref || id === undefined) return;
    cancel.disabled = true;
    detailStatus.textContent = 'cancelling…';
    ref
      .call('cancel', { id }, { timeout: VIEW_TIMEOUT })
      .then((result) => {
        if (selected === id) detailStatus.textContent = `cancel answered: ${result.state}`;
      })
      .catch((cause: unknown) => {
        if (selected === id) detailStatus.textContent = `not cancelled: ${errorText(cause)}`;
      })
      .finally(() => (cancel.disabled = false));
  };

  // ——— The list ———

  const updateRow = (row: HTMLElement, job: Pick<JobSummary, 'id' | 'name' | 'state' | 'steps' | 'done' | 'createdAt'>) => {
    row.dataset.state = job.state;
    const cells = row.children;
    const state = cells[1] as HTMLElement;
    if (state.textContent !== job.state) {
      state.textContent = job.state;
      state.dataset.state = job.state;
    }
    const steps = `${job.done}/${job.steps}`;
    if (cells[2]!.textContent !== steps) cells[2]!.textContent = steps;
  };

  const newRow = (job: JobSummary): HTMLElement => {
    const open = h('button', { type: 'button', class: 'link', 'data-select': job.id, 'aria-label': `open job ${job.name} (${job.id})`, 'aria-current': job.id === selected ? 'true' : undefined }, job.name);
    open.onclick = () => select(job.id);
    const row = h(
      'tr',
      { 'data-job': job.id, 'data-selected': job.id === selected },
      h('td', {}, open, h('br'), h('code', { class: 'muted' }, job.id)),
      h('td', { class: 'state' }),
      h('td', { class: 'num' }),
      h('td', { title: new Date(job.createdAt).toISOString() }, when(job.createdAt)),
    );
    updateRow(row, job);
    return row;
  };

  /** Updates the rows in place (a focused button keeps its focus), newest first. */
  const drawList = (jobs: JobSummary[]) => {
    const sorted = [...jobs].sort((a, b) => b.createdAt - a.createdAt);
    const existing = new Map([...rows.querySelectorAll<HTMLElement>('tr[data-job]')].map((row) => [row.dataset.job!, row]));
    const keep = new Set(sorted.map((job) => job.id));
    for (const [id, row] of existing) if (!keep.has(id)) row.remove();
    sorted.forEach((job, index) => {
      const row = existing.get(job.id) ?? newRow(job);
      if (existing.has(job.id)) updateRow(row, job);
      if (rows.children[index] !== row) rows.insertBefore(row, rows.children[index] ?? null);
    });
    table.dataset.count = String(sorted.length);
    empty.hidden = sorted.length > 0;
  };

  const pollJobs = async () => {
    const ref = jobsRef();
    if (!ref) return;
    const asked = scheduler;
    try {
      const jobs = await ref.call('list', {}, { timeout: VIEW_TIMEOUT });
      if (asked !== scheduler || !visible) return;
      drawList(jobs);
      status.textContent = '';
      delete status.dataset.error;
      // A watch that broke (a lost link) is opened again while its job is not final.
      if (selected !== undefined && !watch && jobs.some((job) => job.id === selected && (!FINAL.has(job.state) || shown?.state !== job.state))) startWatch(selected);
    } catch (cause) {
      if (asked !== scheduler) return;
      status.textContent = `cannot list jobs: ${errorText(cause)}`;
      status.dataset.error = 'true';
    }
  };

  // ——— Workers ———

  const workerItems = new Map<string, { item: HTMLElement; text: HTMLElement; toggle: HTMLButtonElement; status?: WorkerStatus }>();

  const drawWorker = (id: string, found: FoundResource, state: WorkerStatus | undefined, problem?: string) => {
    let entry = workerItems.get(id);
    if (!entry) {
      const node = nodeOf(id);
      const text = h('span', { class: 'worker-status' });
      const toggle = h('button', { type: 'button', 'data-toggle': id }, 'Pause');
      const item = h('li', { 'data-worker': id, 'data-node': node }, h('strong', {}, labelOf(found, node)), ' ', text, ' ', toggle);
      entry = { item, text, toggle };
      const current = entry;
      toggle.onclick = () => {
        if (!current.status) return;
        const available = !current.status.available;
        toggle.disabled = true;
        mesh.node
          .ref(id, WorkerInterface)
          .call('setAvailable', { available }, { timeout: VIEW_TIMEOUT })
          .then((next) => drawWorker(id, found, next))
          .catch((cause: unknown) => drawWorker(id, found, current.status, errorText(cause)))
          .finally(() => (toggle.disabled = false));
      };
      workerItems.set(id, entry);
      workerList.append(item);
    }
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
    toggle.setAttribute('aria-label', `${state.available ? 'Pause' : 'Resume'} the worker of ${labelOf(found, nodeOf(id))}`);
  };

  const pollWorkers = async () => {
    await Promise.all(
      workers.map(async (found) => {
        try {
          const state = await mesh.node.ref(found.id, WorkerInterface).call('status', {}, { timeout: VIEW_TIMEOUT });
          if (visible) drawWorker(found.id, found, state);
        } catch (cause) {
          if (visible) drawWorker(found.id, found, undefined, errorText(cause));
        }
      }),
    );
  };

  // ——— Discovery and polling ———

  const discover = async () => {
    discoveredAt = Date.now();
    try {
      [schedulers, workers] = await Promise.all([resourcesOf(mesh, JobsInterface.id), resourcesOf(mesh, WorkerInterface.id), learnName()]);
    } catch (cause) {
      status.textContent = errorText(cause);
      return;
    }
    if (!visible) return;
    const ours = daemon();
    if (scheduler === undefined || !schedulers.some((found) => found.id === scheduler)) {
      const previous = scheduler;
      scheduler = (schedulers.find((found) => nodeOf(found.id) === ours) ?? schedulers[0])?.id;
      if (scheduler !== previous) {
        rows.replaceChildren();
        select(undefined);
      }
    }
    picker.replaceChildren(
      ...(schedulers.length ? [] : [h('option', { value: '', disabled: true, selected: true }, 'no scheduler in the mesh')]),
      ...schedulers.map((found) => {
        const node = nodeOf(found.id);
        return h('option', { value: found.id, 'data-node': node, selected: found.id === scheduler, title: found.name ?? found.id }, labelOf(found, node));
      }),
    );
    // Workers in a stable order: this page's daemon first, then by node id.
    workers.sort((a, b) => Number(nodeOf(b.id) === ours) - Number(nodeOf(a.id) === ours) || a.id.localeCompare(b.id));
    const known = new Set(workers.map((found) => found.id));
    for (const [id, entry] of workerItems) {
      if (known.has(id)) continue;
      entry.item.remove();
      workerItems.delete(id);
    }
    if (!workers.length) workerList.replaceChildren(h('li', { class: 'muted' }, 'no worker in the mesh'));
    else workerList.querySelector('li.muted')?.remove();
  };

  const tick = async () => {
    if (Date.now() - discoveredAt > DISCOVER) await discover();
    await Promise.all([pollJobs(), pollWorkers()]);
  };

  const run = async (mine: number) => {
    while (visible && mine === loop) {
      await tick();
      await new Promise((resolve) => setTimeout(resolve, POLL));
    }
  };

  picker.onchange = () => {
    if (picker.value === scheduler) return;
    scheduler = picker.value || undefined;
    rows.replaceChildren();
    select(undefined);
    void pollJobs();
  };

  reload.onclick = () => {
    void discover().then(tick);
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    const ref = jobsRef();
    submitted.className = '';
    delete submitted.dataset.code;
    delete submitted.dataset.reason;
    delete submitted.dataset.id;
    if (!ref) {
      submitted.textContent = 'choose a scheduler first';
      return;
    }
    let job: unknown;
    try {
      job = JSON.parse(file.value);
    } catch (cause) {
      submitted.className = 'error';
      submitted.dataset.code = 'badjson';
      submitted.textContent = `invalid JSON: ${cause instanceof Error ? cause.message : String(cause)}`;
      return;
    }
    submit.disabled = true;
    submitted.textContent = '…';
    ref
      .call('submit', { job }, { timeout: VIEW_TIMEOUT })
      .then(({ id }) => {
        submitted.dataset.id = id;
        submitted.textContent = `submitted ${id}`;
        select(id);
        return pollJobs();
      })
      .catch((cause: unknown) => {
        const { code, details } = cause as { code?: string; details?: { reason?: unknown } };
        const reason = typeof details?.reason === 'string' ? details.reason : undefined;
        submitted.className = 'error';
        submitted.dataset.code = code ?? '';
        if (reason) submitted.dataset.reason = reason;
        submitted.textContent = `refused: ${errorText(cause)}${reason ? ` (${reason})` : ''}`;
      })
      .finally(() => (submit.disabled = false));
  };

  const refresh = async () => {
    const first = !visible;
    visible = true;
    if (first) loop++;
    await discover();
    if (!visible) return;
    if (selected !== undefined && !watch && (!shown || !FINAL.has(shown.state))) startWatch(selected);
    if (first) void run(loop);
    else await tick();
  };

  const hide = () => {
    visible = false;
    loop++;
    stopWatch();
  };

  return { refresh, hide };
}
