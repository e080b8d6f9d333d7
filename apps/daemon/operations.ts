/**
 * The control channel's operations (see control.ts for the contract and each op's value): every
 * {@link ControlRequest} is validated, then answered from the daemon's mesh. Failures are
 * GlowErrors; the HTTP layer turns their code into a status (HTTP_STATUS).
 */
import * as v from 'valibot';
import type { Mesh } from '../../src/actors/mesh.js';
import { NodeInterface } from '../../src/actors/interfaces.js';
import { NODE_RESOURCE, formatResourceId, parseResourceId, type NodeId, type ResourceId } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import { validate } from '../../src/firefly/validate.js';
import type { ControlRequest, DaemonInfo, DeviceValue, LoginValue, DownValue, NamesValue, PeerValue, RemovedValue, ResourceValue, RouteValue, SpawnValue, StatusValue, TreeValue, WhoamiValue } from './control.js';
import { removeDevice } from '../../src/actors/trust/deviceRemoval.js';
import { deviceIdOf } from '../../src/actors/trust/trust.js';
import { relayedOwnDevices } from '../../src/actors/peerPaths.js';
import type { Logger } from './log.js';
import type { PersistedProcesses } from './persist.js';
import type { LoadedDevice } from './userHome.js';
import { checkNodeId, resolveRef } from './refs.js';
import { addFriend, friends, grantList, removeFriend, revoke, share as shareGrant } from './sharing.js';
import { resolveChannel, subscribeChannel } from '../../src/resources/channel/index.js';
import { invite, join, type PairingContext } from './pairing/pairingOps.js';
import { befriend, inviteFriend } from './pairing/friendInvite.js';
import { ACCOUNT_ARGS, type AccountOpName } from './accountInterface.js';
import { loginUrl } from './login.js';
import type { Sessions } from './sessions.js';
import type { PublicLinks } from './publicLinks.js';
import type { AppPasswords } from './appPasswords.js';
import { appPasswordValue, createAppPassword } from './appPasswordOps.js';
import { exportFolder, exportList, removeExport } from './exports.js';
import { createPublicLink, publicLinkList, revokePublicLink } from './publicLinkOps.js';

/** What the operations need from the daemon. */
export interface DaemonContext {
  readonly mesh: Mesh;
  /** What daemon.json says. */
  info(): DaemonInfo;
  readonly persisted: PersistedProcesses;
  readonly log: Logger;
  /** This daemon's user, certificate and trust store. */
  readonly device: LoadedDevice;
  /** Open invitations, and linking to an inviter after `join`. */
  readonly pairing: PairingContext;
  /** The web UI's one-time logins and sessions. */
  readonly sessions: Sessions;
  /** Links anyone may open (`glow share --public`). */
  readonly publicLinks: PublicLinks;
  /** What WebDAV clients log in with (`glow token create`). */
  readonly appPasswords: AppPasswords;
  /** The daemon's home (DIR): never exported. */
  readonly home: string;
  /** Starts a graceful shutdown (after the current answer went out). */
  requestStop(): void;
}

/** An answer, and what to do once it was sent. */
export interface OperationResult {
  value: unknown;
  after?: () => void;
  /** `stream`: the items, to be sent as lines (`value` is then undefined). */
  stream?: OpenStream;
}

/**
 * A stream whose first step was taken: a failure that comes at once (`noproc`, `badarg`, …)
 * answers as an ordinary error, while a stream with nothing to say yet (a quiet channel, a
 * watch) still answers at once, its first item to follow.
 */
export interface OpenStream {
  /** The resource, as a printable id. */
  ref: string;
  first: Promise<IteratorResult<unknown>>;
  rest: AsyncIterableIterator<unknown>;
}

/** How long a stream's first step may take to fail before the answer starts anyway, in ms. */
const STREAM_START_WAIT = 300;

/** Takes the stream's first step, waiting a little for an early failure. */
async function openStream(ref: string, rest: AsyncIterableIterator<unknown>): Promise<OpenStream> {
  const first = rest.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([first, new Promise((resolve) => (timer = setTimeout(resolve, STREAM_START_WAIT)))]);
  } finally {
    clearTimeout(timer);
  }
  return { ref, first, rest };
}

const ref = v.pipe(v.string(), v.minLength(1), v.maxLength(512));
const timeout = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3_600_000)));

