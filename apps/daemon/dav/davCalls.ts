/**
 * Calls to a FileSystem export for the WebDAV adapter, and their failures as the WebDAV errors
 * nephele answers with (a module of its own: the adapter and its resources both use it).
 */
import {
  ForbiddenError,
  InsufficientStorageError,
  MethodNotSupportedError,
  PreconditionFailedError,
  ResourceExistsError,
  ResourceNotFoundError,
  ResourceTreeNotCompleteError,
} from 'nephele';
import type { ResourceRef } from '../../../src/actors/ref.js';
import { GlowError, toGlowError } from '../../../src/firefly/errors.js';
import type { FileStat, FileSystemInterface } from '../../../src/resources/fs/interface.js';

/** An export, as the adapter calls it. */
export type FileSystem = ResourceRef<typeof FileSystemInterface>;

/** How long one call to an export may take, ms. */
export const CALL_TIMEOUT = 30_000;

/** A FileSystem failure as the WebDAV error nephele answers with. */
export function davError(error: unknown, creating = false): Error {
  const failure = toGlowError(error);
  const reason = (failure.details as { reason?: unknown } | undefined)?.reason;
  switch (reason) {
    case 'notfound':
    case 'notdir':
      return creating ? new ResourceTreeNotCompleteError('One or more intermediate collections must be created first.') : new ResourceNotFoundError(failure.message);
    case 'exists':
      return new ResourceExistsError(failure.message);
    case 'notempty':
    case 'isdir':
      return new MethodNotSupportedError(failure.message);
    case 'stale':
      return new PreconditionFailedError(failure.message);
    case 'notfile':
      return new MethodNotSupportedError(failure.message);
    case 'uploads':
      return new InsufficientStorageError(failure.message);
  }
  if (failure.code === 'denied') return new ForbiddenError(failure.message);
  if (failure.code === 'noproc') return new ResourceNotFoundError(failure.message);
  return failure;
}

/** A stat that answers null for a path that is not there. */
export async function statOrNull(ref: FileSystem, path: string): Promise<FileStat | null> {
  try {
    return await ref.call('stat', { path }, { timeout: CALL_TIMEOUT });
  } catch (error) {
    const failure = toGlowError(error);
    const reason = (failure.details as { reason?: unknown } | undefined)?.reason;
    if (reason === 'notfound' || reason === 'notdir' || failure.code === 'noproc') return null;
    throw error instanceof GlowError ? davError(error) : error;
  }
}
