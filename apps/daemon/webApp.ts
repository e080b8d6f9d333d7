/**
 * Serves the built web app (`npm run build:web` → dist/web) on the daemon's HTTP port: `GET /`
 * is its index.html when the build exists (else the status page, see http.ts), `/assets/…` its
 * files. Only files inside the build folder are served: the path is resolved and checked to
 * stay under it, so `..` cannot reach anything else.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonInfo } from './control.js';

/** Where `npm run build:web` writes the app. */
export const WEB_APP_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Sends the web app's file for `pathname` (`/` is index.html) and answers true, or answers
 * false when there is no build or no such file in it (the caller falls back or 404s).
 */
export async function serveWebApp(pathname: string, head: boolean, response: ServerResponse, dir = WEB_APP_DIR): Promise<boolean> {
  const root = resolve(dir);
  const file = resolve(join(root, pathname === '/' ? 'index.html' : decodeURIComponent(pathname)));
  if (file !== root && !file.startsWith(root + sep)) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
  } catch {
    return false;
  }
  const body = await readFile(file);
  // Hashed asset names never change content; index.html must always be fetched fresh.
  const cache = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': cache });
  response.end(head ? undefined : body);
  return true;
}

/** What the web app needs to join the daemon: `GET /api/info`. */
export function webInfo(info: DaemonInfo): { node: string; name?: string; link: string; signaling?: string } {
  return { node: info.node, ...(info.name ? { name: info.name } : {}), link: info.link, ...(info.signaling ? { signaling: info.signaling } : {}) };
}