/** Schema of {@link ControlRequest}: requests arrive from the network, they are checked before use. */
export const ControlRequestSchema = v.variant('op', [
  v.strictObject({ op: v.literal('status') }),
  v.strictObject({ op: v.literal('peers') }),
  v.strictObject({ op: v.literal('routes') }),
  v.strictObject({ op: v.literal('names') }),
  v.strictObject({ op: v.literal('ls'), node: v.optional(v.string()), all: v.optional(v.boolean()) }),
  v.strictObject({ op: v.literal('describe'), ref }),
  v.strictObject({ op: v.literal('call'), ref, method: v.pipe(v.string(), v.minLength(1), v.maxLength(256)), args: v.optional(v.unknown()), timeout }),
  v.strictObject({
    op: v.literal('spawn'),
    kind: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    args: v.optional(v.unknown()),
    on: v.optional(v.string()),
    name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
    persist: v.optional(v.boolean()),
  }),
  v.strictObject({ op: v.literal('kill'), ref }),
  v.strictObject({ op: v.literal('monitor'), ref, timeout }),
  v.strictObject({ op: v.literal('tree'), node: v.optional(v.string()) }),
  v.strictObject({ op: v.literal('stop') }),
  // The user's operations: the same arguments as glow.Account/1's methods (accountInterface.ts).
  ...(Object.keys(ACCOUNT_ARGS) as AccountOpName[]).map((op) => v.strictObject({ op: v.literal(op), ...ACCOUNT_ARGS[op] })),
  v.strictObject({
    op: v.literal('publicLink'),
    ref,
    expires: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1000), v.maxValue(365 * 24 * 3600_000))),
  }),
  v.strictObject({ op: v.literal('publicLinks') }),
  v.strictObject({
    op: v.literal('createToken'),
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    readOnly: v.optional(v.boolean()),
    export: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
  }),
  v.strictObject({ op: v.literal('tokens') }),
  v.strictObject({ op: v.literal('revokeToken'), token: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) }),
  v.strictObject({ op: v.literal('revokePublicLink'), link: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) }),
  v.strictObject({ op: v.literal('join'), invitation: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)), connect: v.optional(v.pipe(v.string(), v.maxLength(2048))) }),
  v.strictObject({ op: v.literal('inviteFriend'), handle: v.optional(v.pipe(v.string(), v.maxLength(64))), expires: ACCOUNT_ARGS.invite.expires }),
  v.strictObject({
    op: v.literal('befriend'),
    invitation: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)),
    connect: v.optional(v.pipe(v.string(), v.maxLength(2048))),
    handle: v.optional(v.pipe(v.string(), v.maxLength(64))),
  }),
  v.strictObject({
    op: v.literal('stream'),
    ref,
    method: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    args: v.optional(v.unknown()),
    credit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024))),
  }),
  v.strictObject({
    op: v.literal('subscribe'),
    channel: ref,
    from: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0))),
    policy: v.optional(v.picklist(['block', 'dropOldest'])),
  }),
]);

/** How long a remote node has to answer `ls`, `tree` and `spawn --on`. */
const REMOTE_TIMEOUT = 5000;

