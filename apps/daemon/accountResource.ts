/**
 * The daemon's `glow.Account/1` resource (accountInterface.ts): the user's operations for the
 * user's other devices over the mesh — above all a phone's tab that paired by link, which the
 * HTTP gateway (a login session or the token only) refuses. Each method runs the control op of the
 * same name through {@link runOperation}, so the logic (and the daemon's own refusals, such as a
 * member daemon's for `invite`) is the control channel's.
 *
 * Who may call: the door admits only this user's devices (another user would need a grant on
 * it); the handler checks again, so that a grant naming this resource gives another user nothing,
 * and it holds the caller to its own role: `invite` and `removeDevice` need the calling device's
 * certificate to carry `admin` — a member tab is `denied` (`not an admin device`) even though
 * the daemon itself could sign. Code inside the daemon (no caller) acts as the daemon.
 */
import type { ResourceId } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import type { Handlers, HandlerResourceSpec } from '../../src/actors/resource.js';
import { ACCOUNT_ARGS, ADMIN_OPS, AccountInterface, type AccountOpName } from './accountInterface.js';
import { runOperation, type DaemonContext } from './operations.js';

/** How many operations may run at once (they are short; `invite` awaits a key derivation). */
const CONCURRENCY = 8;

/** The resource's spec, for `spawnWellKnown(ACCOUNT_RESOURCE, …)`. */
export function accountResource(ctx: DaemonContext): HandlerResourceSpec<typeof AccountInterface> {
  const run = async (op: AccountOpName, args: object, caller: ResourceId | undefined): Promise<never> => {
    authorize(ctx, op, caller);
    const { value } = await runOperation(ctx, { ...args, op }, new AbortController().signal);
    return value as never;
  };
  const handlers = Object.fromEntries(
    (Object.keys(ACCOUNT_ARGS) as AccountOpName[]).map((op) => [op, (args: object, _ctx: unknown, caller?: ResourceId) => run(op, args, caller)]),
  ) as unknown as Handlers<typeof AccountInterface>;
  return { iface: AccountInterface, handlers, concurrency: CONCURRENCY };
}

/** Refuses (`denied`, with `details.reason`) a caller that is not this user's device, or a member for device operations. */
function authorize(ctx: DaemonContext, op: AccountOpName, caller: ResourceId | undefined): void {
  const { trust } = ctx.device;
  if (caller === undefined || caller.node === ctx.mesh.node.id) return;
  const device = trust.deviceOf(caller.node);
  if (!device || device.user !== trust.user) {
    throw new GlowError('denied', `${op} refused: only devices of this user manage its account`, { reason: 'not a device of this user' });
  }
  if (ADMIN_OPS.has(op) && !device.roles.includes('admin')) {
    const what = op === 'login' ? 'it cannot log in to the gateway' : 'it cannot add or remove devices';
    throw new GlowError('denied', `${op} refused: ${device.name} is a member device of this user, not an admin: ${what}`, {
      reason: 'not an admin device',
    });
  }
  ctx.log.debug({ event: 'account.op', op, node: device.node, name: device.name }, `${op} for ${device.name} (${device.node}) over the mesh`);
}
