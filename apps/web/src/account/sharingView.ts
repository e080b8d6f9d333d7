/**
 * The Sharing view: friends (friendsPanel.ts), the Share form (shareForm.ts), and the grants
 * given (with Revoke) and received (grantTable.ts), all through the page's daemon.
 */
import { errorLine, h, markRefreshed } from '../dom.js';
import { accountOp, type GrantValue } from './accountApi.js';
import { friendsPanel } from './friendsPanel.js';
import { grantTable } from './grantTable.js';
import { shareForm } from './shareForm.js';

/** Mounts the view into `root`. */
export function mountSharingView(root: HTMLElement): { refresh: () => Promise<void> } {
  const friends = friendsPanel(() => void refresh());
  const share = shareForm(() => void refresh());
  const grants = h('div', { id: 'grants' });
  const outcome = h('div', { id: 'revoke-result', 'aria-live': 'polite' });
  root.append(
    h('h2', {}, 'Friends'),
    h('p', { class: 'muted' }, "A friend's devices may link to yours; they reach only what you share with them."),
    friends.element,
    h('h2', {}, 'Share'),
    share.element,
    grants,
    outcome,
  );

  const revoke = (grant: GrantValue) => {
    accountOp('revoke', { grant: grant.id })
      .then((revoked) => outcome.replaceChildren(h('p', { 'data-revoked': revoked.id }, `revoked ${revoked.id}: refused wherever the revocation arrives`)))
      .catch((error: unknown) => outcome.replaceChildren(errorLine(error)))
      .finally(() => void refresh());
  };
  const refresh = async () => {
    const [friendList, grantList] = await Promise.allSettled([accountOp('friends', {}), accountOp('grants', {})]);
    if (friendList.status === 'fulfilled') {
      friends.show(friendList.value);
      share.friends(friendList.value);
    }
    if (grantList.status === 'fulfilled') {
      const list = grantList.value;
      grants.replaceChildren(
        h('h2', {}, 'Given'),
        h('div', { class: 'scroll-x' }, grantTable('grants-given', list.filter((grant) => grant.direction === 'given'), revoke)),
        h('h2', {}, 'Received'),
        h('div', { class: 'scroll-x' }, grantTable('grants-received', list.filter((grant) => grant.direction === 'received'))),
      );
    }
    const failed = [friendList, grantList].find((result) => result.status === 'rejected');
    if (failed) grants.replaceChildren(errorLine(failed.reason));
    markRefreshed(grants);
  };
  return { refresh };
}