/** Runs one request. `aborted` fires when the client went away (a `monitor` then stops waiting). */
export async function runOperation(ctx: DaemonContext, raw: unknown, aborted: AbortSignal): Promise<OperationResult> {
  const request = (await validate(ControlRequestSchema, raw)) as ControlRequest;
  const { mesh } = ctx;
  const node = mesh.node;
  switch (request.op) {
    case 'status':
      return { value: status(ctx) };
    case 'peers':
      return { value: peers(ctx) };
    case 'routes':
      return {
        value: mesh.router.routes().map((r): RouteValue => ({ destination: r.destination, nextHop: r.nextHop, metric: r.metric, hops: r.hops })),
      };
    case 'names':
      return { value: names(ctx) };
    case 'ls':
      return { value: await list(ctx, request.all ? 'all' : request.node === undefined ? node.id : checkNodeId(node, request.node)) };
    case 'describe':
      return { value: await resolveRef(node, request.ref).describe() };
    case 'call':
      return { value: await resolveRef(node, request.ref).call(request.method, request.args ?? {}, { timeout: request.timeout }) };
    case 'spawn':
      return { value: await spawn(ctx, request) };
    case 'kill':
      return { value: await kill(ctx, request.ref) };
    case 'monitor':
      return { value: await monitor(ctx, request.ref, request.timeout, aborted) };
    case 'tree': {
      const target = request.node === undefined ? node.id : checkNodeId(node, request.node);
      return { value: (await nodeRef(ctx, target).call('info', {}, { timeout: REMOTE_TIMEOUT })) as TreeValue };
    }
    case 'stop':
      return { value: { stopping: true }, after: () => ctx.requestStop() };
    case 'login': {
      const { secret, expires } = ctx.sessions.issueLogin();
      ctx.log.info({ event: 'http.loginIssued', expires }, 'issued a one-time login URL for the web UI');
      return { value: { url: loginUrl(ctx.info().http, secret), expires } satisfies LoginValue };
    }
    case 'whoami':
      return { value: whoami(ctx.device) };
    case 'devices':
      return { value: devices(ctx) };
    case 'friends':
      return { value: friends(ctx.device.trust, (peer) => mesh.router.isReachable(peer)) };
    case 'addFriend':
      return { value: addFriend(ctx.device.trust, request.user, request.handle) };
    case 'removeFriend':
      return { value: removeFriend(ctx.device.trust, request.user) };
    case 'share': {
      const { op: _op, ...share } = request;
      return { value: shareGrant(node, mesh.identity, ctx.device, share) };
    }
    case 'grants':
      return { value: grantList(ctx.device.trust) };
    case 'publicLink':
      return { value: await createPublicLink(ctx, request.ref, request.expires) };
    case 'publicLinks':
      return { value: publicLinkList(ctx) };
    case 'revokePublicLink':
      return { value: await revokePublicLink(ctx, request.link) };
    case 'createToken':
      return { value: await createAppPassword(ctx, request.name, request.readOnly ?? false, request.export) };
    case 'export':
      return { value: await exportFolder(ctx, ctx.home, request.path, { ...(request.name === undefined ? {} : { name: request.name }), ...(request.readOnly === undefined ? {} : { readOnly: request.readOnly }) }) };
    case 'exports':
      return { value: exportList(ctx) };
    case 'unexport':
      return { value: await removeExport(ctx, request.name) };
    case 'tokens':
      return { value: ctx.appPasswords.list().map(appPasswordValue) };
    case 'revokeToken':
      return { value: appPasswordValue(await ctx.appPasswords.revoke(request.token)) };
    case 'revoke':
      return { value: revoke(mesh.identity, ctx.device, request.grant) };
    case 'removeDevice':
      return { value: removeOwnDevice(ctx, request.device) };
    case 'invite':
      return { value: await invite(ctx, request.role ?? 'member', request.expires ?? 10 * 60_000) };
    case 'join':
      return { value: await join(ctx, request.invitation, request.connect) };
    case 'inviteFriend':
      return { value: await inviteFriend(ctx, request.expires ?? 10 * 60_000, request.handle) };
    case 'befriend':
      return { value: await befriend(ctx, request.invitation, request.connect, request.handle) };
    case 'stream': {
      const target = resolveRef(node, request.ref);
      const rest = target.iterate(request.method, request.args ?? {}, request.credit === undefined ? {} : { credit: request.credit });
      return { value: undefined, stream: await openStream(formatResourceId(target.id), rest) };
    }
    case 'subscribe': {
      // Through subscribeChannel: every subscriber on this node shares one copy of each message.
      const channel = resolveChannel(node, request.channel);
      const rest = subscribeChannel(node, channel, { ...(request.from === undefined ? {} : { from: request.from }), ...(request.policy ? { policy: request.policy } : {}) });
      return { value: undefined, stream: await openStream(formatResourceId(channel), rest) };
    }
  }
}

function devices(ctx: DaemonContext): DeviceValue[] {
  const self = ctx.mesh.node.id;
  return ctx.device.trust
    .ownDevices()
    .map((device) => ({
      node: device.node,
      ...(device.key ? { key: device.key } : {}),
      name: device.name,
      roles: [...device.roles],
      self: device.node === self,
      online: device.node === self || ctx.mesh.router.isReachable(device.node),
      lastSeen: device.lastSeen,
      expires: device.expires,
    }))
    .sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}

/**
 * Removes a device of this user, named by its node id or its (unique) name: signs the removal
 * with the user key or, on an admin device, with this node's key; the trust store keeps it, cuts
 * the device's links and spreads the removal to every reachable node.
 */
