/**
 * The inviter's side of pairing on its HTTP port: `POST /api/join/start` and
 * `POST /api/join/finish` (joinClient.ts has the exchange), for device and friend invitations
 * alike (friendInvite.ts answers a friend's finish). They are open to anyone, unlike the
 * rest of the gateway, because a device that comes to pair is by definition not yet one of the
 * user's: what guards them is the invitation itself (OPAQUE, three tries, one use, expiry).
 * A browser page of another site may not use them (an `Origin` header must be this origin), so
 * it cannot spend someone's tries. Bodies are small and checked field by field; every refusal
 * is a GlowError (the HTTP layer answers its status and `{code, message, details}`).
 */
import type { IncomingMessage } from 'node:http';
import * as v from 'valibot';
import { isIdSegment } from '../../../src/firefly/address.js';
import { GlowError } from '../../../src/firefly/errors.js';
import { validate } from '../../../src/firefly/validate.js';
import { toBase64url } from '../../../src/transport/base64url.js';
import { encodeCertificate } from '../../../src/transport/certificate.js';
import { certifyDevice } from '../certifier.js';
import type { DaemonContext } from '../operations.js';
import { CERTIFICATE_LIFETIME } from '../userHome.js';
import { answerFriend } from './friendInvite.js';
import type { JoinAnswer, JoinRequest } from './joinClient.js';
import { open, seal } from './pairingCrypto.js';

/** Largest body of a join request: OPAQUE messages are a few hundred bytes. */
export const MAX_JOIN_BODY = 8192;

const base64url = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max), v.regex(/^[A-Za-z0-9_-]+$/, 'base64url'));

const StartSchema = v.strictObject({
  invite: v.pipe(v.string(), v.regex(/^[0-9a-z]{4}$/, 'an invitation id')),
  request: base64url(1024),
  kind: v.optional(v.picklist(['device', 'friend'])),
});
const FinishSchema = v.strictObject({ session: base64url(64), finish: base64url(1024), sealed: base64url(2048) });
const DeviceSchema = v.strictObject({
  node: v.pipe(v.string(), v.check((text: string) => isIdSegment(text), 'a node id')),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
});

/** True when the request may use the join endpoints: no `Origin`, or this very origin. */
export function sameOriginOrNone(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  // Over TLS (a public node's --tls) the page's own origin is https.
  const scheme = (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return origin === undefined || origin === `${scheme}://${request.headers.host ?? ''}`;
}

/** Answers `POST /api/join/start` and `/api/join/finish` (`path` below `/api/join`). */
export async function serveJoin(ctx: DaemonContext, method: string, path: string, body: () => Promise<unknown>): Promise<unknown> {
  if (method !== 'POST') throw new GlowError('nomethod', `POST /api/join${path} with a JSON body`);
  if (path === '/start') {
    const { invite, request, kind } = await validate<v.InferOutput<typeof StartSchema>>(StartSchema, await body());
    return ctx.pairing.invites.start(invite, request, kind);
  }
  if (path === '/finish') {
    const { session, finish, sealed } = await validate<v.InferOutput<typeof FinishSchema>>(FinishSchema, await body());
    const { sessionKey, invite } = await ctx.pairing.invites.finish(session, finish);
    if (invite.kind === 'friend') return { sealed: await answerFriend(ctx, invite, sessionKey, session, sealed) };
    const device: JoinRequest = await validate<v.InferOutput<typeof DeviceSchema>>(DeviceSchema, open(sessionKey, session, 'join request', sealed));
    const certificate = certifyDevice(ctx.device, ctx.mesh.identity, { node: device.node, name: device.name, roles: [invite.role], lifetime: CERTIFICATE_LIFETIME });
    ctx.device.trust.learn(certificate);
    ctx.log.info({ event: 'device.paired', node: device.node, name: device.name, roles: [invite.role], invite: invite.id }, `paired ${device.name} (${device.node}) as a ${invite.role} device of this user`);
    const info = ctx.info();
    const answer: JoinAnswer = {
      certificate: toBase64url(encodeCertificate(certificate)),
      user: ctx.device.trust.user,
      inviter: { node: info.node, link: info.link, ...(info.name ? { name: info.name } : {}) },
    };
    return { sealed: seal(sessionKey, session, 'join answer', answer) };
  }
  throw new GlowError('nomethod', `no pairing endpoint ${method} /api/join${path}`);
}
