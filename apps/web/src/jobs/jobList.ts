/**
 * The jobs of the chosen scheduler, newest first: one row per job (name, state, steps done,
 * created), its name a button that opens it. Rows are updated in place, so a focused button
 * keeps its focus across polls.
 */
import type { JobSummary } from '../../../../src/resources/jobs/interfaces.js';
import { h, markRefreshed } from '../dom.js';
import { when } from './jobFormat.js';

/** What a row shows of a job. */
type RowFields = Pick<JobSummary, 'id' | 'name' | 'state' | 'steps' | 'done' | 'createdAt'>;

/** The list. */
export interface JobList {
  /** The list's column of the grid (heading, table, "No jobs yet."). */
  readonly element: HTMLElement;
  /** Draws a scheduler's answer, and counts it on `#jobs-list` (`data-refreshed`). */
  draw(jobs: readonly JobSummary[]): void;
  /** Brings the row of one job up to date (the detail's watch is ahead of the polls). */
  update(job: RowFields): void;
  /** Marks the row of the chosen job (undefined: none). */
  mark(id: string | undefined): void;
  /** Removes every row (another scheduler is chosen). */
  clear(): void;
}

/** An empty list; `onOpen` runs when a job's button is pressed. */
export function jobList(onOpen: (id: string) => void): JobList {
  const rows = h('tbody');
  const empty = h('p', { id: 'jobs-empty' }, 'No jobs yet.');
  const table = h(
    'table',
    { id: 'jobs-list', class: 'entries' },
    h('caption', { class: 'sr-only' }, 'Jobs of the chosen scheduler, newest first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Steps'), h('th', { scope: 'col' }, 'Created'))),
    rows,
  );
  const element = h('div', { class: 'jobs-list' }, h('h2', {}, 'Jobs'), h('div', { class: 'scroll-x' }, table), empty);
  let selected: string | undefined;

  const rowOf = (id: string) => rows.querySelector<HTMLElement>(`tr[data-job="${CSS.escape(id)}"]`);

  const updateRow = (row: HTMLElement, job: RowFields) => {
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
    open.onclick = () => onOpen(job.id);
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

  return {
    element,
    draw(jobs) {
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
      markRefreshed(table);
    },
    update(job) {
      const row = rowOf(job.id);
      if (row) updateRow(row, job);
    },
    mark(id) {
      selected = id;
      for (const row of rows.querySelectorAll<HTMLElement>('tr[data-job]')) {
        const mine = row.dataset.job === id;
        row.toggleAttribute('data-selected', mine);
        const open = row.querySelector('button[data-select]');
        if (mine) open?.setAttribute('aria-current', 'true');
        else open?.removeAttribute('aria-current');
      }
    },
    clear() {
      rows.replaceChildren();
    },
  };
}