function removeOwnDevice(ctx: DaemonContext, which: string): RemovedValue {
  const { trust, userKey } = ctx.device;
  const matches = trust.ownDevices().filter((device) => device.node === which || device.key === which || device.name === which);
  if (matches.length === 0) throw new GlowError('badarg', `no device of this user is named ${JSON.stringify(which)} (glow devices lists them)`);
  if (matches.length > 1) throw new GlowError('badarg', `${matches.length} devices are named ${JSON.stringify(which)}: give the node id`);
  const target = matches[0]!;
  if (target.node === ctx.mesh.node.id) throw new GlowError('badarg', 'a device cannot remove itself: remove it from another device of the user');
  const own = trust.certificate;
  if (!userKey && !own.roles.includes('admin')) throw new GlowError('denied', 'this device is a member, not an admin: it cannot remove devices', { reason: 'not an admin device' });
  // A tab is removed by its device key: every node it runs as, now and after a reload, is refused.
  const device = deviceIdOf(target);
  const removal = userKey ? removeDevice(trust.user, device, Date.now(), userKey) : removeDevice(trust.user, device, Date.now(), ctx.mesh.identity, own);
  trust.remove(removal);
  ctx.log.info({ event: 'device.removed', node: target.node, name: target.name }, `removed device ${target.name} (${device})`);
  return { node: target.node, name: target.name };
}

function whoami(device: LoadedDevice): WhoamiValue {
  const { trust } = device;
  const cert = trust.certificate;
  return {
    user: trust.user,
    node: cert.node,
    name: cert.name,
    roles: [...cert.roles],
    issued: cert.issued,
    expires: cert.expires,
    userKey: device.userKey !== undefined,
    devices: trust.ownDevices().length,
    friends: trust.friendList().length,
  };
}

/** `peers`: the neighbours (direct), then this user's devices reached through them (relayed). */
function peers(ctx: DaemonContext): PeerValue[] {
  const { router } = ctx.mesh;
  const { trust } = ctx.device;
  // The name lets the CLI say `relayed via laptop` rather than a node id.
  const named = (node: string) => {
    const name = trust.deviceOf(node)?.name;
    return name ? { name } : {};
  };
  const direct = router.neighbours().map(
    (n): PeerValue => ({ node: n.node, kind: n.kind, path: 'direct', ...named(n.node), rtt: n.rtt === undefined ? null : round(n.rtt), bytesIn: n.bytesIn, bytesOut: n.bytesOut }),
  );
  const relayed = relayedOwnDevices(router, trust).map(
    ({ node, via }): PeerValue => ({ node, kind: 'relayed', path: 'relayed', via, ...named(node), rtt: null, bytesIn: 0, bytesOut: 0 }),
  );
  return [...direct, ...relayed];
}

function names(ctx: DaemonContext): NamesValue {
  const { trust } = ctx.device;
  const value: NamesValue = {};
  for (const node of [trust.certificate.node, ...trust.knownDevices().map((device) => device.node)]) {
    const label = trust.deviceLabel(node);
    if (label !== undefined) value[node] = label;
  }
  return value;
}

function status(ctx: DaemonContext): StatusValue {
  const info = ctx.info();
  const node = ctx.mesh.node;
  const count = (trees: { children: unknown[] }[]): number => trees.reduce((n, tree) => n + 1 + count(tree.children as never), 0);
  return {
    node: info.node,
    ...(info.name ? { name: info.name } : {}),
    pid: info.pid,
    uptime: Math.round((Date.now() - info.startedAt) / 1000),
    http: info.http,
    link: info.link,
    ...(info.signaling ? { signaling: info.signaling } : {}),
    peers: ctx.mesh.router.neighbours().length,
    routes: ctx.mesh.router.routes().length,
    resources: node.resources().length,
    processes: count(node.processTree()),
  };
}

function nodeRef(ctx: DaemonContext, id: NodeId) {
  return ctx.mesh.node.ref({ node: id, local: NODE_RESOURCE }, NodeInterface);
}

/** Resources of one node or of every reachable one, with the names the directory knows for them. */
async function list(ctx: DaemonContext, target: NodeId | 'all'): Promise<ResourceValue[]> {
  const node = ctx.mesh.node;
  const names = new Map<string, string>();
  for (const entry of node.directory.list()) if (!names.has(entry.id)) names.set(entry.id, entry.name);
  const nodes = target === 'all' ? [node.id, ...ctx.mesh.router.routes().map((route) => route.destination)] : [target];
  const lists = await Promise.all(
    nodes.map(async (id) => {
      if (id === node.id) return node.resources();
      try {
        return await nodeRef(ctx, id).call('resources', {}, { timeout: REMOTE_TIMEOUT });
      } catch (error) {
        if (target !== 'all') throw error;
        ctx.log.warn({ event: 'ls.failed', node: id, error: String(error) }, `ls: ${id} did not answer`);
        return [];
      }
    }),
  );
  return lists.flat().map((resource) => {
    const name = names.get(resource.id);
    return { ...resource, ...(name ? { name } : {}) };
  });
}

