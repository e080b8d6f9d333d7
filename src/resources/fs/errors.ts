/**
 * How the `fs` kind fails. It keeps to Glow's error codes and says the precise reason in
 * `details.reason`, so callers branch on data, not on messages:
 *
 * | code     | reason        | when |
 * | -------- | ------------- | ---- |
 * | badarg   | `path`        | a malformed path: NUL byte, backslash, absolute, too long |
 * | denied   | `outside`     | the path, a `..` or a symlink would leave the root |
 * | denied   | `reserved`    | the path names the version store or a temporary file (`.glow-*`) |
 * | denied   | `readonly`    | a mutation on a read-only export |
 * | denied   | `permission`  | the OS refused (EACCES, EPERM) |
 * | denied   | `protected`   | the root or version store is, holds or lies in a protected directory (the daemon's home) |
 * | failed   | `notfound`    | no such file or directory (also an unknown version) |
 * | failed   | `exists`      | the target exists (mkdir, rename without overwrite) |
 * | failed   | `notempty`    | remove of a non-empty directory without `recursive` |
 * | failed   | `isdir`       | a file operation on a directory |
 * | failed   | `notfile`     | a file operation on something else (fifo, socket, device, symlink) |
 * | failed   | `notdir`      | a directory operation on a file, or a file used as a folder |
 * | failed   | `stale`       | `ifVersion` no longer matches; details carry `expected` and `actual` |
 * | failed   | `noupload`    | an unknown, finished or expired upload id |
 * | failed   | `offset`      | a chunk that would leave a gap, or a commit whose size differs |
 * | busy     | `uploads`     | too many uploads are open |
 * | failed   | `io`          | any other OS error; details carry its `errno` code |
 */
import { GlowError, type ErrorCode } from '../../firefly/errors.js';

/** The precise reason of an `fs` failure, in `details.reason`. */
export type FsErrorReason =
  | 'path'
  | 'outside'
  | 'reserved'
  | 'readonly'
  | 'permission'
  | 'protected'
  | 'notfound'
  | 'exists'
  | 'notempty'
  | 'isdir'
  | 'notfile'
  | 'notdir'
  | 'stale'
  | 'noupload'
  | 'offset'
  | 'uploads'
  | 'io';

/** The `details` of an `fs` failure. */
export interface FsErrorDetails {
  reason: FsErrorReason;
  /** The path as the caller gave it, when the failure is about one. */
  path?: string;
  /** `stale`: the version the caller expected (`null`: that the file did not exist). */
  expected?: string | null;
  /** `stale`: the version the file has (`null`: it does not exist). */
  actual?: string | null;
  /** `io`: the OS error code (`ENOSPC`, …). */
  errno?: string;
}

const CODE_OF: Record<FsErrorReason, ErrorCode> = {
  path: 'badarg',
  outside: 'denied',
  reserved: 'denied',
  readonly: 'denied',
  permission: 'denied',
  protected: 'denied',
  notfound: 'failed',
  exists: 'failed',
  notempty: 'failed',
  isdir: 'failed',
  notfile: 'failed',
  notdir: 'failed',
  stale: 'failed',
  noupload: 'failed',
  offset: 'failed',
  uploads: 'busy',
  io: 'failed',
};

/** A GlowError of the code that fits `reason`, with `details.reason` set. */
export function fsError(reason: FsErrorReason, message: string, details: Omit<FsErrorDetails, 'reason'> = {}): GlowError {
  return new GlowError(CODE_OF[reason], message, { reason, ...details });
}

/** The `details.reason` of an `fs` failure, if `error` is one. */
export function fsErrorReason(error: unknown): FsErrorReason | undefined {
  if (!(error instanceof GlowError) || typeof error.details !== 'object' || error.details === null) return undefined;
  const reason = (error.details as { reason?: unknown }).reason;
  return typeof reason === 'string' && Object.hasOwn(CODE_OF, reason) ? (reason as FsErrorReason) : undefined;
}

const ERRNO_REASON: Record<string, FsErrorReason> = {
  ENOENT: 'notfound',
  EEXIST: 'exists',
  ENOTEMPTY: 'notempty',
  EISDIR: 'isdir',
  ENOTDIR: 'notdir',
  EACCES: 'permission',
  EPERM: 'permission',
  // O_NOFOLLOW met a symlink: someone swapped one in after the path was resolved.
  ELOOP: 'outside',
};

const MESSAGE: Partial<Record<FsErrorReason, string>> = {
  notfound: 'no such file or directory',
  exists: 'already exists',
  notempty: 'directory is not empty',
  isdir: 'is a directory',
  notdir: 'is not a directory',
  permission: 'permission denied by the operating system',
  outside: 'a symlink appeared on the path',
};

/**
 * Turns an error thrown by `node:fs` into a GlowError about `path` (the caller's path: OS
 * paths would leak where the export lives). GlowErrors pass through; anything that is not an
 * OS error is a bug and is thrown again, so the process crashes and is restarted.
 */
export function fromFsError(error: unknown, path?: string): GlowError {
  if (error instanceof GlowError) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof errno !== 'string' || !/^E[A-Z0-9]+$/.test(errno)) throw error;
  const reason = Object.hasOwn(ERRNO_REASON, errno) ? ERRNO_REASON[errno]! : 'io';
  const what = MESSAGE[reason] ?? `the operating system failed (${errno})`;
  return fsError(reason, path === undefined ? what : `${JSON.stringify(path)}: ${what}`, reason === 'io' ? { path, errno } : { path });
}

/** Runs `work`, turning OS errors into GlowErrors about `path`. */
export async function onPath<T>(path: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fromFsError(error, path);
  }
}
