/**
 * The Sync view's two forms, both asked of the sync service of the daemon that served the page:
 * "Sync a folder of this device" (`add`: a path on that device, and a name, by default the
 * folder's own) and "Join a synced folder" (`join`: a folder of the mesh that this device holds
 * no replica of yet, and where to keep it). Paths are the daemon's: the page may be open on
 * another machine.
 */
import type { ResourceRef } from '../../../../src/actors/ref.js';
import type { SyncServiceInterface } from '../../../../src/resources/sync/syncService.js';
import { h } from '../dom.js';

/** How long adding or joining may take (the first scan of a large folder), ms, as `glow sync` allows. */
const ACTION_TIMEOUT = 60_000;

/** What the forms need from the view. */
export interface SyncFormOptions {
  /** The daemon's sync service (undefined: the page does not know its daemon yet). */
  service(): ResourceRef<typeof SyncServiceInterface> | undefined;
  /** An action ended: with what it did, or why it failed. */
  outcome(result: { done: string } | { error: unknown }): void;
  /** Something changed: poll now. */
  changed(): Promise<void>;
}

/** The forms' column, and how the view keeps the join form's choices current. */
export interface SyncForms {
  readonly element: HTMLElement;
  /** The folders that can be joined: those of the mesh this device holds no replica of. The choice made is kept while it is offered. */
  joinable(names: readonly string[]): void;
}

/** Two empty forms. */
export function syncForms({ service, outcome, changed }: SyncFormOptions): SyncForms {
  const addPath = h('input', { id: 'sync-add-path', type: 'text', required: true, placeholder: '/home/me/Documents', autocomplete: 'off', spellcheck: 'false' });
  const addName = h('input', { id: 'sync-add-name', type: 'text', placeholder: 'the folder’s own name', autocomplete: 'off', spellcheck: 'false' });
  const add = h('button', { type: 'submit', id: 'sync-add' }, 'Sync this folder');
  const addForm = h(
    'form',
    { id: 'sync-add-form', class: 'sync-form' },
    h('h2', {}, 'Sync a folder of this device'),
    h('label', { for: 'sync-add-path' }, 'Path on this device'),
    addPath,
    h('label', { for: 'sync-add-name' }, 'Name (optional)'),
    addName,
    h('div', { class: 'toolbar' }, add),
  );

  const joinName = h('select', { id: 'sync-join-name', required: true });
  const joinPath = h('input', { id: 'sync-join-path', type: 'text', required: true, placeholder: '/home/me/Documents', autocomplete: 'off', spellcheck: 'false' });
  const join = h('button', { type: 'submit', id: 'sync-join' }, 'Join');
  const joinForm = h(
    'form',
    { id: 'sync-join-form', class: 'sync-form' },
    h('h2', {}, 'Join a synced folder'),
    h('label', { for: 'sync-join-name' }, 'Synced folder'),
    joinName,
    h('label', { for: 'sync-join-path' }, 'Path on this device (made a replica; what it holds is merged in)'),
    joinPath,
    h('div', { class: 'toolbar' }, join),
  );

  /** Runs one action with its button disabled; never rejects. */
  const run = (button: HTMLButtonElement, action: (ref: ResourceRef<typeof SyncServiceInterface>) => Promise<string>) => {
    const ref = service();
    if (!ref) {
      outcome({ error: new Error('the page does not know its daemon yet') });
      return;
    }
    button.disabled = true;
    action(ref)
      .then((done) => outcome({ done }), (error: unknown) => outcome({ error }))
      .then(changed)
      .catch((error: unknown) => outcome({ error }))
      .finally(() => (button.disabled = false));
  };

  addForm.onsubmit = (event) => {
    event.preventDefault();
    const root = addPath.value.trim();
    const name = addName.value.trim();
    run(add, async (ref) => {
      const replica = await ref.call('add', name ? { root, name } : { root }, { timeout: ACTION_TIMEOUT });
      addPath.value = '';
      addName.value = '';
      return `syncing ${replica.root} as ${replica.name}`;
    });
  };

  joinForm.onsubmit = (event) => {
    event.preventDefault();
    const name = joinName.value;
    const root = joinPath.value.trim();
    run(join, async (ref) => {
      const replica = await ref.call('join', { root, name }, { timeout: ACTION_TIMEOUT });
      joinPath.value = '';
      return `${replica.root} joined ${replica.name}`;
    });
  };

  /** The names offered now (undefined before the first list): the select is drawn again only when they change. */
  let offered: readonly string[] | undefined;
  const joinable = (names: readonly string[]) => {
    const before = offered;
    if (before && names.length === before.length && names.every((name, index) => name === before[index])) return;
    offered = [...names];
    const chosen = joinName.value;
    joinName.replaceChildren(
      ...(names.length ? [] : [h('option', { value: '', disabled: true, selected: true }, 'no folder to join')]),
      ...names.map((name) => h('option', { value: name, selected: name === chosen }, name)),
    );
  };
  // With nothing to join, the required select holds only a disabled empty choice: the form cannot be sent.
  joinable([]);

  return { element: h('div', { class: 'sync-forms' }, addForm, joinForm), joinable };
}
