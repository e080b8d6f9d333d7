/**
 * The mesh's files over WebDAV (RFC 4918, classes 1 and 2) at `/dav/` on the daemon's HTTP port,
 * for every operating system's file manager and for rclone. The protocol is nephele's (a
 * maintained WebDAV server for Express that passes litmus), the files are the mesh's FileSystem
 * exports (davAdapter.ts). Who may use it: an app password as Basic auth (`glow token create`),
 * or the control token as a Bearer token (the daemon's own user, everything).
 */
import type { ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import createServer, { ForbiddenError, PreconditionFailedError, ResourceTreeNotCompleteError, UnauthorizedError, type Authenticator, type Plugin, type Resource } from 'nephele';
import type { Node } from '../../../src/actors/node.js';
import type { AppPasswords } from '../appPasswords.js';
import { guardFsResponse } from '../fsContentHeaders.js';
import { DavAdapter, type DavUser } from './davAdapter.js';
import { DAV_PREFIX, type DavHandler } from './davPath.js';
import type { DavStore } from './davStore.js';
import { correctXmlReading } from './davXml.js';

export { DAV_PREFIX, type DavHandler } from './davPath.js';

/** The WebDAV handler over `node`'s exports. */
export function davHandler(node: Node, store: DavStore, passwords: AppPasswords, controlToken: string): DavHandler {
  correctXmlReading();
  const authenticator: Authenticator = {
    async authenticate(request): Promise<DavUser> {
      const header = request.get('authorization') ?? '';
      const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (bearer !== undefined && sameSecret(bearer, controlToken)) return { username: 'owner' };
      const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
      if (basic !== undefined) {
        const decoded = Buffer.from(basic, 'base64').toString('utf8');
        const password = passwords.check(decoded.slice(decoded.indexOf(':') + 1));
        if (password) return { username: password.name, password };
      }
      throw new UnauthorizedError('An app password (glow token create) is required, as Basic auth.');
    },
    async cleanAuthentication() {
      // Nothing to end: a Basic password is checked anew with every request.
    },
  };
  const adapter = new DavAdapter(node, store);
  // Before COPY and MOVE: the destination must be the app password's to write (403 for the whole
  // request, not a 207 holding it), and `Overwrite: F` onto something that exists fails with 412
  // (RFC 4918 §10.6; nephele would answer a 207 holding the 412, which litmus and clients refuse).
  const beforeTransfer = async (
    _request: unknown,
    response: { locals: { baseUrl: URL; user: DavUser } },
    { destination, exists, overwrite, resource }: { destination: Resource; exists: boolean; overwrite: string | undefined; resource: Resource },
  ) => {
    const why = adapter.refusal(await destination.getCanonicalUrl(), (await resource.isCollection()) ? 'MKCOL' : 'PUT', response.locals.baseUrl, response.locals.user);
    if (why !== undefined) throw new ForbiddenError(`Forbidden: ${why}.`);
    if (exists && overwrite === 'F') throw new PreconditionFailedError('A resource exists at the destination.');
  };
  const plugins: Plugin[] = [
    {
      // An app password that may not do this gets 403 with the reason (nephele's own check
      // answers 401, which makes a file manager ask for the password again and again).
      async beforeCheckAuthorization(request, response, { methodName, url }) {
        const target = url ?? new URL(request.originalUrl, `${request.protocol}://${request.headers.host}`);
        const why = adapter.refusal(target, methodName ?? request.method, response.locals.baseUrl, response.locals.user);
        if (why !== undefined) throw new ForbiddenError(`Forbidden: ${why}.`);
      },
      beforeCopy: beforeTransfer,
      beforeMove: beforeTransfer,
      // UNLOCK with a token that locks nothing here fails with 409 (RFC 4918 §9.11.1; nephele
      // answers a 207 that clients read as success).
      async beforeUnlock(_request, _response, { lock }) {
        if (lock === undefined || lock === null) throw new ResourceTreeNotCompleteError('The lock token does not lock this resource (lock-token-matches-request-uri).');
      },
    },
  ];
  const app = express();
  app.disable('x-powered-by');
  app.use(
    DAV_PREFIX,
    (_request, response, next) => {
      // A file of an export never acts as a page of the daemon's origin (fsContentHeaders.ts).
      guardFsResponse(response);
      // A 401 says how to authenticate, so that a file manager asks its user for the password.
      const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
      response.writeHead = ((status: number, ...rest: unknown[]) => {
        if (status === 401) response.setHeader('WWW-Authenticate', 'Basic realm="Glow", charset="UTF-8"');
        return writeHead(status, ...rest);
      }) as typeof response.writeHead;
      next();
    },
    createServer({ adapter, authenticator, plugins }),
  );
  return (request, response) => {
    app(request as never, response as never);
  };
}

function sameSecret(given: string, known: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(known);
  return a.length === b.length && timingSafeEqual(a, b);
}
