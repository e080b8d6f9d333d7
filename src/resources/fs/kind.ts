/**
 * The `fs` process kind: `glow spawn fs '{"root": "/some/dir"}' --name docs` exports a directory
 * as `glow.FileSystem/1`. Its start opens the export (resolves the root, opens the version store,
 * deletes temporary files a killed predecessor left); the members are wired to the files that
 * implement them.
 */
import type { processMembers } from '../../actors/interfaces.js';
import type { ProcessKind } from '../../actors/process.js';
import type { Handlers } from '../../actors/resource.js';
import { openContext, type FsContext, type FsKindOptions } from './context.js';
import { fsError } from './errors.js';
import { FileSystemInterface, FsArgsSchema, MAX_CHUNK_BYTES, type FsArgs } from './interface.js';
import { list, read, readStream, stat } from './reading.js';
import { DEFAULT_UPLOAD_LIMITS, Uploads, type UploadLimits } from './uploads.js';
import { watch } from './watch.js';
import { mkdir, remove, rename, restore, write } from './writing.js';

/** Options of {@link createFsKind}. */
export interface FsKindFactoryOptions extends FsKindOptions {
  /** Limits of upload sessions (see {@link UploadLimits}); each defaults as documented there. */
  uploads?: Partial<UploadLimits>;
  /**
   * Messages one `fs` process handles at once. Reads run side by side; mutations queue on the
   * process's own lock whatever this is.
   * @default 16
   */
  concurrency?: number;
}

type FsHandlers = Omit<Handlers<typeof FileSystemInterface>, keyof typeof processMembers>;

/** Members that change something: a read-only export refuses them before anything else. */
const MUTATIONS: ReadonlySet<string> = new Set(['write', 'beginWrite', 'writeChunk', 'commitWrite', 'abortWrite', 'mkdir', 'remove', 'rename', 'restore']);

function handlersOf(ctx: FsContext, uploads: Uploads): FsHandlers {
  const handlers: FsHandlers = {
    config: () => ({
      readOnly: ctx.readOnly,
      maxChunkBytes: MAX_CHUNK_BYTES,
      retention: { maxVersions: ctx.store.retention.maxVersions, maxAgeMs: ctx.store.retention.maxAgeMs ?? null },
    }),
    stat: (args) => stat(ctx, args),
    list: (args) => list(ctx, args),
    read: (args) => read(ctx, args),
    readStream: (args) => readStream(ctx, args),
    write: (args) => write(ctx, args),
    beginWrite: (args) => uploads.begin(args),
    writeChunk: (args) => uploads.write(args),
    commitWrite: (args) => uploads.commit(args),
    abortWrite: (args) => uploads.abort(args),
    mkdir: (args) => mkdir(ctx, args),
    remove: (args) => remove(ctx, args),
    rename: (args) => rename(ctx, args),
    watch: (args) => watch(ctx, args),
    versions: async ({ path }) => ctx.store.list((await ctx.confinement.resolve(path)).relative),
    restore: (args) => restore(ctx, args),
  };
  if (!ctx.readOnly) return handlers;
  const guarded: Record<string, unknown> = { ...handlers };
  for (const member of MUTATIONS) {
    guarded[member] = () => {
      throw fsError('readonly', `the export is read-only: ${member} is refused`);
    };
  }
  return guarded as FsHandlers;
}

/** Makes an `fs` kind; {@link fsKind} is the one with every default. */
export function createFsKind(options: FsKindFactoryOptions = {}): ProcessKind<FsArgs> {
  return {
    name: 'fs',
    description: 'a directory exported as glow.FileSystem/1, with atomic writes and kept versions',
    args: FsArgsSchema,
    interface: FileSystemInterface,
    concurrency: options.concurrency ?? 16,
    async start(_process, args) {
      const ctx = await openContext(args, options);
      const uploads = new Uploads(ctx, { ...DEFAULT_UPLOAD_LIMITS, ...options.uploads });
      return { handlers: handlersOf(ctx, uploads) as never };
    },
  };
}

/** The `fs` process kind (`glow.FileSystem/1`), with every default. */
export const fsKind: ProcessKind<FsArgs> = createFsKind();
