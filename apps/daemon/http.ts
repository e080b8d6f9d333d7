/**
 * The daemon's HTTP port: `GET /` (the web app when built, else the status page; `/status`;
 * none with `--no-web`), `GET /?login=SECRET` (login.ts), `GET /join` and `/assets/…` (the web
 * app's code, to anyone: the Join screen of a new device), `GET /api/info` (what the web app
 * needs to link, to anyone), `POST /api/join/…` (pairing, to anyone: pairing/joinEndpoints.ts),
 * `POST /control` (the CLI's control channel, control.ts), `/api/…` (the HTTP/JSON gateway,
 * gateway.ts) and `/fs/…` (files of any FileSystem export in the mesh, fsGateway.ts). Who may
 * use which: auth.ts. Every failure is a JSON body with a Glow error code and the HTTP status
 * that fits it (HTTP_STATUS); control answers are wrapped in `{ ok, … }`, gateway answers are
 * not.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsCredentials } from '../../src/transport/tlsCertificate.js';
import type { AddressInfo } from 'node:net';
import { GlowError, toGlowError } from '../../src/firefly/errors.js';
import { fromOwnOrigin, hasToken, mayUseGateway, type HttpAuth } from './auth.js';
import { HTTP_STATUS } from './control.js';
import { sessionCookieName } from './cookies.js';
import { DaemonError } from './errors.js';
import { fsStatus, serveFs } from './fsGateway.js';
import { gateway } from './gateway.js';
import { MAX_JOIN_BODY, sameOriginOrNone, serveJoin } from './pairing/joinEndpoints.js';
import { toJson } from './json.js';
import type { Logger } from './log.js';
import { sendLoginNeeded, serveLogin } from './login.js';
import { runOperation, type DaemonContext } from './operations.js';
import type { Sessions } from './sessions.js';
import { sendStream } from './streamAnswer.js';
import { DAV_PREFIX, type DavHandler } from './dav/davPath.js';
import { LinkFailure, servePublicLink } from './publicLinkServe.js';
import { renderStatusPage } from './statusPage.js';
import { serveWebApp, webInfo } from './webApp.js';
import type { WebOrigins } from './webOrigins.js';

/** Options of {@link startHttp}. */
export interface HttpOptions {
  host: string;
  port: number;
  /** When the port is busy, listen on an ephemeral one instead of failing. */
  fallback: boolean;
  token: string;
  /** The web UI's logins and sessions. */
  sessions: Sessions;
  /** WebDAV under `/dav/` (it authenticates for itself: app passwords). */
  dav?: DavHandler;
  /** Serve HTTPS with this certificate (a public node: `--tls`, `--tls-cert`). @default plain HTTP */
  tls?: TlsCredentials;
  /** The daemon's own web origins; told the port once it listens. */
  origins: WebOrigins;
  ctx: DaemonContext;
  /** Serve the web app (or, when it is not built, the status page) on `GET /`. */
  web: boolean;
  /** Where the built web app is. @default dist/web of this checkout */
  webDir?: string;
  log: Logger;
  /**
   * Largest request body, bytes: control requests and gateway calls are small JSON; bulk data
   * belongs in streams.
   * @default 1048576
   */
  maxBodyBytes?: number;
}

