/**
 * The HTTP/JSON gateway: any resource in the mesh through plain HTTP, so `curl` can call it.
 *
 *   POST /api/call      {"ref": REF, "method": NAME, "args": {...}, "timeout"?: ms}
 *                       → 200 with the result as JSON (see json.ts), or the bytes themselves as
 *                         application/octet-stream when the result is a byte string
 *   POST /api/stream    {"ref": REF, "method": NAME, "args": {...}}
 *                       → 200 with newline-delimited JSON: `{"item": …}` lines, then `{"end": true}`
 *                         or `{"error": {…}}` (control.ts, StreamLine); closing the request cancels it
 *   GET  /api/describe?ref=REF   → the resource's interface and JSON Schemas
 *   GET  /api/ls[?node=ID|?all=1] → its resources, with their names
 *   POST /api/device    {"node": ID, "name": TEXT} → {"user", "certificate"}: makes the caller's
 *                       node (the web app's tab) a member device of this daemon's user; the
 *                       certificate is base64url CBOR, valid for 30 days (a tab asks at each load)
 *   POST /api/account   {"op": OP, ...}: one of the user's operations of the control channel
 *                       (ACCOUNT_OPS: whoami, devices, removeDevice, invite, friends, addFriend,
 *                       removeFriend, share, grants, revoke, export, exports, unexport) → its
 *                       value, as /control answers it but unwrapped; the web app's Devices,
 *                       Sharing and Files views use it
 *
 * A failure answers the HTTP status of its code (HTTP_STATUS in control.ts) with
 * `{"code", "message", "details"?}`. Who may call: see auth.ts.
 */
import type { ServerResponse } from 'node:http';
import { GlowError } from '../../src/firefly/errors.js';
import * as v from 'valibot';
import { isIdSegment } from '../../src/firefly/address.js';
import { validate } from '../../src/firefly/validate.js';
import { toBase64url } from '../../src/transport/base64url.js';
import { encodeCertificate } from '../../src/transport/certificate.js';
import { certifyDevice } from './certifier.js';
import { toJson } from './json.js';
import { runOperation, type DaemonContext } from './operations.js';
import { sendStream } from './streamAnswer.js';

/** Answers one gateway request (`path` below `/api`); `body` is the parsed JSON body of a POST. */
export async function gateway(
  ctx: DaemonContext,
  method: string,
  path: string,
  query: URLSearchParams,
  body: () => Promise<unknown>,
  response: ServerResponse,
  aborted: AbortSignal,
): Promise<void> {
  let request: unknown;
  if (path === '/call') {
    if (method !== 'POST') throw new GlowError('nomethod', 'POST /api/call with a JSON body {ref, method, args}');
    const parsed = await body();
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new GlowError('badarg', 'the body is a JSON object {ref, method, args}');
    const { ref, method: member, args, timeout } = parsed as Record<string, unknown>;
    request = { op: 'call', ref, method: member, ...(args === undefined ? {} : { args }), ...(timeout === undefined ? {} : { timeout }) };
  } else if (path === '/stream') {
    if (method !== 'POST') throw new GlowError('nomethod', 'POST /api/stream with a JSON body {ref, method, args}');
    const parsed = await body();
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new GlowError('badarg', 'the body is a JSON object {ref, method, args}');
    const { ref, method: member, args } = parsed as Record<string, unknown>;
    request = { op: 'stream', ref, method: member, ...(args === undefined ? {} : { args }) };
  } else if (path === '/device') {
    if (method !== 'POST') throw new GlowError('nomethod', 'POST /api/device with a JSON body {node, name}');
    return void sendJsonValue(response, await certifyTab(ctx, await body()));
  } else if (path === '/account') {
    if (method !== 'POST') throw new GlowError('nomethod', 'POST /api/account with a JSON body {op, ...}');
    request = accountRequest(await body());
  } else if (path === '/describe' && method === 'GET') {
    request = { op: 'describe', ref: query.get('ref') ?? '' };
  } else if (path === '/ls' && method === 'GET') {
    const all = query.get('all');
    const node = query.get('node');
    request = { op: 'ls', ...(all !== null && all !== '0' && all !== 'false' ? { all: true } : {}), ...(node ? { node } : {}) };
  } else {
    throw new GlowError('nomethod', `no gateway endpoint ${method} /api${path}`);
  }
  const { value, stream } = await runOperation(ctx, request, aborted);
  if (stream) return void (await sendStream(response, stream, aborted));
  if (value instanceof Uint8Array) {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': value.byteLength });
    response.end(value);
    return;
  }
  sendJsonValue(response, value);
}

/**
 * The control operations a page may run through `POST /api/account`: the user's devices,
 * invitations, friends and grants, and the daemon's exports (a page with a session could spawn
 * the same through `/api/call`). They run as this daemon's device (a member daemon is refused
 * `removeDevice` and `invite` as on the CLI), and the gateway lets through exactly who may get a
 * certificate from `/api/device` (auth.ts), so they add no power. `stop`, `join` and the rest
 * stay on the token-only control channel.
 */
export const ACCOUNT_OPS: ReadonlySet<string> = new Set(['whoami', 'devices', 'removeDevice', 'invite', 'friends', 'addFriend', 'removeFriend', 'share', 'grants', 'revoke', 'export', 'exports', 'unexport']);

function accountRequest(parsed: unknown): unknown {
  const op = (parsed as { op?: unknown } | null)?.op;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof op !== 'string') throw new GlowError('badarg', 'the body is a JSON object {op, ...}');
  if (!ACCOUNT_OPS.has(op)) throw new GlowError('badarg', `${JSON.stringify(op.slice(0, 64))} is not an account operation (${[...ACCOUNT_OPS].join(', ')})`);
  return parsed;
}

/** How long a tab's certificate is valid: the tab asks for a new one whenever the page loads. */
const TAB_CERTIFICATE_LIFETIME = 30 * 24 * 3600_000;

const DeviceRequestSchema = v.strictObject({
  node: v.pipe(v.string(), v.check((text: string) => isIdSegment(text), 'a node id')),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
});

/**
 * A member certificate for the tab that asks. Whoever may use the gateway may already act as
 * this daemon's user through it (auth.ts: a login session, or the token), so this adds no power.
 */
async function certifyTab(ctx: DaemonContext, raw: unknown): Promise<{ user: string; certificate: string }> {
  const { node, name } = await validate<v.InferOutput<typeof DeviceRequestSchema>>(DeviceRequestSchema, raw);
  const certificate = certifyDevice(ctx.device, ctx.mesh.identity, { node, name, roles: ['member'], lifetime: TAB_CERTIFICATE_LIFETIME });
  ctx.device.trust.learn(certificate);
  ctx.log.info({ event: 'device.certified', node, name, roles: ['member'] }, `certified ${name} (${node}) as a device of this user`);
  return { user: ctx.device.trust.user, certificate: toBase64url(encodeCertificate(certificate)) };
}

function sendJsonValue(response: ServerResponse, value: unknown): void {
  const text = toJson(value);
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
