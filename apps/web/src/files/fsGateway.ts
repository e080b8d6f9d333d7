/**
 * The daemon's `/fs` gateway (apps/daemon/fsGateway.ts) as the Files view speaks to it: URLs of
 * exports and paths, what a listing and a version history answer, and failures with the Glow
 * code the gateway answered. Plain HTTP: the daemon streams files from wherever the export lives,
 * and the browser gets Range, ETag, downloads and upload progress for free.
 */
import { errorMessage } from '../../../../src/firefly/errors.js';
import { logInToGateway } from '../account/accountApi.js';

/** A directory entry as `GET /fs/<export>/<dir>` lists it. */
export interface Entry {
  name: string;
  type: 'file' | 'dir' | 'other';
  size: number;
  mtime: number;
}

/** A content of a path as `GET …?versions` lists it, newest first. */
export interface Version {
  version: string;
  size: number;
  time: number;
  removed: boolean;
  current?: boolean;
}

/** A failure of an `/fs` request, with the Glow code the gateway answered (`{code, message, details}`). */
export class FsRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'FsRequestError';
  }
}

/** The error for a non-2xx answer: the JSON body's code and message when it has them, the HTTP status otherwise. */
export function fsError(status: number, body: string): FsRequestError {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown; details?: { reason?: unknown } };
    if (typeof parsed.code === 'string') {
      const reason = typeof parsed.details?.reason === 'string' ? parsed.details.reason : undefined;
      // The reason is the precise one (`failed` + `notfound`): show it next to the message.
      const message = `${typeof parsed.message === 'string' ? parsed.message : 'failed'}${reason ? ` (${reason})` : ''}`;
      return new FsRequestError(message, parsed.code, status, reason);
    }
  } catch {
    // Not JSON (a proxy's page, say): fall back to the status.
  }
  return new FsRequestError(`HTTP ${status}`, `http${status}`, status);
}

/**
 * `fetch` that throws {@link FsRequestError} for a non-2xx answer. A tab of another machine (a
 * phone that joined by invitation) has no session of the gateway at first: on 401 it logs in over
 * the mesh (accountApi.ts) and asks once more; the session then serves the view's links too.
 */
export async function fsFetch(url: string, init?: RequestInit): Promise<Response> {
  let response = await fetch(url, { cache: 'no-store', ...init });
  if (response.status === 401) {
    const refused = fsError(response.status, await response.text());
    try {
      await logInToGateway();
    } catch (error) {
      throw new FsRequestError(`${refused.message}; logging in over the mesh failed: ${errorMessage(error)}`, refused.code, 401);
    }
    response = await fetch(url, { cache: 'no-store', ...init });
  }
  if (!response.ok) throw fsError(response.status, await response.text());
  return response;
}

/**
 * The URL prefix of the export `id`: `/fs/<name>` when the daemon serving the page knows it by
 * `name` (each segment encoded: names may hold `/`), else `/fs/<node>/<local>`.
 */
export function exportBase(id: string, name?: string): string {
  const text = name ?? id.replace(/^glow:\/\//, '');
  return `/fs/${text.split('/').map(encodeURIComponent).join('/')}`;
}

/** The URL of `path` (segments) in the export at `base`, each segment percent-encoded. */
export function fsUrl(base: string, path: readonly string[]): string {
  return `${base}/${path.map(encodeURIComponent).join('/')}`;
}

/** Uploads `file` with PUT (XMLHttpRequest: fetch reports no upload progress); resolves with the new stat. */
export function putFile(url: string, file: Blob, onProgress: (fraction: number) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        try {
          resolve(JSON.parse(request.responseText));
        } catch {
          resolve(undefined);
        }
      } else reject(fsError(request.status, request.responseText));
    };
    request.onerror = () => reject(new Error('the upload failed: the connection to the daemon broke'));
    request.send(file);
  });
}
