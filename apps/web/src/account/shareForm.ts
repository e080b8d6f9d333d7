/**
 * The Share form: what (a name or a path in it, such as `docs/2026`, or a resource id), with
 * which friend, read or write, for how long → `share`, which signs the grant and spreads it; the
 * view shows the grant or the daemon's error (not a resource of yours, not a friend, …).
 */
import { errorLine, h } from '../dom.js';
import { accountOp, type FriendValue, type GrantValue } from './accountApi.js';

const EXPIRIES: [string, number][] = [
  ['1 hour', 3600_000],
  ['1 day', 24 * 3600_000],
  ['7 days', 7 * 24 * 3600_000],
  ['30 days', 30 * 24 * 3600_000],
];

/** The form; `friends` fills its "with" list; `shared` runs after a grant was made. */
export function shareForm(shared: (grant: GrantValue) => void): { element: HTMLElement; friends(list: readonly FriendValue[]): void } {
  const what = h('input', { id: 'share-what', name: 'what', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'docs/2026' });
  const withWhom = h('select', { id: 'share-with', name: 'with', required: true });
  const access = h('select', { id: 'share-access', name: 'access' }, h('option', { value: 'read', selected: true }, 'read'), h('option', { value: 'write' }, 'read and write'));
  const expires = h('select', { id: 'share-expires', name: 'expires' }, ...EXPIRIES.map(([label, ms]) => h('option', { value: String(ms), selected: label === '7 days' }, label)));
  const submit = h('button', { type: 'submit', id: 'share-submit' }, 'Share');
  const outcome = h('div', { id: 'share-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'share-form', class: 'toolbar' },
    h('label', {}, 'What ', what),
    h('label', {}, 'With ', withWhom),
    h('label', {}, 'Access ', access),
    h('label', {}, 'For ', expires),
    submit,
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    submit.disabled = true;
    accountOp('share', { ref: what.value.trim(), with: withWhom.value, access: access.value as 'read' | 'write', expires: Number(expires.value) })
      .then((grant) => {
        outcome.replaceChildren(h('p', { 'data-grant': grant.id }, `shared ${grant.subject} with ${grant.handle ?? grant.user.slice(0, 8)} (${grant.abilities.join(', ')}): grant ${grant.id}`));
        shared(grant);
      })
      .catch((error: unknown) => outcome.replaceChildren(errorLine(error)))
      .finally(() => (submit.disabled = false));
  };
  const friends = (list: readonly FriendValue[]) => {
    const chosen = withWhom.value;
    withWhom.replaceChildren(...list.map((friend) => h('option', { value: friend.user, selected: friend.user === chosen }, friend.handle ?? `${friend.user.slice(0, 12)}…`)));
    submit.disabled = list.length === 0;
    submit.title = list.length === 0 ? 'add a friend first' : '';
  };
  return { element: h('div', {}, form, outcome), friends };
}
