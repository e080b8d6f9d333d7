/** One step of a job as a box of the DAG: its name and kind, state, progress bar, where it ran, and its error, wait or output. */
import type { StepView } from '../../../../src/resources/jobs/interfaces.js';
import { h, shortId } from '../dom.js';
import { summary } from './jobFormat.js';

/** A step's box and how to bring it up to date. */
export interface StepBox {
  readonly box: HTMLElement;
  /** Draws what changed as the job ran; the name, kind and dependencies are fixed at creation. */
  update(step: StepView): void;
}

/** The box of `step`, drawn as it is now; `nameOf` names the node a step ran on. */
export function stepBox(step: StepView, nameOf: (node: string) => string = shortId): StepBox {
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

  const update = (current: StepView) => {
    box.dataset.state = current.state;
    if (current.node) box.dataset.node = current.node;
    else delete box.dataset.node;
    state.textContent = current.state;
    const running = current.state === 'running';
    const percent = Math.round((current.progress?.value ?? 0) * 100);
    const message = current.progress?.message;
    bar.hidden = !running;
    barText.hidden = !running;
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', `${percent}%${message ? ` (${message})` : ''}`);
    fill.style.width = `${percent}%`;
    barText.textContent = running ? `${percent}%${message ? ` — ${message}` : ''}` : '';
    const attempts = current.attempts.length;
    meta.textContent = [current.node ? `on ${nameOf(current.node)}` : '', attempts ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
    meta.title = current.attempts.map((attempt) => `#${attempt.n} ${attempt.state}${attempt.node ? ` on ${nameOf(attempt.node)} (${attempt.node})` : ''}${attempt.error ? `: ${attempt.error.code}` : ''}`).join('\n');
    meta.dataset.attempts = String(attempts);
    drawNote(note, current);
  };
  return { box, update };
}

/** The line under the progress: the error, else what the step waits for, else its output. */
function drawNote(note: HTMLElement, step: StepView): void {
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
}
