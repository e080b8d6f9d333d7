/**
 * The Join screen: what a tab shows when it is not a device of the daemon's user (the daemon
 * would not certify it: it has no login session) — a field for the code of
 * `glow invite`, and nothing of the mesh. Opening the invitation link (`/join#CODE`) fills the
 * code in and pairs at once. Pairing runs the same OPAQUE exchange as `glow join`
 * (apps/daemon/pairing/joinClient.ts) against the daemon that served the page.
 */
import { errorMessage, isGlowError } from '../../../src/firefly/errors.js';
import type { DeviceCertificate } from '../../../src/transport/certificate.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { parseInviteCode } from '../../daemon/pairing/inviteCode.js';
import { joinInviter } from '../../daemon/pairing/joinClient.js';

/** The code in an invitation link's fragment, if the page was opened with one. */
export function codeInLink(): string | undefined {
  if (location.pathname !== '/join' || location.hash.length < 2) return undefined;
  return decodeURIComponent(location.hash.slice(1));
}

/** Pairs this tab's `device` (its device key, tabIdentity.ts) with the daemon that served the page; the certificate, or a GlowError. */
export async function joinWithCode(device: NodeId, name: string, text: string): Promise<DeviceCertificate> {
  const { certificate } = await joinInviter(location.origin, parseInviteCode(text), { node: device, name });
  // The code is spent: it should not stay in the address bar or the history. The tab stays on
  // /join, the page a browser without a login session may load: a reload keeps it a device.
  history.replaceState(null, '', '/join');
  return certificate;
}

/**
 * Shows the Join screen in `root` (the mesh views stay hidden) and resolves with the
 * certificate once the tab paired; a failure is shown and the form stays for another code.
 */
export function showJoinScreen(root: HTMLElement, device: NodeId, name: string, why: string): Promise<DeviceCertificate> {
  root.hidden = false;
  root.innerHTML = `
    <h2>Join</h2>
    <p>This tab is not a device of this daemon's user (${escapeHtml(why)}). Run <code>glow invite</code> on one of your devices and type its code here, or open its link.</p>
    <form id="join-form">
      <label>Invitation code <input id="join-code" name="code" autocomplete="off" spellcheck="false" placeholder="xxxx-xxxx-xxxx" required /></label>
      <button type="submit">Join</button>
    </form>
    <p id="join-error" role="alert"></p>`;
  const form = root.querySelector<HTMLFormElement>('#join-form')!;
  const input = root.querySelector<HTMLInputElement>('#join-code')!;
  const error = root.querySelector<HTMLElement>('#join-error')!;
  return new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      error.textContent = 'joining…';
      joinWithCode(device, name, input.value).then(
        (certificate) => {
          root.hidden = true;
          resolve(certificate);
        },
        (failure: unknown) => {
          error.dataset.code = isGlowError(failure) ? failure.code : 'failed';
          const reason = isGlowError(failure) ? (failure.details as { reason?: string } | undefined)?.reason : undefined;
          error.dataset.reason = reason ?? '';
          error.textContent = errorMessage(failure);
        },
      );
    };
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
