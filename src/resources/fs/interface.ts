/**
 * The contract of the `fs` kind: `glow.FileSystem/1`, its spawn arguments and the plain data
 * types its members answer. Types only and schemas; the implementation lives beside it.
 */
import * as v from 'valibot';
import { processInterface } from '../../actors/interfaces.js';
import { method, stream } from '../../firefly/idl.js';
import { bytes } from '../../firefly/schemas.js';

/**
 * Most bytes one `read`, `write` or `writeChunk` carries. Packets are capped at 4 MiB
 * (`DEFAULT_LIMITS.maxPacketBytes`); 1 MiB leaves room for the envelope and keeps one call from
 * pinning much memory on relays. Larger content moves through `readStream` or an upload.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Default size of a `readStream` item: small enough to interleave with other traffic on a link. */
export const STREAM_CHUNK_BYTES = 256 * 1024;

/** Longest path accepted, in characters (Linux's PATH_MAX). */
export const MAX_PATH_CHARS = 4096;

const path = v.pipe(v.string(), v.maxLength(MAX_PATH_CHARS));
const offset = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const chunkLength = v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_CHUNK_BYTES));
const chunk = v.pipe(bytes, v.check((data) => data.byteLength <= MAX_CHUNK_BYTES, `at most ${MAX_CHUNK_BYTES} bytes per call`));
/** A content version: the lowercase hex SHA-256 of the file's bytes. */
const version = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a version is a lowercase hex SHA-256'));
/** `ifVersion`: a version the file must still have, or `null` for "the file must not exist yet". */
const ifVersion = v.optional(v.nullable(version));
const uploadId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

const FileTypeSchema = v.picklist(['file', 'dir', 'other']);

/** Schema of {@link FileStat}. */
export const FileStatSchema = v.object({
  path: v.string(),
  type: FileTypeSchema,
  size: v.number(),
  mtime: v.number(),
  version: v.nullable(v.string()),
});

/** Schema of {@link DirEntry}. */
export const DirEntrySchema = v.object({ name: v.string(), type: FileTypeSchema, size: v.number(), mtime: v.number() });

/** Schema of {@link ListResult}. */
export const ListResultSchema = v.object({ entries: v.array(DirEntrySchema), truncated: v.boolean() });

/** Schema of {@link ReadChunk}. */
export const ReadChunkSchema = v.object({ offset: v.number(), data: bytes });

/** Schema of {@link ChangeEvent}. */
export const ChangeEventSchema = v.object({ path: v.string(), kind: v.picklist(['created', 'changed', 'removed', 'overflow']) });

/** Schema of {@link VersionEntry}. */
export const VersionEntrySchema = v.object({ version: v.string(), size: v.number(), time: v.number(), removed: v.boolean() });

/** Schema of {@link FsConfig}. */
export const FsConfigSchema = v.object({
  readOnly: v.boolean(),
  maxChunkBytes: v.number(),
  retention: v.object({ maxVersions: v.number(), maxAgeMs: v.nullable(v.number()) }),
});

/** Schema of the spawn arguments, {@link FsArgs}. */
export const FsArgsSchema = v.object({
  root: v.pipe(v.string(), v.minLength(1), v.startsWith('/', 'root must be an absolute path')),
  readOnly: v.optional(v.boolean()),
  retention: v.optional(
    v.object({
      maxVersions: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(100_000))),
      maxAgeMs: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
    }),
  ),
  versionsDir: v.optional(v.pipe(v.string(), v.startsWith('/', 'versionsDir must be an absolute path'))),
});

/**
 * Spawn arguments of the `fs` kind: `glow spawn fs '{"root": "/some/dir"}' --name docs`.
 */
export interface FsArgs {
  /** The exported directory (absolute; symlinks in it are resolved once, at start). */
  root: string;
  /**
   * Refuse every mutation (write, uploads, mkdir, remove, rename, restore) with `denied`.
   * @default false
   */
  readOnly?: boolean;
  /** How much history the version store keeps. */
  retention?: {
    /**
     * Previous contents kept per path; 0 keeps none (history is off).
     * @default 20
     */
    maxVersions?: number;
    /**
     * Previous contents older than this many milliseconds are dropped.
     * @default unlimited
     */
    maxAgeMs?: number;
  };
  /**
   * Where the version store lives, outside the root (absolute). It must not be inside the root:
   * there it would be listed and reachable like any other folder.
   * @default `<root>/.glow-versions` (hidden and unreachable through any path)
   */
  versionsDir?: string;
}

/** What a path names: a regular file, a directory, or anything else (device, socket, fifo). */
export type FileType = v.InferOutput<typeof FileTypeSchema>;

/**
 * `stat`'s answer. `version` is the SHA-256 of the content (hex), `null` for directories and
 * other non-files; it is a strong ETag. `mtime` is milliseconds since the epoch.
 */
