/**
 * The chosen job: its name, state, times and error, a cancel button, and its steps as a DAG,
 * kept live by the scheduler's `watch` stream. Choosing another job ends the previous watch; a
 * watch that broke is opened again by {@link JobDetail.resume} or when a list shows the job moved on.
 */
import type { Subscription } from 'rxjs';
import type { ResourceRef } from '../../../../src/actors/ref.js';
import type { NodeId } from '../../../../src/firefly/address.js';
import type { JobsInterface, JobSummary, JobView } from '../../../../src/resources/jobs/interfaces.js';
import { errorText, h } from '../dom.js';
import { VIEW_TIMEOUT } from '../meshQueries.js';
import { jobDag } from './jobDag.js';
import { FINAL, when } from './jobFormat.js';

/** What the detail needs from the view around it. */
export interface JobDetailOptions {
  /** This tab's node id (a job it submitted is "by this tab"). */
  self: NodeId;
  /** How a node is named (its device name). */
  nameOf(node: NodeId): string;
  /** The chosen scheduler, while the view is shown; undefined otherwise (nothing is watched then). */
  jobs(): ResourceRef<typeof JobsInterface> | undefined;
  /** Called with every view of the job the watch brings. */
  onJob(view: JobView): void;
}

/** The chosen job's panel. */
export interface JobDetail {
  /** `#job-detail`. */
  readonly element: HTMLElement;
  /** Shows job `id` and watches it (undefined: none, hidden). */
  select(id: string | undefined): void;
  /** Opens the watch again (the view is shown again) unless the job shown had ended. */
  resume(): void;
  /** Opens a broken watch again when `jobs` (a fresh list) says the job moved on since it was drawn. */
  listed(jobs: readonly JobSummary[]): void;
  /** Ends the watch (the view is hidden). */
  stop(): void;
}

/** An empty, hidden panel. */
export function jobDetail({ self, nameOf, jobs, onJob }: JobDetailOptions): JobDetail {
  const title = h('h2', { id: 'job-title' }, 'Job');
  const state = h('span', { id: 'job-state', class: 'badge' });
  const cancel = h('button', { type: 'button', id: 'job-cancel', hidden: true }, 'Cancel job');
  const meta = h('p', { id: 'job-meta', class: 'muted' });
  const failure = h('p', { id: 'job-error', class: 'error', hidden: true });
  const status = h('p', { id: 'job-detail-status', 'aria-live': 'polite' });
  const dag = jobDag(nameOf);
  const element = h('section', { id: 'job-detail', 'aria-labelledby': 'job-title', hidden: true }, title, h('div', { class: 'toolbar' }, h('span', {}, 'State '), state, cancel), meta, failure, status, dag.element);

  let selected: string | undefined;
  let shown: JobView | undefined;
  let watch: Subscription | undefined;
  /** Bumped by every (re)watch and stop: items of an overtaken stream are dropped. */
  let generation = 0;

  const stopWatch = () => {
    generation++;
    watch?.unsubscribe();
    watch = undefined;
    delete element.dataset.watching;
  };

  const draw = (view: JobView) => {
    if (view.id !== selected) return;
    shown = view;
    title.textContent = `Job ${view.name}`;
    element.dataset.job = view.id;
    state.textContent = view.state;
    state.dataset.state = view.state;
    cancel.hidden = !(view.state === 'running' || view.state === 'scheduled');
    const by = view.submittedBy === 'local' ? 'the daemon' : view.submittedBy === self ? 'this tab' : nameOf(view.submittedBy);
    const times = [
      `id ${view.id}`,
      `created ${when(view.createdAt)}`,
      view.startedAt ? `started ${when(view.startedAt)}` : '',
      view.finishedAt ? `finished ${when(view.finishedAt)}` : '',
      view.nextRunAt ? `next run ${when(view.nextRunAt)}` : '',
      view.runs > 1 ? `${view.runs} runs` : '',
      `by ${by}`,
    ];
    meta.textContent = times.filter(Boolean).join(' · ');
    failure.hidden = !view.error;
    failure.textContent = view.error ? `${view.error.code}: ${view.error.message}${view.error.step ? ` (step ${view.error.step})` : ''}` : '';
    dag.draw(view.steps);
    onJob(view);
  };

  const startWatch = (id: string) => {
    stopWatch();
    const ref = jobs();
    if (!ref) return;
    const mine = generation;
    const ended = () => {
      watch = undefined;
      delete element.dataset.watching;
    };
    element.dataset.watching = 'true';
    const opened = ref.stream('watch', { id }).subscribe({
      next: (view) => {
        if (mine === generation) draw(view);
      },
      error: (cause: unknown) => {
        if (mine !== generation) return;
        ended();
        status.textContent = `not watching: ${errorText(cause)}`;
      },
      complete: () => {
        if (mine === generation) ended();
      },
    });
    if (!opened.closed && mine === generation) watch = opened;
  };

  cancel.onclick = () => {
    const ref = jobs();
    const id = selected;
    if (!ref || id === undefined) return;
    cancel.disabled = true;
    status.textContent = 'cancelling…';
    ref
      .call('cancel', { id }, { timeout: VIEW_TIMEOUT })
      .then((result) => {
        if (selected === id) status.textContent = `cancel answered: ${result.state}`;
      })
      .catch((cause: unknown) => {
        if (selected === id) status.textContent = `not cancelled: ${errorText(cause)}`;
      })
      .finally(() => (cancel.disabled = false));
  };

  return {
    element,
    select(id) {
      if (id === selected && (id === undefined || watch)) return;
      const changed = id !== selected;
      selected = id;
      if (changed) {
        shown = undefined;
        dag.clear();
        status.textContent = '';
      }
      element.hidden = id === undefined;
      if (id === undefined) return stopWatch();
      if (changed) {
        title.textContent = `Job ${id}`;
        state.textContent = '…';
      }
      startWatch(id);
    },
    resume() {
      if (selected !== undefined && !watch && (!shown || !FINAL.has(shown.state))) startWatch(selected);
    },
    listed(list) {
      if (selected !== undefined && !watch && list.some((job) => job.id === selected && (!FINAL.has(job.state) || shown?.state !== job.state))) startWatch(selected);
    },
    stop: stopWatch,
  };
}
