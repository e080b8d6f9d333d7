/**
 * Where WebDAV is served, and its handler loaded at first use: a module of its own, so that
 * nothing of the server (nephele, Express) is loaded to know them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The path prefix on the daemon's HTTP port. */
export const DAV_PREFIX = '/dav';

/** Answers requests under {@link DAV_PREFIX}. */
export type DavHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * A handler that loads the WebDAV server (nephele and Express, ~0.3 s of imports) at its first
 * request, not at every daemon start.
 */
export function lazyDavHandler(load: () => Promise<DavHandler>): DavHandler {
  let loading: Promise<DavHandler> | undefined;
  return (request, response) => {
    loading ??= load();
    loading.then(
      (handler) => handler(request, response),
      (error: unknown) => {
        loading = undefined;
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`the WebDAV server did not load: ${String(error)}\n`);
      },
    );
  };
}
