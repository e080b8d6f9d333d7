/**
 * Sends a resource's stream as newline-delimited JSON (control.ts, `StreamLine`): one line per
 * item, then `end` or `error`. The HTTP connection's own flow control paces the producer: the
 * next item is pulled only once the socket took the previous line, and the resource's stream
 * credit does the rest. A client that goes away cancels the stream.
 */
import type { ServerResponse } from 'node:http';
import { closeIterator } from '../../src/actors/closeIterator.js';
import { toGlowError } from '../../src/firefly/errors.js';
import { toJson } from './json.js';
import type { OpenStream } from './operations.js';

/** How a stream answer ended. */
export type StreamOutcome = 'ended' | 'failed' | 'cancelled';

/** Streams `stream` into `response` until it ends, fails, or `aborted` fires (the client went away). */
export async function sendStream(response: ServerResponse, stream: OpenStream, aborted: AbortSignal): Promise<StreamOutcome> {
  const { first, rest } = stream;
  const stop = () => closeIterator(rest);
  aborted.addEventListener('abort', stop, { once: true });
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.flushHeaders();
  try {
    let step = await first;
    while (!step.done) {
      if (!response.write(`${toJson({ item: step.value })}\n`)) {
        await writable(response);
      }
      if (aborted.aborted) return 'cancelled';
      step = await rest.next();
    }
    // A cancelled stream ends too (its iterator answers done): the abort says which it was.
    if (aborted.aborted) return 'cancelled';
    response.end(`${toJson({ end: true })}\n`);
    return 'ended';
  } catch (error) {
    if (aborted.aborted) return 'cancelled';
    const glow = toGlowError(error);
    const line = { error: { code: glow.code, message: glow.message, ...(glow.details === undefined ? {} : { details: glow.details }) } };
    response.end(`${toJson(line)}\n`);
    return 'failed';
  } finally {
    aborted.removeEventListener('abort', stop);
  }
}

/** Resolves when the socket takes more, or the connection closed. */
export function writable(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
