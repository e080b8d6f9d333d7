/**
 * The user's operations as the Devices and Sharing views ask for them: `POST /api/account` on the
 * daemon that served the page (apps/daemon/gateway.ts), which runs the control channel's op of
 * the same name as its own device. The gateway answers only this machine (or the token): a tab
 * that is not a device of the user gets `unauthorized` and nothing else.
 */
import type { DeviceValue, FriendValue, GrantValue, RemovedValue, WhoamiValue } from '../../../daemon/control.js';
import type { InviteValue } from '../../../daemon/pairing/pairingOps.js';

export type { DeviceValue, FriendValue, GrantValue, InviteValue, WhoamiValue };

/** A refused or failed account operation, with the Glow code the daemon answered. */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

/** The arguments of an operation that takes none. */
type NoArgs = Record<string, never>;

/** Each operation: its arguments and what it answers. */
interface AccountOps {
  whoami: [NoArgs, WhoamiValue];
  devices: [NoArgs, DeviceValue[]];
  removeDevice: [{ device: string }, RemovedValue];
  invite: [{ role?: 'member' | 'admin'; expires?: number }, InviteValue];
  friends: [NoArgs, FriendValue[]];
  addFriend: [{ user: string; handle?: string }, FriendValue];
  removeFriend: [{ user: string }, FriendValue];
  share: [{ ref: string; with: string; access?: 'read' | 'write'; expires?: number }, GrantValue];
  grants: [NoArgs, GrantValue[]];
  revoke: [{ grant: string }, GrantValue];
}

/** Runs `op` with `args` at the page's daemon; its value, or an {@link AccountError}. */
export async function accountOp<K extends keyof AccountOps>(op: K, args: AccountOps[K][0]): Promise<AccountOps[K][1]> {
  let response: Response;
  try {
    response = await fetch('/api/account', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...args, op }), cache: 'no-store' });
  } catch {
    throw new AccountError('the daemon did not answer (is it running?)', 'noconnection');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AccountError(`HTTP ${response.status}`, `http${response.status}`);
  }
  if (response.status === 401) {
    // A paired tab of another machine reaches the mesh through its certificate, but not the
    // gateway, which only this machine (or the token) may use: say where to do it instead.
    throw new AccountError("this tab is not on the daemon's machine: manage devices and sharing from a tab there, or with glow devices, glow friends and glow share", 'unauthorized');
  }
  if (!response.ok) {
    const failure = body as { code?: unknown; message?: unknown; details?: { reason?: unknown } };
    const reason = typeof failure.details?.reason === 'string' ? failure.details.reason : undefined;
    throw new AccountError(typeof failure.message === 'string' ? failure.message : `HTTP ${response.status}`, typeof failure.code === 'string' ? failure.code : `http${response.status}`, reason);
  }
  return body as AccountOps[K][1];
}
