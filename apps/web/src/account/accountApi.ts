/**
 * The user's operations as the Devices and Sharing views ask for them: `POST /api/account` on the
 * daemon that served the page (apps/daemon/gateway.ts), which runs the control channel's op of
 * the same name as its own device. The gateway answers only a logged-in browser (or the token); a tab
 * of another machine (a phone that paired by link) gets `unauthorized` there, and then asks the
 * daemon's `glow.Account/1` over its mesh instead (apps/daemon/accountInterface.ts), as the
 * device of the user it is: the daemon holds it to its role (a member tab is `denied` `invite`
 * and `removeDevice`). Only when that fails too does the view say to use a tab on the daemon's
 * machine. A tab that is not a device of the user never gets this far (the Join screen).
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import type { NodeId } from '../../../../src/firefly/address.js';
import { errorMessage } from '../../../../src/firefly/errors.js';
import { ACCOUNT_RESOURCE, AccountInterface } from '../../../daemon/accountInterface.js';
import type { DeviceValue, FriendValue, GrantValue, LoginValue, RemovedValue, WhoamiValue } from '../../../daemon/control.js';
import type { ExportValue } from '../../../daemon/exports.js';
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
  login: [NoArgs, LoginValue];
  export: [{ path: string; name?: string; readOnly?: boolean }, ExportValue];
  exports: [NoArgs, ExportValue[]];
  unexport: [{ name: string }, ExportValue];
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

/** How long the daemon has to answer over the mesh, ms (an invitation takes a key derivation). */
const MESH_TIMEOUT = 10_000;

/** The tab's mesh and its daemon's node id (once known), for when the gateway refuses. */
let meshPath: { mesh: Mesh; daemon: () => NodeId | undefined } | undefined;

/** Lets {@link accountOp} reach the daemon's `glow.Account/1` through `mesh` when `/api/account` answers 401. */
export function useMeshForAccount(mesh: Mesh, daemon: () => NodeId | undefined): void {
  meshPath = { mesh, daemon };
}

/** Runs `op` with `args` at the page's daemon; its value, or an {@link AccountError}. */
export async function accountOp<K extends keyof AccountOps>(op: K, args: AccountOps[K][0]): Promise<AccountOps[K][1]> {
  let response: Response;
  try {
    response = await fetch('/api/account', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...args, op }), cache: 'no-store' });
  } catch {
    throw new AccountError('the daemon did not answer (is it running?)', 'noconnection');
  }
  // A paired tab of another machine reaches the mesh through its certificate, but not the
  // gateway, which only a logged-in browser (or the token) may use: it asks over the mesh.
  if (response.status === 401) return overMesh(op, args);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AccountError(`HTTP ${response.status}`, `http${response.status}`);
  }
  if (!response.ok) {
    const failure = body as { code?: unknown; message?: unknown; details?: { reason?: unknown } };
    const reason = typeof failure.details?.reason === 'string' ? failure.details.reason : undefined;
    throw new AccountError(typeof failure.message === 'string' ? failure.message : `HTTP ${response.status}`, typeof failure.code === 'string' ? failure.code : `http${response.status}`, reason);
  }
  return body as AccountOps[K][1];
}

let loggingIn: Promise<void> | undefined;

/**
 * Gives this tab a session of the page's gateway (/fs, /api) when it has none: a tab of another
 * machine asks its daemon over the mesh for a one-time login (an admin device only) and trades it
 * for the session cookie, as a visit to `glow open`'s URL does. Concurrent callers share one try.
 */
export function logInToGateway(): Promise<void> {
  loggingIn ??= (async () => {
    const { url } = await overMesh('login', {});
    // Same origin: the login's path and query only. The answer is a redirect that sets the cookie.
    const response = await fetch(`/${new URL(url).search}`, { redirect: 'manual', cache: 'no-store' });
    if (response.type !== 'opaqueredirect' && !response.ok) throw new AccountError(`the login was refused (HTTP ${response.status})`, 'unauthorized');
  })().finally(() => (loggingIn = undefined));
  return loggingIn;
}

/**
 * `op` at the daemon's `glow.Account/1`, through the tab's mesh. Its refusals and failures keep
 * their Glow code and reason; a daemon that cannot be reached, or that has no such resource,
 * leaves the tab with the advice to use the daemon's machine.
 */
async function overMesh<K extends keyof AccountOps>(op: K, args: AccountOps[K][0]): Promise<AccountOps[K][1]> {
  const notHere = (why: string) =>
    new AccountError(`this tab is not on the daemon's machine (${why}): manage devices and sharing from a tab there, or with glow devices, glow friends and glow share`, 'unauthorized');
  const daemon = meshPath?.daemon();
  if (!meshPath || daemon === undefined) throw notHere('and it is not linked to the daemon yet');
  try {
    const account = meshPath.mesh.node.ref({ node: daemon, local: ACCOUNT_RESOURCE }, AccountInterface);
    return (await account.call(op, args as never, { timeout: MESH_TIMEOUT })) as AccountOps[K][1];
  } catch (error) {
    const failure = error as { code?: unknown; details?: { reason?: unknown } } | null;
    const code = typeof failure?.code === 'string' ? failure.code : 'crashed';
    const message = errorMessage(error);
    // Not reached, or an older daemon without glow.Account/1: nothing answered the operation itself.
    if (code === 'noconnection' || code === 'timeout' || (code === 'noproc' && message.startsWith(`no resource ${ACCOUNT_RESOURCE} `))) throw notHere(`and the mesh did not answer: ${code}: ${message}`);
    const reason = typeof failure?.details?.reason === 'string' ? failure.details.reason : undefined;
    throw new AccountError(message, code, reason);
  }
}