async function spawn(ctx: DaemonContext, request: Extract<ControlRequest, { op: 'spawn' }>): Promise<SpawnValue> {
  const node = ctx.mesh.node;
  const on = request.on === undefined ? node.id : checkNodeId(node, request.on);
  const { kind, args, name } = request;
  if (request.persist) {
    if (on !== node.id) throw new GlowError('badarg', 'persist keeps processes of this daemon; run the spawn on the daemon of that node');
    const ref = await ctx.persisted.spawn(kind, args, name);
    return { ref, kind, node: on, ...(name ? { name } : {}), persisted: true };
  }
  let id: ResourceId;
  if (on === node.id) id = (await node.spawn(kind, args)).id;
  else id = parseResourceId((await nodeRef(ctx, on).call('spawn', { kind, args }, { timeout: REMOTE_TIMEOUT })).id);
  if (name) {
    try {
      node.register(name, id);
    } catch (error) {
      node.exit(id, 'kill');
      throw error;
    }
  }
  return { ref: formatResourceId(id), kind, node: on, ...(name ? { name } : {}), persisted: false };
}

/** Ends a resource (`kill`; a persisted process is forgotten first) and answers its DOWN. */
async function kill(ctx: DaemonContext, text: string): Promise<DownValue> {
  const node = ctx.mesh.node;
  const id = resolveRef(node, text).id;
  const printable = formatResourceId(id);
  if (id.node === node.id && !node.isAlive(id)) throw new GlowError('noproc', `no resource ${printable}`);
  const down = waitDown(ctx, id, 10_000, undefined);
  if (!(await ctx.persisted.forget(printable))) node.exit(id, 'kill');
  const value = await down;
  if (value.reason === 'noproc') throw new GlowError('noproc', `no resource ${printable}`);
  // The node holding it refused (its door drops the exit and answers the monitor with a DOWN
  // `denied`): the resource did not end, so this is a refusal, not a DOWN.
  const refusal = deniedDown(value.reason);
  if (refusal) throw new GlowError('denied', `kill refused: ${refusal.message.replace(/^monitor refused: /, '')}`, refusal.details);
  return value;
}

/** The `denied` error a DOWN carries when the monitor itself was refused. */
function deniedDown(reason: unknown): { message: string; details: unknown } | undefined {
  const error = (reason as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  return error?.code === 'denied' ? { message: String(error.message), details: error.details } : undefined;
}

function monitor(ctx: DaemonContext, text: string, timeout: number | undefined, aborted: AbortSignal): Promise<DownValue> {
  const id = resolveRef(ctx.mesh.node, text).id;
  const down = waitDown(ctx, id, timeout, aborted);
  ctx.log.debug({ event: 'monitor.placed', ref: formatResourceId(id) }, `monitoring ${formatResourceId(id)}`);
  return down;
}

/** Resolves with the resource's DOWN; rejects with `timeout`, or when the client went away. */
function waitDown(ctx: DaemonContext, id: ResourceId, timeout: number | undefined, aborted: AbortSignal | undefined): Promise<DownValue> {
  const ref = formatResourceId(id);
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const monitor: { stop?: () => void } = {};
    let finished = false;
    const finish = (): boolean => {
      if (finished) return false;
      finished = true;
      clearTimeout(timer);
      aborted?.removeEventListener('abort', onAbort);
      monitor.stop?.();
      return true;
    };
    const onAbort = () => {
      if (finish()) reject(new GlowError('timeout', 'the client went away'));
    };
    // The listener may run at once (a resource already gone answers noproc), before `stop` is set.
    monitor.stop = ctx.mesh.node.monitor(id, (down) => {
      if (finish()) resolve({ ref, reason: down.reason });
    });
    if (finished) return monitor.stop();
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        if (finish()) reject(new GlowError('timeout', `${ref} did not end within ${timeout} ms`, { timeout }));
      }, timeout);
    }
    if (aborted?.aborted) onAbort();
    else aborted?.addEventListener('abort', onAbort);
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
