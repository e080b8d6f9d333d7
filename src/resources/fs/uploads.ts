/**
 * Upload sessions: content too large for one packet. `beginWrite` creates a temporary file next
 * to the target; `writeChunk`s fill it; `commitWrite` fsyncs it and renames it into place under
 * the same checks as `write` (so `ifVersion` is checked at begin, to fail early, and again at
 * commit, where it counts). Until the commit nothing is visible, and a process killed meanwhile
 * leaves the old content whole and a temporary file that the next start deletes.
 *
 * A session holds no open file between calls (each chunk opens and closes the temporary file),
 * so a process that ends leaks nothing but that file. Chunks are written in order: a chunk may
 * rewrite bytes already received (a retry) but not leave a gap. When they arrive in order the
 * version is hashed on the fly; otherwise the file is hashed again at commit.
 */
import type { Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { nanoid } from 'nanoid';
import { Mutex } from '../mutex.js';
import { assertWritable, type FsContext } from './context.js';
import { fsError, onPath } from './errors.js';
import { hashHandle, newHasher } from './hash.js';
import type { FileStat } from './interface.js';
import type { ResolvedPath } from './paths.js';
import { checkIfVersion, commitTemp, currentOf, prepareFileTarget } from './writing.js';

/** Limits of upload sessions. */
export interface UploadLimits {
  /**
   * Sessions open at once; `beginWrite` beyond it is refused with `busy`.
   * @default 64
   */
  maxUploads: number;
  /**
   * A session with no chunk for this long (ms) is dropped, its temporary file deleted (checked
   * when a session begins: the process keeps no timers).
   * @default 900000 (15 minutes)
   */
  idleMs: number;
}

/** Defaults of {@link UploadLimits}. */
export const DEFAULT_UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({ maxUploads: 64, idleMs: 15 * 60_000 });

interface Upload {
  readonly id: string;
  readonly target: ResolvedPath;
  readonly temp: string;
  readonly ifVersion: string | null | undefined;
  /** Serializes this session's chunks and its commit. */
  readonly lock: Mutex;
  received: number;
  /** The running hash of bytes [0, hashed), while chunks arrive in order. */
  hasher?: Hash;
  hashed: number;
  touched: number;
}

/** The open upload sessions of one `fs` process. */
export class Uploads {
  // Ids arrive from the wire: a Map never resolves them to inherited properties.
  private readonly sessions = new Map<string, Upload>();

  constructor(
    private readonly ctx: FsContext,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {}

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /** `beginWrite`. */
  async begin(args: { path: string; ifVersion?: string | null }): Promise<{ uploadId: string }> {
    assertWritable(this.ctx, args.path);
    const target = await this.ctx.confinement.resolve(args.path);
    await this.sweep();
    if (this.sessions.size >= this.limits.maxUploads) {
      throw fsError('uploads', `too many uploads are open (${this.limits.maxUploads}); commit or abort some`, { path: target.path });
    }
    const temp = await onPath(target.path, () =>
      this.ctx.lock.run(async () => {
        const dir = await prepareFileTarget(target);
        checkIfVersion(target.path, args.ifVersion, (await currentOf(this.ctx, target))?.version);
        return this.ctx.temps.create(dir);
      }),
    );
    const id = nanoid();
    this.sessions.set(id, { id, target, temp, ifVersion: args.ifVersion, lock: new Mutex(), received: 0, hasher: newHasher(), hashed: 0, touched: this.ctx.now() });
    return { uploadId: id };
  }

  /** `writeChunk`. */
  async write(args: { uploadId: string; offset: number; data: Uint8Array }): Promise<{ received: number }> {
    const upload = this.find(args.uploadId);
    return upload.lock.run(async () => {
      this.find(args.uploadId); // still open: a commit or abort may have run while this waited
      if (args.offset > upload.received) {
        throw fsError('offset', `chunk at ${args.offset} would leave a gap: ${upload.received} bytes received`, { path: upload.target.path });
      }
      await onPath(upload.target.path, async () => {
        const handle = await open(upload.temp, constants.O_WRONLY | constants.O_NOFOLLOW);
        try {
          await handle.write(args.data, 0, args.data.byteLength, args.offset);
        } finally {
          await handle.close();
        }
      });
      if (upload.hasher && args.offset === upload.hashed) {
        upload.hasher.update(args.data);
        upload.hashed += args.data.byteLength;
      } else if (args.offset < upload.hashed) {
        upload.hasher = undefined; // bytes already hashed were rewritten
      }
      upload.received = Math.max(upload.received, args.offset + args.data.byteLength);
      upload.touched = this.ctx.now();
      return { received: upload.received };
    });
  }

  /** `commitWrite`. A size that differs from what was received keeps the session open. */
  async commit(args: { uploadId: string; size?: number }): Promise<FileStat> {
    const upload = this.find(args.uploadId);
    return upload.lock.run(async () => {
      this.find(args.uploadId);
      if (args.size !== undefined && args.size !== upload.received) {
        throw fsError('offset', `commit expected ${args.size} bytes but ${upload.received} were received`, { path: upload.target.path });
      }
      this.sessions.delete(upload.id);
      return onPath(upload.target.path, () =>
        this.ctx.lock.run(async () => {
          let version: string;
          try {
            const handle = await open(upload.temp, constants.O_RDWR | constants.O_NOFOLLOW);
            try {
              await handle.sync();
              const inOrder = upload.hasher && upload.hashed === upload.received;
              version = inOrder ? upload.hasher!.digest('hex') : await hashHandle(handle);
            } finally {
              await handle.close();
            }
          } catch (error) {
            await this.ctx.temps.discard(upload.temp);
            throw error;
          }
          return commitTemp(this.ctx, upload.target, upload.temp, version, upload.ifVersion);
        }),
      );
    });
  }

  /** `abortWrite`: answers whether there was such a session. */
  async abort(args: { uploadId: string }): Promise<{ aborted: boolean }> {
    const upload = this.sessions.get(args.uploadId);
    if (!upload) return { aborted: false };
    return upload.lock.run(async () => {
      if (!this.sessions.delete(upload.id)) return { aborted: false };
      await this.ctx.temps.discard(upload.temp);
      return { aborted: true };
    });
  }

  /** Drops sessions idle for longer than `idleMs`. */
  async sweep(): Promise<void> {
    const deadline = this.ctx.now() - this.limits.idleMs;
    for (const upload of [...this.sessions.values()]) {
      if (upload.touched < deadline) await this.abort({ uploadId: upload.id });
    }
  }

  private find(id: string): Upload {
    const upload = this.sessions.get(id);
    if (!upload) throw fsError('noupload', `no open upload ${JSON.stringify(id.slice(0, 64))} (committed, aborted or expired)`);
    return upload;
  }
}
