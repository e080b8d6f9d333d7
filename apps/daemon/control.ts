/**
 * The control channel between the `glow` CLI and a running daemon: JSON over HTTP on the
 * daemon's own HTTP port (`POST /control`), authenticated by a bearer token that lives in
 * `DIR/control.token` (mode 0600, so only the user who owns DIR can read it). The daemon finds
 * nothing else there: `DIR/daemon.json` says where the control URL is.
 *
 * Request:  `POST /control` with `Authorization: Bearer <token>` and a {@link ControlRequest}.
 * Response: `200` with `{ ok: true, value }`, or an HTTP error status with
 *           `{ ok: false, code, message, details? }` where `code` is a Glow error code.
 */
import type { ErrorCode } from '../../src/firefly/errors.js';

/** What the daemon writes to `DIR/daemon.json` on start (removed on a clean exit). */
export interface DaemonInfo {
  pid: number;
  /** The node id (stable across restarts: the key pair lives in DIR). */
  node: string;
  /** Human name (`--name`), if any. */
  name?: string;
  /** `http://host:port`: control channel, HTTP/JSON gateway, web UI. */
  http: string;
  /** `ws://host:port` of the WebSocket link listener. */
  link: string;
  /** `ws://host:port` of the embedded signaling server, when it runs. */
  signaling?: string;
  /** ms since the epoch. */
  startedAt: number;
}

/**
 * The operations of the control channel. REF is a resource id, a `glow://` URI or a registered name.
 *
 * | op | value |
 * | --- | --- |
 * | `status` | {@link StatusValue} |
 * | `peers` | {@link PeerValue}[] |
 * | `routes` | {@link RouteValue}[] |
 * | `names` | {@link NamesValue}: the device name of every node this daemon knows a certificate of, by node id |
 * | `ls` | {@link ResourceValue}[] (this node; `node`: that node; `all`: every reachable node) |
 * | `describe` | the resource's `describe` answer (`{ interface, members }`, JSON Schemas) |
 * | `call` | the result, as JSON (bytes as base64, big integers as strings: see apps/daemon/json.ts) |
 * | `spawn` | {@link SpawnValue} |
 * | `kill` | {@link DownValue} once it ended (`noproc` error when there was nothing to kill, `denied` when its node refused) |
 * | `monitor` | {@link DownValue} |
 * | `tree` | {@link TreeValue} |
 * | `stop` | {@link StopValue}, then the daemon stops |
 * | `login` | {@link LoginValue}: a fresh one-time login URL of the web UI (`glow open`) |
 * | `whoami` | {@link WhoamiValue} |
 * | `devices` | {@link DeviceValue}[]: this user's devices this node knows |
 * | `removeDevice` | {@link RemovedValue}: the device (name or node id) is removed from the user |
 * | `friends` | {@link FriendValue}[]: the users whose devices may link to this user's |
 * | `addFriend` | {@link FriendValue}: `user` (with an optional `handle`) is a friend now |
 * | `removeFriend` | {@link FriendValue}: the friend (user id or handle) is not one any more |
 * | `share` | {@link GrantValue}: the grant signed, kept and spread |
 * | `grants` | {@link GrantValue}[]: grants given by this user and given to it |
 * | `revoke` | {@link GrantValue}: the grant (id or a unique prefix) is revoked everywhere |
 * | `publicLink` | `PublicLinkValue` (publicLinkOps.ts) with its `url`: a link anyone may open to a file or folder (`ref`) of an export, for `expires` ms (default 7 days) |
 * | `publicLinks` | `PublicLinkValue`[]: the links that still hold (without URLs: only their digests are kept) |
 * | `revokePublicLink` | `PublicLinkValue`: the link (id, token or URL) ends at once |
 * | `createToken` | `AppPasswordValue` (appPasswordOps.ts) with its `secret` and the WebDAV URL: an app password for a file manager (`readOnly`, one `export`) |
 * | `export` | `ExportValue` (exports.ts): the folder `path` (absolute, on the daemon's machine) exported as `name` (its own by default), persisted |
 * | `exports` | `ExportValue`[]: this daemon's exports |
 * | `unexport` | `ExportValue`: the export `name` ends (the folder stays) |
 * | `tokens` | `AppPasswordValue`[]: the app passwords (without secrets) |
 * | `revokeToken` | `AppPasswordValue`: the app password (name or id) ends at once |
 * | `invite` | `InviteValue` (pairing/pairingOps.ts): a one-time code and link for a new device (`expires` ms, default 10 min; `role` default member) |
 * | `join` | `JoinedValue` (pairing/pairingOps.ts): this daemon paired with the inviter of `invitation` (a link, or a code with `connect`) |
 * | `inviteFriend` | `FriendInviteValue` (pairing/friendInvite.ts): a one-time code and link for another user to become a friend (`handle`: what to call them) |
 * | `befriend` | `BefriendedValue` (pairing/friendInvite.ts): the user who invited with `invitation` (a link, or a code with `connect`) is a friend, as this one is theirs |
 * | `stream` | not one value: newline-delimited JSON (`application/x-ndjson`), see {@link StreamLine} |
 * | `subscribe` | like `stream`: a channel's items (`{offset, message, dropped?, gap?}`), through this node's relay |
 */
