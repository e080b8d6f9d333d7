/**
 * The form that submits a job file (JSON) to the chosen scheduler. A refusal shows the code and,
 * as `data-code`/`data-reason`, the precise reason (a cycle, an unknown step…); a submitted job
 * is handed to the view, which opens it.
 */
import type { ResourceRef } from '../../../../src/actors/ref.js';
import { errorMessage } from '../../../../src/firefly/errors.js';
import type { JobsInterface } from '../../../../src/resources/jobs/interfaces.js';
import { errorText, h } from '../dom.js';
import { VIEW_TIMEOUT } from '../meshQueries.js';

/** What the form starts with: two sleeps side by side, then a hash of their outputs. */
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

/**
 * The form's column of the grid. `jobs` is the chosen scheduler (undefined: none yet);
 * `onSubmitted` runs with the id the scheduler gave the job.
 */
export function submitForm(jobs: () => ResourceRef<typeof JobsInterface> | undefined, onSubmitted: (id: string) => Promise<void>): HTMLElement {
  const file = h('textarea', { id: 'job-file', rows: 12, spellcheck: 'false' });
  file.value = EXAMPLE_JOB;
  const submit = h('button', { type: 'submit', id: 'job-submit' }, 'Submit job');
  const outcome = h('p', { id: 'job-submit-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'job-submit-form' }, h('label', { for: 'job-file' }, 'Job file (JSON)'), file, h('div', { class: 'toolbar' }, submit), outcome);

  const refused = (cause: unknown) => {
    const { code, details } = cause as { code?: string; details?: { reason?: unknown } };
    const reason = typeof details?.reason === 'string' ? details.reason : undefined;
    outcome.className = 'error';
    outcome.dataset.code = code ?? '';
    if (reason) outcome.dataset.reason = reason;
    outcome.textContent = `refused: ${errorText(cause)}${reason ? ` (${reason})` : ''}`;
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    const ref = jobs();
    outcome.className = '';
    delete outcome.dataset.code;
    delete outcome.dataset.reason;
    delete outcome.dataset.id;
    if (!ref) {
      outcome.textContent = 'choose a scheduler first';
      return;
    }
    let job: unknown;
    try {
      job = JSON.parse(file.value);
    } catch (cause) {
      outcome.className = 'error';
      outcome.dataset.code = 'badjson';
      outcome.textContent = `invalid JSON: ${errorMessage(cause)}`;
      return;
    }
    submit.disabled = true;
    outcome.textContent = '…';
    ref
      .call('submit', { job }, { timeout: VIEW_TIMEOUT })
      .then(({ id }) => {
        outcome.dataset.id = id;
        outcome.textContent = `submitted ${id}`;
        return onSubmitted(id);
      })
      .catch(refused)
      .finally(() => (submit.disabled = false));
  };

  return h('div', { class: 'jobs-submit' }, h('h2', {}, 'Submit a job'), form);
}