export type FileStat = v.InferOutput<typeof FileStatSchema>;

/** One entry of a directory listing (no version: hashing every file of a folder is too costly). */
export type DirEntry = v.InferOutput<typeof DirEntrySchema>;

/** `list`'s answer: entries sorted by name; `truncated` when more follow (page with `after`). */
export type ListResult = v.InferOutput<typeof ListResultSchema>;

/** An item of `readStream`: `data` starts at byte `offset` of the file. */
export type ReadChunk = v.InferOutput<typeof ReadChunkSchema>;

/**
 * An item of `watch`. `path` is relative to the export root. `created`/`removed` come from the
 * OS reporting a rename and whether the path exists when the event is handled, so they are
 * hints: stat the path for facts. `overflow` means events were dropped; list again.
 */
export type ChangeEvent = v.InferOutput<typeof ChangeEventSchema>;

/**
 * A previous content of a path, kept when a write, restore, rename or remove replaced it.
 * `time` is when it was replaced (ms since the epoch); `removed` when a remove ended it.
 */
export type VersionEntry = v.InferOutput<typeof VersionEntrySchema>;

/** `config`'s answer: how this export behaves. */
export type FsConfig = v.InferOutput<typeof FsConfigSchema>;

/** The path argument of most members: a grant on a path prefix checks it. */
const PATH = ['path'];

/** `glow.FileSystem/1`: a directory tree exported as a resource. */
export const FileSystemInterface = processInterface('glow.FileSystem/1', {
  config: method(v.object({}), FsConfigSchema, { access: 'read', description: 'whether the export is read-only, the chunk limit, the retention' }),
  stat: method(v.object({ path }), FileStatSchema, { access: 'read', paths: PATH, description: 'type, size, mtime and content version (SHA-256) of a path' }),
  list: method(
    v.object({ path, after: v.optional(v.string()), limit: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(10_000))) }),
    ListResultSchema,
    { access: 'read', paths: PATH, description: 'the entries of a directory sorted by name, from after `after`, at most `limit` (default 1000)' },
  ),
  read: method(v.object({ path, offset: v.optional(offset), length: v.optional(chunkLength), ifVersion: v.optional(version) }), bytes, {
    access: 'read', paths: PATH, description: 'up to `length` bytes (≤ 1 MiB, default 1 MiB) from `offset`; fewer at the end of the file',
  }),
  readStream: stream(
    v.object({ path, from: v.optional(offset), length: v.optional(offset), chunkSize: v.optional(chunkLength), ifVersion: v.optional(version) }),
    ReadChunkSchema,
    { access: 'read', paths: PATH, description: 'the file from byte `from` (for `length` bytes, or to the end) in chunks of `chunkSize` (default 256 KiB)' },
  ),
  write: method(v.object({ path, data: chunk, ifVersion }), FileStatSchema, {
    paths: PATH, description: 'replaces the file atomically with `data` (≤ 1 MiB); `ifVersion` refuses a stale write',
  }),
  beginWrite: method(v.object({ path, ifVersion }), v.object({ uploadId: v.string() }), {
    paths: PATH, description: 'starts an upload to a temporary file; nothing is visible until commitWrite',
  }),
  writeChunk: method(v.object({ uploadId, offset, data: chunk }), v.object({ received: v.number() }), {
    description: 'writes `data` at `offset` of the upload (no gaps: offset ≤ bytes received)',
  }),
  commitWrite: method(v.object({ uploadId, size: v.optional(offset) }), FileStatSchema, {
    description: 'replaces the file with the upload atomically, checking `ifVersion` again',
  }),
  abortWrite: method(v.object({ uploadId }), v.object({ aborted: v.boolean() }), { description: 'drops an upload' }),
  mkdir: method(v.object({ path, parents: v.optional(v.boolean()) }), FileStatSchema, { paths: PATH, description: 'creates a directory' }),
  remove: method(v.object({ path, recursive: v.optional(v.boolean()) }), v.object({ removed: v.number() }), {
    paths: PATH, description: 'removes a file, or a directory (non-empty only with `recursive`); file contents are kept as versions',
  }),
  rename: method(v.object({ from: path, to: path, overwrite: v.optional(v.boolean()) }), FileStatSchema, {
    paths: ['from', 'to'], description: 'moves a file or directory; an overwritten file is kept as a version',
  }),
  watch: stream(v.object({ path, recursive: v.optional(v.boolean()) }), ChangeEventSchema, {
    access: 'read', paths: PATH, description: 'changes under a path, as the OS reports them, until the consumer cancels',
  }),
  versions: method(v.object({ path }), v.array(VersionEntrySchema), { access: 'read', paths: PATH, description: 'previous contents of a path, newest first' }),
  restore: method(v.object({ path, version }), FileStatSchema, {
    paths: PATH, description: 'writes a previous content back (the current one is kept as a version)',
  }),
});
