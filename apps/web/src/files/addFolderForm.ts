/**
 * "Add a folder" in the Files view: a folder of the daemon's machine (a path there) shared as an
 * export in one step, as `glow export PATH` does (the account's `export` operation: through the
 * gateway, or over the mesh for an admin device's tab elsewhere). The daemon refuses a folder
 * that does not exist, is a file, or is its home or around it; the reason is shown as it says it.
 */
import { AccountError, accountOp } from '../account/accountApi.js';
import { errorCode, errorText, h } from '../dom.js';

/** The form; `onAdded` gets the new export's name once the daemon has it. */
export function addFolderForm(onAdded: (name: string) => Promise<void>): HTMLFormElement {
  const path = h('input', { id: 'fs-add-path', type: 'text', required: true, placeholder: '/home/me/Documents', autocomplete: 'off', spellcheck: false });
  const name = h('input', { id: 'fs-add-name', type: 'text', placeholder: "the folder's name", autocomplete: 'off', spellcheck: false });
  const readOnly = h('input', { id: 'fs-add-readonly', type: 'checkbox' });
  const submit = h('button', { type: 'submit', id: 'fs-add-submit' }, 'Add the folder');
  const outcome = h('p', { id: 'fs-add-outcome', role: 'status' });
  const form = h(
    'form',
    { id: 'fs-add' },
    h('strong', {}, 'Add a folder'),
    h('div', {}, "A folder of the daemon's machine, shared with your devices (kept across restarts)."),
    h('label', { for: 'fs-add-path' }, 'Path on that machine '),
    path,
    h('label', { for: 'fs-add-name' }, 'Name (optional) '),
    name,
    h('label', {}, readOnly, ' read only'),
    h('div', { class: 'toolbar' }, submit),
    outcome,
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    submit.disabled = true;
    outcome.className = '';
    outcome.textContent = 'adding…';
    delete outcome.dataset.code;
    void (async () => {
      try {
        const added = await accountOp('export', { path: path.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}), ...(readOnly.checked ? { readOnly: true } : {}) });
        outcome.textContent = `${added.path} is shared as ${added.name}${added.readOnly ? ' (read only)' : ''}`;
        outcome.dataset.code = 'ok';
        path.value = '';
        name.value = '';
        readOnly.checked = false;
        await onAdded(added.name);
      } catch (cause) {
        outcome.className = 'error';
        outcome.textContent = errorText(cause);
        outcome.dataset.code = (cause instanceof AccountError ? cause.reason ?? cause.code : errorCode(cause)) ?? 'failed';
      } finally {
        submit.disabled = false;
      }
    })();
  };
  return form;
}
