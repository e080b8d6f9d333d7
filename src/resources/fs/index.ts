/**
 * The FileSystem resource: a directory exported as `glow.FileSystem/1` by processes of kind
 * `fs`. Node.js only (it imports `node:fs`), so it is not part of the browser-safe core export.
 *
 * - Versions are content hashes (SHA-256 hex); every write, restore, overwriting rename and
 *   remove keeps the replaced content in a deduplicated store (see {@link FsArgs.retention}).
 * - Paths are relative to the root and confined to it (see `paths.ts`).
 * - Failures keep Glow's codes and put the precise reason in `details.reason`
 *   ({@link FsErrorReason}).
 */

// ---- the interface, its limits and the data types its members answer ----------------------
export {
  FileSystemInterface,
  FsArgsSchema,
  MAX_CHUNK_BYTES,
  STREAM_CHUNK_BYTES,
  MAX_PATH_CHARS,
} from './interface.js';
export type { FsArgs, FileStat, FileType, DirEntry, ListResult, ReadChunk, ChangeEvent, VersionEntry, FsConfig } from './interface.js';

// ---- the process kind and its options -------------------------------------------------------
export { fsKind, createFsKind } from './kind.js';
export type { FsKindFactoryOptions } from './kind.js';
export type { FsKindOptions } from './context.js';
export type { UploadLimits } from './uploads.js';
export { DEFAULT_UPLOAD_LIMITS } from './uploads.js';
export { DEFAULT_MAX_VERSIONS } from './versions.js';
export type { RetentionPolicy } from './versions.js';

// ---- errors: the reasons in `details.reason` ------------------------------------------------
export { fsErrorReason } from './errors.js';
export type { FsErrorReason, FsErrorDetails } from './errors.js';

// ---- names the export hides and refuses -----------------------------------------------------
export { RESERVED_PREFIX, VERSIONS_DIR_NAME, TEMP_PREFIX, parsePath } from './paths.js';
