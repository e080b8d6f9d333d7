/**
 * The joiner's side of pairing, over the inviter's HTTP gateway (a stranger's mesh links are
 * refused, so it cannot use them yet):
 *
 *   POST /api/join/start   {invite, request}        → {session, response}     (OPAQUE login start)
 *   POST /api/join/finish  {session, finish, sealed} → {sealed}                (OPAQUE login finish)
 *
 * `sealed` carries the joiner's node id and device name one way and the certificate the
 * inviter signed for it the other, under the session key that only a joiner who knew the code
 * shares with the inviter. The answer is checked before it is believed: a certificate that
 * verifies, for this node, of the user the inviter named. Used by `glow join` (the daemon) and by
 * the web app's Join screen, so it needs nothing but `fetch` and WebCrypto.
 */
import type { NodeId } from '../../../src/firefly/address.js';
import { errorFromWire, GlowError } from '../../../src/firefly/errors.js';
import { fromBase64url } from '../../../src/transport/base64url.js';
import { decodeCertificate, isDevice, verifyCertificate, type DeviceCertificate } from '../../../src/transport/certificate.js';
import type { InviteCode } from './inviteCode.js';
import type { InviteKind } from './invites.js';
import { KEY_STRETCHING, loadOpaque, open, seal, type Direction } from './pairingCrypto.js';

/** What the joiner sends inside the sealed request. */
export interface JoinRequest {
  node: NodeId;
  name: string;
}

/** What the inviter sends back inside the sealed answer. */
export interface JoinAnswer {
  /** The new device's certificate, base64url CBOR. */
  certificate: string;
  user: string;
  /** The inviter's node id and WebSocket link URL, to link to it at once. */
  inviter: { node: NodeId; link: string; name?: string };
}

/** A pairing that worked. */
export interface Joined {
  certificate: DeviceCertificate;
  user: string;
  inviter: JoinAnswer['inviter'];
}

/** Pairs `device` with the inviter at `base` (its HTTP origin) using `code`. Failures are GlowErrors. */
export async function joinInviter(base: string, code: InviteCode, device: JoinRequest, fetchImpl: typeof fetch = fetch): Promise<Joined> {
  const answer = (await pairingExchange(base, code, 'device', device, fetchImpl)) as Partial<JoinAnswer>;
  const bytes = typeof answer.certificate === 'string' ? fromBase64url(answer.certificate) : undefined;
  if (!bytes || typeof answer.user !== 'string' || typeof answer.inviter?.node !== 'string' || typeof answer.inviter.link !== 'string') {
    throw new GlowError('badpacket', 'the inviter sent an answer without a certificate');
  }
  const certificate = decodeCertificate(bytes);
  const checked = verifyCertificate(certificate, Date.now());
  if (!isDevice(checked)) throw new GlowError('denied', `the inviter's certificate is refused: ${checked.refused}`, { reason: 'certificate refused' });
  if (checked.node !== device.node || checked.user !== answer.user) throw new GlowError('denied', 'the inviter certified another node or user', { reason: 'certificate refused' });
  return { certificate, user: answer.user, inviter: { node: answer.inviter.node, link: answer.inviter.link, ...(typeof answer.inviter.name === 'string' ? { name: answer.inviter.name } : {}) } };
}

/**
 * The exchange every invitation runs, whatever it is for: the OPAQUE login with `code` at
 * `base`, then `request` sealed one way and the inviter's answer the other, under directions of
 * `kind` (a friend's messages never open as a device's). `kind` goes with the login start, so
 * the inviter refuses an invitation of the other kind before a guess is spent. Answers the
 * opened answer, for the caller to check.
 */
export async function pairingExchange(base: string, code: InviteCode, kind: InviteKind, request: unknown, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  const opaque = await loadOpaque();
  const login = opaque.client.startLogin({ password: code.secret });
  const started = await post<{ session?: unknown; response?: unknown }>(fetchImpl, `${base}/api/join/start`, {
    invite: code.id,
    request: login.startLoginRequest,
    ...(kind === 'device' ? {} : { kind }),
  });
  if (typeof started.session !== 'string' || typeof started.response !== 'string') throw new GlowError('badpacket', 'the inviter answered the login start with something else');
  const finished = opaque.client.finishLogin({ clientLoginState: login.clientLoginState, loginResponse: started.response, password: code.secret, keyStretching: KEY_STRETCHING });
  // OPAQUE tells the joiner itself: the inviter's answer does not open with this code.
  if (!finished) throw new GlowError('denied', 'wrong code: this is not the code of that invitation', { reason: 'wrong code' });
  const [requestDirection, answerDirection] = DIRECTIONS[kind];
  const sealed = seal(finished.sessionKey, started.session, requestDirection, request);
  const answered = await post<{ sealed?: unknown }>(fetchImpl, `${base}/api/join/finish`, { session: started.session, finish: finished.finishLoginRequest, sealed });
  if (typeof answered.sealed !== 'string') throw new GlowError('badpacket', 'the inviter answered the login finish with something else');
  return open(finished.sessionKey, started.session, answerDirection, answered.sealed);
}

/** The sealed directions (request, answer) of each kind of invitation. */
export const DIRECTIONS: Readonly<Record<InviteKind, readonly [Direction, Direction]>> = {
  device: ['join request', 'join answer'],
  friend: ['friend request', 'friend answer'],
};

/** How long the inviter has to answer each step, ms. */
const REQUEST_TIMEOUT = 15_000;

/** POSTs JSON; a non-2xx answer becomes the GlowError it carries. */
async function post<T>(fetchImpl: typeof fetch, url: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT) });
  } catch (error) {
    throw new GlowError('noconnection', `cannot reach the inviter at ${new URL(url).origin}: ${(error as Error).message}`);
  }
  const parsed = (await response.json().catch(() => undefined)) as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (!response.ok) throw parsed ? errorFromWire(parsed) : new GlowError('failed', `the inviter answered ${response.status}`);
  if (typeof parsed !== 'object' || parsed === null) throw new GlowError('badpacket', `the inviter answered ${url} with something that is not JSON`);
  return parsed as T;
}
