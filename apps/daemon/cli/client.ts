/**
 * The CLI side of the control channel (apps/daemon/control.ts): one `POST /control` per command,
 * bearer token, JSON both ways, bounded by a timeout. Every way it can fail becomes a
 * {@link CliError} with the exit code that fits: a Glow error code from the daemon (1),
 * unauthorized (4), no daemon at that address or no answer in time (3).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type { ControlRequest, StreamLine } from '../control.js';
import { pinnedTls, type DaemonTarget } from './discovery.js';
import { CliError, EXIT, exitCodeForControlError, exitCodeForHttpStatus } from './exitCodes.js';

/** Answers larger than this are refused: no control value is anywhere near it. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** How long an ordinary control request may take, in ms. */
export const DEFAULT_CONTROL_TIMEOUT = 10_000;

/**
 * For requests the daemon bounds itself (`call`, `monitor` with a timeout): how much longer than
 * that bound the CLI waits for the daemon's own `timeout` answer before it gives up on the daemon.
 */
export const REPLY_MARGIN = 2000;

/** Options of {@link control}. */
export interface ControlOptions {
  /**
   * Give up after this many ms (exit 3); `null` waits as long as the daemon holds the request
   * open (`monitor` without `--timeout`).
   * @default DEFAULT_CONTROL_TIMEOUT
   */
  timeout?: number | null;
  /** Called once the request has been handed to the OS (e.g. to say "waiting for DOWN"). */
  onSent?: () => void;
}

/** The control URL of `target`, and a function that opens one `POST /control` with `body`. */
function controlRequest(target: DaemonTarget, body: ControlRequest): { where: string; open: () => ClientRequest; payload: Buffer } {
  let url: URL;
  try {
    url = new URL('/control', target.http);
  } catch {
    throw new CliError(EXIT.usage, `not a daemon URL: ${JSON.stringify(target.http)}`);
  }
  const payload = Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const open = () =>
    send(url, {
      method: 'POST',
      // No keep-alive: the CLI sends one request, then its process should be free to exit.
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${target.token}` },
      ...pinnedTls(target),
    });
  return { where: url.origin, open, payload };
}

/** Sends one control request and resolves with its `value`. */
export async function control(target: DaemonTarget, body: ControlRequest, options: ControlOptions = {}): Promise<unknown> {
  const { where, open, payload } = controlRequest(target, body);
  const timeout = options.timeout === undefined ? DEFAULT_CONTROL_TIMEOUT : options.timeout;

  const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: CliError) => {
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = open();
    if (timeout !== null) {
      timer = setTimeout(() => fail(new CliError(EXIT.noDaemon, `the daemon at ${where} did not answer within ${timeout} ms`)), timeout);
    }
    req.on('error', (error: NodeJS.ErrnoException) => fail(new CliError(EXIT.noDaemon, connectionMessage(error, where))));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) fail(new CliError(EXIT.failed, `the daemon's answer is larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (error: NodeJS.ErrnoException) => fail(new CliError(EXIT.noDaemon, connectionMessage(error, where))));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('finish', () => options.onSent?.());
    req.end(payload);
  });
  return answerValue(response.status, response.text, where);
}

/**
 * Reads a control answer: `{ ok: true, value }` resolves; `{ ok: false, code, message }` becomes a
 * CliError carrying the code; anything else means `where` is not a Glow daemon.
 */
export function answerValue(status: number, text: string, where: string): unknown {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (typeof answer === 'object' && answer !== null) {
    const { ok, value, code, message, details } = answer as Record<string, unknown>;
    if (ok === true && status >= 200 && status < 300) return value;
    if (ok === false && typeof code === 'string') {
      const text = typeof message === 'string' && message ? message : code;
      return fail(new CliError(exitCodeForControlError(code), text, code, details));
    }
  }
  const exitCode = exitCodeForHttpStatus(status);
  if (exitCode === EXIT.unauthorized) return fail(new CliError(exitCode, `the daemon at ${where} refused the control token (HTTP ${status})`, 'unauthorized'));
  return fail(new CliError(exitCode, `${where} did not answer as a Glow daemon (HTTP ${status})`));
}

function fail(error: CliError): never {
  throw error;
}

function connectionMessage(error: NodeJS.ErrnoException, where: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `no daemon answers at ${where} (connection refused)`;
    case 'ECONNRESET':
      return `lost the daemon at ${where} (connection reset)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the daemon's host in ${where}`;
    default:
      return `cannot reach the daemon at ${where}: ${error.code ?? error.message}`;
  }
}

/** Options of {@link controlStream}. */
export interface StreamControlOptions {
  /** Give up when the daemon has not started answering within this many ms (exit 3). @default DEFAULT_CONTROL_TIMEOUT */
  timeout?: number;
  /** Stops the stream (the daemon cancels it); the promise then resolves. */
  signal?: AbortSignal;
}

/**
 * Sends a `stream` control request and hands each item to `onItem`, in order, waiting for it
 * (the daemon's reading pauses meanwhile, and so does the resource). Resolves at the stream's
 * end or when `signal` stops it; a failure becomes a {@link CliError}, as with {@link control}.
 */
export async function controlStream(
  target: DaemonTarget,
  body: Extract<ControlRequest, { op: 'stream' | 'subscribe' }>,
  onItem: (item: unknown) => void | Promise<void>,
  options: StreamControlOptions = {},
): Promise<void> {
  const { where, open, payload } = controlRequest(target, body);
  const timeout = options.timeout ?? DEFAULT_CONTROL_TIMEOUT;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: CliError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => settle();
    const req = open();
    const timer = setTimeout(() => settle(new CliError(EXIT.noDaemon, `the daemon at ${where} did not answer within ${timeout} ms`)), timeout);
    if (options.signal?.aborted) return settle();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => settle(new CliError(EXIT.noDaemon, connectionMessage(error, where))));
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('application/x-ndjson')) {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            answerValue(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), where);
            settle(new CliError(EXIT.failed, `${where} answered a stream request with one value`));
          } catch (error) {
            settle(error as CliError);
          }
        });
        return;
      }
      void readLines(res, async (line) => {
        // Lines already received after a stop are not the caller's any more.
        if (settled) return;
        const parsed = JSON.parse(line) as StreamLine;
        if ('item' in parsed) await onItem(parsed.item);
        else if ('end' in parsed) settle();
        else if ('error' in parsed) {
          const { code, message, details } = parsed.error;
          settle(new CliError(exitCodeForControlError(code), message || code, code, details));
        }
      }).then(
        () => settle(new CliError(EXIT.noDaemon, `lost the daemon at ${where} in the middle of the stream`)),
        (error: unknown) =>
          settle(
            error instanceof CliError
              ? error
              : error instanceof SyntaxError
                ? new CliError(EXIT.failed, `bad stream from ${where}: ${error.message}`)
                : new CliError(EXIT.noDaemon, `lost the daemon at ${where} in the middle of the stream (${(error as NodeJS.ErrnoException).code ?? String(error)})`),
          ),
      );
    });
    req.end(payload);
  });
}

/** Calls `onLine` for each line of `res`, one at a time, pausing the socket while it runs. */
async function readLines(res: IncomingMessage, onLine: (line: string) => Promise<void>): Promise<void> {
  // A decoder, because a chunk may end inside a multi-byte character.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    pending += decoder.write(chunk);
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) await onLine(line);
    }
  }
}
