/**
 * The CLI's side of the daemon's `/fs/…` HTTP endpoint (fsGateway.ts): file bytes travel as
 * plain HTTP bodies, streamed both ways, never as JSON. A URI is `glow://EXPORT/path/in/export`
 * (EXPORT: a registered name or `<node>/<id>`); the daemon splits it.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pinnedTls, type DaemonTarget } from './discovery.js';
import { CliError, EXIT, exitCodeForControlError, exitCodeForHttpStatus } from './exitCodes.js';

/** The `/fs/…` URL path of `uri` (`glow://docs/a b.txt` → `/fs/docs/a%20b.txt`). */
export function fsPath(uri: string): string {
  const bare = uri.startsWith('glow://') ? uri.slice('glow://'.length) : uri;
  const segments = bare.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) throw new CliError(EXIT.usage, `not a file URI: ${JSON.stringify(uri)} (glow://EXPORT/path)`);
  return `/fs/${segments.map(encodeURIComponent).join('/')}`;
}

/** What {@link fsRequest} sends. */
export interface FsRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST';
  uri: string;
  query?: string;
  headers?: Record<string, string | number>;
  /** The request body, streamed. */
  body?: Readable;
}

/**
 * Sends one request and resolves with the response once its head arrived (2xx and 304); any
 * other status becomes a {@link CliError} from its JSON `{code, message}`.
 */
export function fsRequest(target: DaemonTarget, options: FsRequest, timeout = 30_000): Promise<IncomingMessage> {
  const url = new URL(fsPath(options.uri) + (options.query ? `?${options.query}` : ''), target.http);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: options.method, agent: false, headers: { ...options.headers, authorization: `Bearer ${target.token}` }, ...pinnedTls(target) });
    const timer = setTimeout(() => req.destroy(new CliError(EXIT.noDaemon, `the daemon at ${url.origin} did not answer within ${timeout} ms`)), timeout);
    let answered = false;
    req.on('error', (error) => {
      clearTimeout(timer);
      // Once the answer is in, a late error (the daemon closed while the body was still going) is not the story.
      if (answered) return;
      reject(error instanceof CliError ? error : new CliError(EXIT.noDaemon, `cannot reach the daemon at ${url.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    req.on('response', (res) => {
      answered = true;
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      if ((status >= 200 && status < 300) || status === 304) return resolve(res);
      void readBody(res).then((text) => reject(failure(status, text, url.origin)), reject);
    });
    if (options.body) options.body.pipe(req);
    else req.end();
  });
}

/** The whole body as text (JSON answers are small). */
export async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON answer's value. */
export async function readJsonBody(res: IncomingMessage): Promise<unknown> {
  return JSON.parse(await readBody(res));
}

function failure(status: number, text: string, where: string): CliError {
  try {
    const { code, message, details } = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof code === 'string') return new CliError(exitCodeForControlError(code), typeof message === 'string' && message ? message : code, code, details);
  } catch {
    // Not JSON: not a Glow daemon's answer.
  }
  return new CliError(exitCodeForHttpStatus(status), `${where} answered HTTP ${status}`);
}
