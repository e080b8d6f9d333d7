/**
 * The human rendering of jobs and workers (`glow job …`, `glow worker …`). Like views.ts, every
 * view reads defensively: a field the scheduler did not send shows as `-`, nothing here throws.
 */
import { brief, cell, table } from './format.js';
import { nodeText, type ViewOptions } from './views.js';

type Loose = Record<string, unknown>;

function record(value: unknown): Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
}

function list(value: unknown): Loose[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function time(value: unknown): string {
  return typeof value === 'number' ? new Date(value).toISOString().replace(/\.\d+Z$/, 'Z') : '-';
}

function percent(progress: unknown): string | undefined {
  const p = record(progress);
  return typeof p.value === 'number' ? `${Math.round(p.value * 100)}%${typeof p.message === 'string' && p.message ? ` ${p.message}` : ''}` : undefined;
}

/** `job ls`. */
export function jobsView(value: unknown): string {
  const rows = list(value).map((job) => [cell(job.id), cell(job.name), cell(job.state), `${cell(job.done)}/${cell(job.steps)}`, time(job.createdAt)]);
  return rows.length === 0 ? 'no jobs\n' : table(['ID', 'NAME', 'STATE', 'STEPS', 'CREATED'], rows);
}

/** What a step has to say beyond its state: why it waits, its progress, output or error. */
function stepNote(step: Loose): string {
  const error = record(step.error);
  if (step.state === 'waiting' && typeof step.waiting === 'string') return step.waiting;
  if (step.state === 'running') return percent(step.progress) ?? '';
  if (step.state === 'done') return brief(step.output);
  if (typeof error.message === 'string') return `${cell(error.code)}: ${error.message}`;
  return '';
}

/** `job show`: steps with the device each ran on. */
export function jobView(value: unknown, view: ViewOptions = {}): string {
  const job = record(value);
  const error = record(job.error);
  const head = [
    `job ${cell(job.id)} (${cell(job.name)}): ${cell(job.state)}`,
    `created ${time(job.createdAt)}${job.startedAt ? ` · started ${time(job.startedAt)}` : ''}${job.finishedAt ? ` · finished ${time(job.finishedAt)}` : ''}${job.nextRunAt ? ` · next run ${time(job.nextRunAt)}` : ''}`,
    ...(typeof error.message === 'string' ? [`error: ${cell(error.code)}: ${error.message}${typeof error.step === 'string' ? ` (step ${error.step})` : ''}`] : []),
  ];
  const rows = list(job.steps).map((step) => [cell(step.name), cell(step.kind), cell(step.state), nodeText(step.node, view), String(list(step.attempts).length), stepNote(step)]);
  return `${head.join('\n')}\n${table(['STEP', 'KIND', 'STATE', 'NODE', 'ATTEMPTS', 'NOTE'], rows)}`;
}

const BAR = 24;

/**
 * `job watch`: one line for the job and one per step. On a terminal a running step gets a bar
 * (`[#######.........]  42%`); otherwise the progress is a number, and the caller prints only the
 * lines that changed.
 */
export function watchLines(value: unknown, tty: boolean, view: ViewOptions = {}): string[] {
  const job = record(value);
  const lines = [`job ${cell(job.id)} ${cell(job.name)}: ${cell(job.state)}`];
  for (const step of list(job.steps)) {
    const progress = record(step.progress);
    let note = stepNote(step);
    if (tty && step.state === 'running' && typeof progress.value === 'number') {
      const filled = Math.max(0, Math.min(BAR, Math.round(progress.value * BAR)));
      note = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${note}`;
    }
    lines.push(`  ${cell(step.name)}: ${cell(step.state)}${step.node ? ` on ${nodeText(step.node, view)}` : ''}${note ? `  ${note}` : ''}`);
  }
  return lines;
}

/** `worker status|pause|resume`. */
export function workerView(value: unknown, view: ViewOptions = {}): string {
  const w = record(value);
  const busy = Array.isArray(w.busy) ? w.busy.map(String) : [];
  return [
    `node       ${nodeText(w.node, view)}`,
    `state      ${w.idle === true ? 'idle' : `busy (${busy.join(', ') || '-'})`}`,
    `available  ${w.available === false ? "no (paused: don't use me)" : 'yes'}`,
    `load       ${typeof w.load === 'number' ? w.load.toFixed(2) : '-'}`,
    `battery    ${w.onBattery === true ? 'on battery' : w.onBattery === false ? 'on mains' : 'unknown'}`,
    `steps      ${cell(w.running)} running, at most ${cell(w.cap)}`,
    `exec       ${w.exec === true ? 'allowed (owner jobs)' : 'off'}`,
    '',
  ].join('\n');
}