/** The listening HTTP server. */
export interface HttpServer {
  /** `http://host:port`, or `https://` with TLS. */
  readonly url: string;
  /** Stops accepting; open requests get `grace` ms to finish, then their connections are cut. */
  close(grace?: number): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the server; a `address` DaemonError when it cannot listen. */
export async function startHttp(options: HttpOptions): Promise<HttpServer> {
  // The cookie's name needs the port: set once it is known, before the first request can arrive.
  const auth: HttpAuth = { token: options.token, sessions: options.sessions, origins: options.origins, cookie: '' };
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    handle(options, auth, request, response).catch((error: unknown) => {
      options.log.error({ event: 'http.error', error: String(error) }, 'HTTP handler failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  // A TLS handshake that fails (a scanner, a browser that refuses the certificate) ends one socket.
  server.on('tlsClientError', () => {});
  let port: number;
  try {
    port = await listen(server, options.host, options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' || !options.fallback) {
      throw new DaemonError('address', `cannot listen for HTTP on ${options.host}:${options.port}: ${(error as Error).message}`);
    }
    options.log.info({ event: 'http.fallback', port: options.port }, `port ${options.port} is busy; HTTP takes an ephemeral port`);
    port = await listen(server, options.host, 0);
  }
  options.origins.listening(port);
  auth.cookie = sessionCookieName(port);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    close(grace = 1000) {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), grace).unref();
      });
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function handle(options: HttpOptions, auth: HttpAuth, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://daemon');
  const method = request.method ?? 'GET';
  const abort = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  const isControl = url.pathname === '/control';
  if (options.dav && (url.pathname === DAV_PREFIX || url.pathname.startsWith(`${DAV_PREFIX}/`))) return options.dav(request, response);
  try {
    if (isControl) {
      if (method !== 'POST') throw new HttpFailure(405, 'nomethod', 'the control channel is POST /control');
      if (!fromOwnOrigin(request, auth.origins)) {
        options.log.warn({ event: 'http.originRefused', path: url.pathname, origin: request.headers.origin }, `refused a control request from a page of ${request.headers.origin}`);
        throw new HttpFailure(403, 'denied', 'the control channel is not open to pages of other sites');
      }
      if (!hasToken(request, options.token)) throw new HttpFailure(401, 'unauthorized', 'a valid "Authorization: Bearer <DIR/control.token>" is required');
      const result = await runOperation(options.ctx, await readJson(request, options.maxBodyBytes), abort.signal);
      if (result.stream) {
        const outcome = await sendStream(response, result.stream, abort.signal);
        options.log.debug({ event: 'http.stream.closed', ref: result.stream.ref, outcome }, `stream from ${result.stream.ref} ${outcome}`);
        return;
      }
      if (result.after) response.once('finish', result.after);
      return sendJson(response, 200, toJson({ ok: true, value: result.value }));
    }
    if (url.pathname.startsWith('/fs/')) {
      if (!mayUseGateway(request, auth)) throw unauthorized();
      return await serveFs(options.ctx.mesh.node, request, response, url.pathname.slice('/fs/'.length), url.searchParams, abort.signal);
    }
    // A public link: its token is the whole of its authority (publicLinkServe.ts), read only.
    if (url.pathname.startsWith('/s/')) {
      return await servePublicLink(options.ctx.mesh.node, options.ctx.publicLinks, request, response, url.pathname.slice('/s/'.length), url.searchParams, abort.signal);
    }
    // Pairing is for devices that are not yet the user's: the invitation guards it, not auth.ts.
    if (url.pathname.startsWith('/api/join/')) {
      if (!sameOriginOrNone(request)) throw new HttpFailure(403, 'denied', 'pairing is not open to pages of other sites');
      return sendJson(response, 200, toJson(await serveJoin(options.ctx, method, url.pathname.slice('/api/join'.length), () => readJson(request, MAX_JOIN_BODY))));
    }
    // What a paired tab on another machine needs to link: nothing a stranger's handshake does not tell.
    if (url.pathname === '/api/info' && method === 'GET') return sendJson(response, 200, toJson(webInfo(options.ctx.info())));
    if (url.pathname.startsWith('/api/')) {
      if (!mayUseGateway(request, auth)) throw unauthorized();
      const body = () => readJson(request, options.maxBodyBytes);
      return await gateway(options.ctx, method, url.pathname.slice('/api'.length), url.searchParams, body, response, abort.signal);
    }
    const isJoin = url.pathname === '/join';
    const isAsset = url.pathname.startsWith('/assets/');
    const head = method === 'HEAD';
    if (options.web && (method === 'GET' || head) && (url.pathname === '/' || isJoin || isAsset || url.pathname === '/status')) {
      const login = url.pathname === '/' ? url.searchParams.get('login') : null;
      if (login !== null) return serveLogin(login, options.sessions, auth.cookie, response, options.log);
      // The web app's code is public, with no data in it: the Join screen of a device to be is
      // all of it a browser without a session gets (the gateway refuses it the rest).
      if ((isJoin || isAsset) && (await serveWebApp(isJoin ? '/' : url.pathname, head, response, options.webDir))) return;
      if (isAsset) throw new HttpFailure(404, 'nomethod', `nothing at ${method} ${url.pathname}`);
      if (!mayUseGateway(request, auth)) return sendLoginNeeded(response, head);
      if (url.pathname !== '/status' && (await serveWebApp('/', head, response, options.webDir))) return;
      // The plain status page when the web app is not built (npm run build:web); /status always.
      const html = await renderStatusPage(options.ctx);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
      response.end(head ? undefined : html);
      return;
    }
    throw new HttpFailure(404, 'nomethod', `nothing at ${method} ${url.pathname}`);
  } catch (error) {
    if (response.headersSent) return void response.destroy();
    // A refused upload (a stale If-Match, say) may still be sending its body: read it to the end
    // first, so that the client gets to read this answer instead of a reset connection.
    if (!request.complete) await drained(request);
    const failure =
      error instanceof HttpFailure
        ? { status: error.status, code: error.code, message: error.message, details: undefined }
        : (() => {
            const glow = toGlowError(error);
            const status = error instanceof LinkFailure ? error.status : /^\/(fs|s)\//.test(url.pathname) ? fsStatus(glow) : undefined;
            return { status: status ?? HTTP_STATUS[glow.code], code: glow.code, message: glow.message, details: glow.details };
          })();
    const body = { ...(isControl ? { ok: false } : {}), code: failure.code, message: failure.message, ...(failure.details === undefined ? {} : { details: failure.details }) };
    sendJson(response, failure.status, toJson(body));
  }
}

function unauthorized(): HttpFailure {
  return new HttpFailure(401, 'unauthorized', 'log in (glow open prints a login link) or send "Authorization: Bearer <DIR/control.token>"');
}

/** Reads and drops the rest of a request body (at most 10 s: a client that stalls is cut off). */
function drained(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, 10_000);
    function done() {
      clearTimeout(timer);
      request.off('end', done);
      request.off('close', done);
      resolve();
    }
    request.on('end', done);
    request.on('close', done);
    request.resume();
  });
}

function sendJson(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Reads a JSON body of at most `limit` bytes. */
async function readJson(request: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpFailure(413, 'badarg', `the body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new GlowError('badarg', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GlowError('badarg', `the body is not JSON: ${(error as Error).message}`);
  }
}
