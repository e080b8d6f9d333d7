import * as v from 'valibot';
import type { NodeId } from '../firefly/address.js';
import { WebRtcSignalSchema, type WebRtcSignal } from './webrtcSignal.js';

/**
 * The signaling protocol: JSON text messages over one WebSocket between a node and the
 * signaling server. Shared by the server (`apps/signaling`) and the client (`signalingClient.ts`);
 * browser-safe.
 *
 * 1. server → `challenge { nonce, iceServers }` as soon as the socket opens;
 * 2. node → `register { id, signature }`: its Ed25519 signature of {@link registrationMessage};
 *    the server verifies it with the id itself (the id is the public key) and answers
 *    `registered { id }`, or an error and a close;
 * 3. node → `signal { to, session, signal }`: the server relays it to `to` as
 *    `signal { from, session, signal }`, `from` being the sender's *proven* id;
 * 4. any problem → `error { code, message, session? }`; the connection stays up unless the
 *    code says otherwise.
 *
 * The server only learns who talks to whom. It cannot impersonate a node: links are
 * authenticated end to end by the link handshake, which signs the DTLS fingerprints the SDPs
 * carried (`Channel.binding`), so a server that rewrites SDPs produces refused links.
 */

/** Protocol version, in the challenge; a client refuses a server that speaks another. */
export const SIGNALING_VERSION = 1;

/** Domain separation for the registration signature. */
export const REGISTRATION_CONTEXT = 'glow signaling register v1';

/** Length of the server's challenge nonce in bytes (base64url on the wire). */
export const CHALLENGE_BYTES = 32;

/**
 * Stable error codes of the signaling server, each with its meaning. Looked up by code only;
 * a null-prototype table, so a hostile code can never resolve to an inherited property.
 */
export const SIGNALING_ERRORS = Object.freeze(
  Object.assign(Object.create(null) as object, {
    malformed: 'the message is not JSON or does not match the protocol',
    'too-large': 'the message is larger than the server accepts',
    'rate-limited': 'too many messages; this one was dropped',
    unauthenticated: 'register first: only a registered node may signal',
    'bad-signature': 'the registration signature does not verify for that id (the connection closes)',
    'register-timeout': 'no valid registration arrived in time (the connection closes)',
    'unknown-peer': 'no node with that id is registered here',
    busy: 'the target is not reading its messages; this one was dropped',
    replaced: 'the same id registered on another connection (this one closes)',
    'server-full': 'the server has reached its connection limit (the connection closes)',
    'address-full': 'too many connections from this address (the connection closes)',
    'register-rate': 'too many registrations from this address, or at this server, just now; try again later (the connection closes)',
  } as const),
);

/** A stable signaling error code. */
export type SignalingErrorCode = keyof typeof SIGNALING_ERRORS;

const nodeId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));
const session = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));
const base64url = (max: number) => v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]*$/), v.maxLength(max));

/** What a node may send to the server. */
export const ClientMessageSchema = v.variant('t', [
  v.strictObject({ t: v.literal('register'), id: nodeId, signature: base64url(128) }),
  v.strictObject({ t: v.literal('signal'), to: nodeId, session, signal: WebRtcSignalSchema }),
]);

/** What the server may send to a node. */
export const ServerMessageSchema = v.variant('t', [
  v.strictObject({
    t: v.literal('challenge'),
    v: v.number(),
    nonce: base64url(128),
    iceServers: v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(8)),
  }),
  v.strictObject({ t: v.literal('registered'), id: nodeId }),
  v.strictObject({ t: v.literal('signal'), from: nodeId, session, signal: WebRtcSignalSchema }),
  v.strictObject({
    t: v.literal('error'),
    code: v.pipe(v.string(), v.maxLength(64)),
    message: v.pipe(v.string(), v.maxLength(500)),
    session: v.optional(session),
  }),
]);

/** A message from a node to the server. */
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** A message from the server to a node. */
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;

/** A relayed signal as the receiving node sees it. */
export interface RelayedSignal {
  from: NodeId;
  session: string;
  signal: WebRtcSignal;
}

/**
 * Parses one text message against `schema`; `undefined` when it is not JSON or does not match.
 * Never throws: everything here arrives from the network.
 */
export function parseMessage<T>(schema: v.GenericSchema<unknown, T>, text: unknown): T | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = v.safeParse(schema, value);
  return result.success ? result.output : undefined;
}

const utf8 = new TextEncoder();

/**
 * The bytes a node signs to register: context, the server's nonce and the id being claimed. The
 * nonce is fresh per connection, so a signature is good for that one connection only.
 */
export function registrationMessage(nonce: string, id: NodeId): Uint8Array {
  return utf8.encode(`${REGISTRATION_CONTEXT}\n${nonce}\n${id}`);
}
