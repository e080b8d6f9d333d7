/**
 * `glow.Account/1`: the user's operations (devices, invitations, friends, grants) as a resource
 * of the daemon, at the well-known local id {@link ACCOUNT_RESOURCE}, for the user's other
 * devices: a phone's tab that paired by link reaches its daemon over the mesh, not through the
 * HTTP gateway (which answers only a login session or the token). Each method runs the control
 * channel's op of the same name (accountResource.ts); the argument entries here are the ones
 * that op validates (operations.ts builds its request schema from them), so both stay one.
 *
 * Browser-safe (valibot and the IDL only): the web app imports it to call the resource.
 */
import * as v from 'valibot';
import { defineInterface, method } from '../../src/firefly/idl.js';

/** The local id of every daemon's account resource. */
export const ACCOUNT_RESOURCE = 'account';

const ref = v.pipe(v.string(), v.minLength(1), v.maxLength(512));

/** The arguments of each account operation, as object entries (without the control op's `op`). */
export const ACCOUNT_ARGS = {
  whoami: {},
  login: {},
  devices: {},
  removeDevice: { device: v.pipe(v.string(), v.minLength(1), v.maxLength(256)) },
  friends: {},
  addFriend: { user: v.pipe(v.string(), v.maxLength(256)), handle: v.optional(v.pipe(v.string(), v.maxLength(64))) },
  removeFriend: { user: v.pipe(v.string(), v.minLength(1), v.maxLength(256)) },
  share: {
    ref,
    with: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    access: v.optional(v.picklist(['read', 'write'])),
    methods: v.optional(v.pipe(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a method name'))), v.maxLength(64))),
    expires: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1000), v.maxValue(10 * 365 * 24 * 3600_000))),
    delegate: v.optional(v.boolean()),
  },
  grants: {},
  revoke: { grant: v.pipe(v.string(), v.minLength(4), v.maxLength(64)) },
  export: {
    path: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
    name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    readOnly: v.optional(v.boolean()),
  },
  exports: {},
  unexport: { name: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) },
  invite: {
    role: v.optional(v.picklist(['admin', 'member'])),
    // One minute to one week: an invitation is for a device at hand, not a standing door.
    expires: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(7 * 24 * 3_600_000))),
  },
} as const;

/** An account operation's name. */
export type AccountOpName = keyof typeof ACCOUNT_ARGS;

/**
 * Operations over the mesh only for a caller whose device is an admin: those that create or
 * remove devices, `login`, whose session may use the whole gateway as the daemon does, and those
 * that share or stop sharing a folder of the daemon's machine.
 */
export const ADMIN_OPS: ReadonlySet<AccountOpName> = new Set<AccountOpName>(['invite', 'removeDevice', 'login', 'export', 'unexport']);

const roles = v.array(v.string());

const WhoamiSchema = v.object({
  user: v.string(),
  node: v.string(),
  name: v.string(),
  roles,
  issued: v.number(),
  expires: v.number(),
  userKey: v.boolean(),
  devices: v.number(),
  friends: v.number(),
});
const DeviceSchema = v.object({ node: v.string(), name: v.string(), roles, self: v.boolean(), online: v.boolean(), lastSeen: v.number(), expires: v.number() });
const RemovedSchema = v.object({ node: v.string(), name: v.string() });
const FriendSchema = v.object({ user: v.string(), handle: v.optional(v.string()), devices: v.number(), online: v.number() });
const GrantSchema = v.object({
  id: v.string(),
  direction: v.picklist(['given', 'received']),
  user: v.string(),
  handle: v.optional(v.string()),
  device: v.optional(v.string()),
  subject: v.string(),
  abilities: v.array(v.string()),
  expires: v.number(),
  delegate: v.boolean(),
  parent: v.optional(v.string()),
  revoked: v.boolean(),
});
const LoginSchema = v.object({ url: v.string(), expires: v.number() });
const ExportSchema = v.object({ name: v.string(), path: v.string(), readOnly: v.boolean(), ref: v.optional(v.string()) });
const InviteSchema = v.object({ code: v.string(), link: v.string(), role: v.picklist(['admin', 'member']), expires: v.number(), tries: v.number() });

const args = <K extends AccountOpName>(op: K) => v.strictObject(ACCOUNT_ARGS[op]);

/**
 * The daemon's account resource. Only the user's own devices reach it (the door admits no other
 * user without a grant, and the resource refuses other users even with one); `invite` and
 * `removeDevice` need the caller's device to hold the `admin` role.
 */
export const AccountInterface = defineInterface('glow.Account/1', {
  whoami: method(args('whoami'), WhoamiSchema, {
    description: "the daemon's own user and device (not the caller's: a caller knows its own certificate)",
    access: 'read',
  }),
  login: method(args('login'), LoginSchema, {
    description:
      "a one-time login of the daemon's web UI (`/?login=…`, as `glow open` prints): an admin device's tab that joined by invitation on another machine trades it for a session of the gateway (/fs, /api); the caller must be an admin device",
  }),
  devices: method(args('devices'), v.array(DeviceSchema), { description: "this user's devices the daemon knows (`self`: the daemon)", access: 'read' }),
  removeDevice: method(args('removeDevice'), RemovedSchema, {
    description: 'removes a device of this user (node id or unique name): signed, its links cut, spread to every node; the caller must be an admin device',
  }),
  invite: method(args('invite'), InviteSchema, { description: 'a one-time invitation (code and link) for a new device; the caller must be an admin device' }),
  export: method(args('export'), ExportSchema, {
    description: "shares a folder of the daemon's machine (an absolute path there) as a persisted FileSystem export named `name` (the folder's own by default); the caller must be an admin device",
  }),
  exports: method(args('exports'), v.array(ExportSchema), { description: "the daemon's exports", access: 'read' }),
  unexport: method(args('unexport'), ExportSchema, { description: 'stops sharing an export (the folder stays); the caller must be an admin device' }),
  friends: method(args('friends'), v.array(FriendSchema), { description: 'the users whose devices may link to this user’s', access: 'read' }),
  addFriend: method(args('addFriend'), FriendSchema, { description: 'makes a user (id, optional handle) a friend' }),
  removeFriend: method(args('removeFriend'), FriendSchema, { description: 'a friend (user id or handle) is not one any more: their links are cut' }),
  share: method(args('share'), GrantSchema, { description: 'signs a grant on a name, resource or path of this user for a friend' }),
  grants: method(args('grants'), v.array(GrantSchema), { description: 'grants given by this user and given to it', access: 'read' }),
  revoke: method(args('revoke'), GrantSchema, { description: 'revokes a grant this user gave (id or unique prefix), everywhere' }),
});
