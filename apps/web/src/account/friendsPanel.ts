/**
 * Friends: the users whose devices may link to this user's (`friends`), added by user id and a
 * handle (`addFriend`), removed (`removeFriend`: their links are refused from then on).
 */
import { errorLine, h } from '../dom.js';
import { accountOp, type FriendValue } from './accountApi.js';
import { idCell } from './accountFormat.js';

/** The panel: `show` draws a friends list; `changed` runs after an add or a removal. */
export function friendsPanel(changed: () => void): { element: HTMLElement; show(friends: readonly FriendValue[]): void } {
  const list = h('tbody', {});
  const table = h(
    'table',
    { id: 'friends-list', class: 'entries' },
    h('thead', {}, h('tr', {}, ...['Handle', 'User', 'Devices online', ''].map((title) => h('th', { scope: 'col' }, title)))),
    list,
  );
  const user = h('input', { id: 'friend-user', name: 'user', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'their user id (glow whoami)' });
  const handle = h('input', { id: 'friend-handle', name: 'handle', autocomplete: 'off', spellcheck: 'false', placeholder: 'bob', size: 12 });
  const form = h('form', { id: 'friend-form', class: 'toolbar' }, h('label', {}, 'User id ', user), h('label', {}, 'Handle ', handle), h('button', { type: 'submit', id: 'friend-add' }, 'Add friend'));
  const outcome = h('div', { id: 'friend-result', 'aria-live': 'polite' });

  const run = (work: Promise<FriendValue>, done: (friend: FriendValue) => string) => {
    work.then(
      (friend) => {
        outcome.replaceChildren(h('p', {}, done(friend)));
        changed();
      },
      (error: unknown) => outcome.replaceChildren(errorLine(error)),
    );
  };
  form.onsubmit = (event) => {
    event.preventDefault();
    const text = handle.value.trim();
    run(accountOp('addFriend', { user: user.value.trim(), ...(text ? { handle: text } : {}) }), (friend) => {
      form.reset();
      return `${friend.handle ?? friend.user.slice(0, 8)} is a friend now: their devices may link to yours and reach what you share`;
    });
  };
  const show = (friends: readonly FriendValue[]) => {
    list.replaceChildren(
      ...friends.map((friend) => {
        const remove = h('button', { type: 'button', 'data-remove-friend': friend.user, 'aria-label': `remove friend ${friend.handle ?? friend.user}` }, 'Remove');
        remove.onclick = () => run(accountOp('removeFriend', { user: friend.user }), (gone) => `${gone.handle ?? gone.user.slice(0, 8)} is not a friend any more`);
        return h('tr', { 'data-user': friend.user }, h('td', {}, friend.handle ?? '—'), h('td', {}, idCell(friend.user, 'user id')), h('td', { class: 'num' }, `${friend.online}/${friend.devices}`), h('td', {}, remove));
      }),
    );
    if (friends.length === 0) list.append(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No friends yet: add one by their user id.')));
  };
  return { element: h('div', {}, h('div', { class: 'scroll-x' }, table), form, outcome), show };
}
