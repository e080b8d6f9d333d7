/**
 * A table of grants (`grants`): given ones (with Revoke while they hold) or received ones: id,
 * the other user, what, abilities, expiry and whether it was revoked.
 */
import { h, shortId } from '../dom.js';
import type { GrantValue } from './accountApi.js';
import { when } from './accountFormat.js';

/** A `<table>` of `grants`; `revoke`, when given, adds a Revoke button to grants still in force. */
export function grantTable(id: string, grants: readonly GrantValue[], revoke?: (grant: GrantValue) => void): HTMLTableElement {
  const head = h('thead', {}, h('tr', {}, ...['Grant', revoke ? 'With' : 'From', 'What', 'Abilities', 'Expires', 'State', ''].map((title) => h('th', { scope: 'col' }, title))));
  const now = Date.now();
  const rows = grants.map((grant) => {
    const state = grant.revoked ? 'revoked' : grant.expires <= now ? 'expired' : 'active';
    const action = h('td', {});
    if (revoke && state === 'active') {
      const button = h('button', { type: 'button', 'data-revoke': grant.id, 'aria-label': `revoke grant ${grant.id}` }, 'Revoke');
      button.onclick = () => {
        button.disabled = true;
        revoke(grant);
      };
      action.append(button);
    }
    return h(
      'tr',
      { 'data-grant': grant.id, 'data-revoked': String(grant.revoked), 'data-state': state },
      h('td', {}, h('code', { title: grant.id }, grant.id)),
      h('td', { title: grant.user }, grant.handle ?? shortId(grant.user), grant.device ? h('span', { class: 'muted', title: grant.device }, ` (one device: ${shortId(grant.device)})`) : undefined),
      h('td', {}, h('code', {}, grant.subject)),
      h('td', {}, grant.abilities.join(', ') + (grant.delegate ? ' (may delegate)' : '')),
      h('td', {}, when(grant.expires)),
      h('td', {}, h('span', { class: 'badge grant-state', 'data-grant-state': state }, state)),
      action,
    );
  });
  const empty = h('tr', {}, h('td', { colspan: 7, class: 'muted' }, revoke ? 'Nothing shared yet.' : 'Nothing shared with you yet.'));
  return h('table', { id, class: 'entries' }, head, h('tbody', {}, ...(rows.length ? rows : [empty])));
}