export type ControlRequest =
  | { op: 'status' }
  | { op: 'peers' }
  | { op: 'routes' }
  | { op: 'names' }
  | { op: 'ls'; node?: string; all?: boolean }
  | { op: 'describe'; ref: string }
  | { op: 'call'; ref: string; method: string; args?: unknown; timeout?: number }
  | { op: 'spawn'; kind: string; args?: unknown; on?: string; name?: string; persist?: boolean }
  | { op: 'kill'; ref: string }
  | { op: 'monitor'; ref: string; timeout?: number }
  | { op: 'tree'; node?: string }
  | { op: 'stop' }
  | { op: 'login' }
  | { op: 'whoami' }
  | { op: 'devices' }
  | { op: 'removeDevice'; device: string }
  | { op: 'friends' }
  | { op: 'addFriend'; user: string; handle?: string }
  | { op: 'removeFriend'; user: string }
  | { op: 'share'; ref: string; with: string; access?: 'read' | 'write'; methods?: string[]; expires?: number; delegate?: boolean }
  | { op: 'grants' }
  | { op: 'revoke'; grant: string }
  | { op: 'publicLink'; ref: string; expires?: number }
  | { op: 'publicLinks' }
  | { op: 'revokePublicLink'; link: string }
  | { op: 'createToken'; name: string; readOnly?: boolean; export?: string }
  | { op: 'tokens' }
  | { op: 'export'; path: string; name?: string; readOnly?: boolean }
  | { op: 'exports' }
  | { op: 'unexport'; name: string }
  | { op: 'revokeToken'; token: string }
  | { op: 'invite'; role?: 'admin' | 'member'; expires?: number }
  | { op: 'join'; invitation: string; connect?: string }
  | { op: 'inviteFriend'; handle?: string; expires?: number }
  | { op: 'befriend'; invitation: string; connect?: string; handle?: string }
  | { op: 'stream'; ref: string; method: string; args?: unknown; credit?: number }
  | { op: 'subscribe'; channel: string; from?: number; policy?: 'block' | 'dropOldest' };

/**
 * One line of a `stream` answer. Items come in order as the resource produces them, and the
 * last line is `end` or `error`; a client that closes the connection cancels the stream (its
 * producer stops). Errors before the first item (`noproc`, `nomethod`, `badarg`) are ordinary
 * failed answers with an HTTP status instead.
 */
export type StreamLine = { item: unknown } | { end: true } | { error: { code: ErrorCode; message: string; details?: unknown } };

/** `status`. */
export interface StatusValue {
  node: string;
  name?: string;
  pid: number;
  /** Seconds since the daemon started. */
  uptime: number;
  http: string;
  link: string;
  signaling?: string;
  peers: number;
  routes: number;
  resources: number;
  processes: number;
}

/**
 * One peer, as `peers` lists them: every neighbour (`path: 'direct'`, its best link's kind), then
 * every other device of this user the mesh reaches (`kind` and `path` `'relayed'`, `via` the next
 * hop, no RTT or bytes of its own: its traffic is counted on the next hop's links).
 */
export interface PeerValue {
  node: string;
  kind: 'memory' | 'websocket' | 'webrtc' | 'relayed';
  /** `direct`: over a link of this node's; `relayed`: through the mesh, via {@link via}. */
  path: 'direct' | 'relayed';
  /** The next hop of a relayed peer. */
  via?: string;
  /** The device name its certificate gives, when this node knows it. */
  name?: string;
  /** ms; null until measured (always null when relayed). */
  rtt: number | null;
  /** Bytes the links to it carried from it and to it. */
  bytesIn: number;
  bytesOut: number;
}

