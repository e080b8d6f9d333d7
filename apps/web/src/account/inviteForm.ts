/**
 * "Add a device": asks the page's daemon for a one-time invitation (role, expiry) and shows its
 * short code, its link and a QR code of the link, drawn by the `qrcode` package on a canvas, so
 * a phone's camera opens the Join screen. The daemon refuses a member device (`denied`).
 */
import QRCode from 'qrcode';
import { errorLine, h } from '../dom.js';
import { accountOp, type InviteValue } from './accountApi.js';
import { when } from './accountFormat.js';

const EXPIRIES: [string, number][] = [
  ['10 minutes', 10 * 60_000],
  ['1 hour', 3600_000],
  ['1 day', 24 * 3600_000],
];

/** The form and where its invitation shows. */
export function inviteForm(): HTMLElement {
  const role = h('select', { id: 'invite-role', name: 'role' }, h('option', { value: 'member', selected: true }, 'member'), h('option', { value: 'admin' }, 'admin'));
  const expires = h('select', { id: 'invite-expires', name: 'expires' }, ...EXPIRIES.map(([label, ms], i) => h('option', { value: String(ms), selected: i === 0 }, label)));
  const submit = h('button', { type: 'submit', id: 'invite-create' }, 'Add a device');
  const result = h('div', { id: 'invite-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'invite-form', class: 'toolbar' }, h('label', {}, 'Role ', role), h('label', {}, 'Expires in ', expires), submit);
  form.onsubmit = (event) => {
    event.preventDefault();
    submit.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'asking the daemon for an invitation…'));
    accountOp('invite', { role: role.value as 'member' | 'admin', expires: Number(expires.value) })
      .then(showInvitation)
      .then((shown) => result.replaceChildren(...shown))
      .catch((error: unknown) => result.replaceChildren(errorLine(error)))
      .finally(() => (submit.disabled = false));
  };
  return h('div', { class: 'invite' }, form, result);
}

/** The code, the link and its QR code (only the code and link when the QR cannot be drawn). */
async function showInvitation(invitation: InviteValue): Promise<HTMLElement[]> {
  const canvas = h('canvas', { id: 'invite-qr', role: 'img', 'aria-label': `QR code of ${invitation.link}` });
  let qr: HTMLElement = canvas;
  try {
    await QRCode.toCanvas(canvas, invitation.link, { margin: 2, scale: 5, errorCorrectionLevel: 'M' });
  } catch (error) {
    qr = errorLine(error);
  }
  return [
    h(
      'div',
      { class: 'invitation', 'data-role': invitation.role },
      h('p', {}, 'On the new device, open the link or scan the code (a browser tab becomes a device), or run ', h('code', {}, `glow join ${invitation.link}`), '.'),
      h('p', {}, 'Code: ', h('strong', { id: 'invite-code', class: 'code' }, invitation.code)),
      h('p', {}, 'Link: ', h('a', { id: 'invite-link', href: invitation.link, target: '_blank', rel: 'noopener' }, invitation.link)),
      qr,
      h('p', { class: 'muted' }, `A ${invitation.role} device; works once, until ${when(invitation.expires)}; dies after ${invitation.tries} wrong codes.`),
    ),
  ];
}