/**
 * `names`: node id → device name, for this daemon, the user's devices and friends' devices it
 * knows a certificate of (another user's as `name@handle`, or `name@` and the start of the user
 * id when the friend has no handle): what the CLI shows instead of node ids.
 */
export type NamesValue = Record<string, string>;

/** One route, as `routes` lists them. */
export interface RouteValue {
  destination: string;
  nextHop: string;
  metric: number;
  hops?: number;
}

/** One resource, as `ls` lists them. */
export interface ResourceValue {
  id: string;
  interface: string;
  owner?: string;
  name?: string;
}

/** A friend, as `friends` lists them. */
export interface FriendValue {
  user: string;
  handle?: string;
  /** Their devices this node knows, and how many of those it reaches now. */
  devices: number;
  online: number;
}

/** A grant, as `grants`, `share` and `revoke` show it. */
export interface GrantValue {
  id: string;
  /** `given` by this user, or `received` from another. */
  direction: 'given' | 'received';
  /** The other user: the audience of a given grant, the issuer of a received one. */
  user: string;
  handle?: string;
  /** Set when the grant is for one device of that user. */
  device?: string;
  /** What it is about: a name or resource id, and the path in it. */
  subject: string;
  /** `read`, `write` and method names. */
  abilities: string[];
  /** ms since the epoch (the earliest expiry along its chain). */
  expires: number;
  delegate: boolean;
  /** The grant it was delegated from. */
  parent?: string;
  revoked: boolean;
}

/** `monitor` answers when the resource ends (or `timeout` fails first). */
export interface DownValue {
  ref: string;
  reason: unknown;
}

/** `spawn`: the process started (`persisted`: recorded in DIR, it comes back after a restart). */
export interface SpawnValue {
  ref: string;
  kind: string;
  /** The node it runs on. */
  node: string;
  name?: string;
  persisted: boolean;
}

/** A process and what it owns (as `glow.Node/1 processes` lists them). */
export interface ProcessTreeValue {
  id: string;
  kind: string;
  interface: string;
  owner?: string;
  resources: { id: string; interface: string; owner?: string }[];
  children: ProcessTreeValue[];
}

/** `tree`: a node's supervision trees (`glow.Node/1 info`). */
export interface TreeValue {
  /** The node id. */
  id: string;
  /** How many resources run on it. */
  resources: number;
  processes: ProcessTreeValue[];
}

/** `whoami`: this daemon's user and device, from its certificate. */
export interface WhoamiValue {
  /** The user id (the user's public key). */
  user: string;
  node: string;
  /** The device name in the certificate. */
  name: string;
  roles: string[];
  /** ms since the epoch. */
  issued: number;
  expires: number;
  /** True when the user's key is on this device (it created the user). */
  userKey: boolean;
  /** Devices of this user this node has seen a valid certificate of, itself included. */
  devices: number;
  friends: number;
}

/** One of `devices`. */
export interface DeviceValue {
  /** The node it runs as (a tab: the one seen last; it changes at every load). */
  node: string;
  /** A tab's device key, which its certificate names and a removal removes: the same across reloads. */
  key?: string;
  name: string;
  roles: string[];
  /** This daemon's own node. */
  self: boolean;
  /** Reachable through the mesh now. */
  online: boolean;
  /** When its certificate last reached this node, ms since the epoch. */
  lastSeen: number;
  /** When its certificate expires, ms since the epoch. */
  expires: number;
}

/** `removeDevice`: answered once the removal is signed, kept and on its way to every node. */
export interface RemovedValue {
  node: string;
  name: string;
}

/** `stop`: answered before the daemon stops. */
export interface StopValue {
  stopping: true;
}

/** `login`: a one-time URL that logs a browser in to the web UI (sessions.ts). */
export interface LoginValue {
  /** `http://127.0.0.1:PORT/?login=SECRET`: works once. */
  url: string;
  /** ms since the epoch after which it no longer works. */
  expires: number;
}

/** A failed control request, as the body of a non-2xx answer. */
export interface ControlError {
  ok: false;
  code: ErrorCode | 'unauthorized';
  message: string;
  details?: unknown;
}

/** HTTP status for each error code (control channel and gateway alike). */
export const HTTP_STATUS: Readonly<Record<ErrorCode | 'unauthorized', number>> = Object.freeze({
  badarg: 400,
  badpacket: 400,
  unauthorized: 401,
  denied: 403,
  noproc: 404,
  nomethod: 404,
  timeout: 504,
  noconnection: 502,
  busy: 503,
  crashed: 500,
  failed: 422,
  unsupported: 501,
});
