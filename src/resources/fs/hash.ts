/**
 * Content versions. A file's version is the lowercase hex SHA-256 of its bytes: the same bytes
 * always have the same version (a strong ETag, and the name of the content in the version store,
 * which dedupes by it), and an edit that restores old bytes restores the old version. mtime is
 * not part of it: clocks and copies change mtimes without changing content.
 *
 * Hashing costs a full read, so versions are cached per inode, keyed by what any change to the
 * file moves: size, mtime and ctime in nanoseconds (ctime cannot be set back by `utimes`).
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Opens files for reading without following a symlink in the last segment (see paths.ts). */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

const HASH_BUFFER = 1024 * 1024;

/** A new SHA-256 hasher (the version function). */
export function newHasher(): Hash {
  return createHash('sha256');
}

/** The version of `data`. */
export function versionOf(data: Uint8Array): string {
  return newHasher().update(data).digest('hex');
}

/** Hashes an open file from its start, reading it in 1 MiB blocks. */
export async function hashHandle(handle: FileHandle, hasher: Hash = newHasher()): Promise<string> {
  const buffer = Buffer.allocUnsafe(HASH_BUFFER);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return hasher.digest('hex');
    hasher.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

interface Cached {
  readonly stamp: string;
  readonly version: string;
}

function inode(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}`;
}

function stampOf(stats: BigIntStats): string {
  return `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** Remembers the versions of files that have not changed since they were hashed. */
export class VersionCache {
  private readonly entries = new Map<string, Cached>();

  constructor(
    /**
     * Inodes remembered; the oldest is forgotten first.
     * @default 10000
     */
    readonly capacity = 10_000,
  ) {}

  /** The cached version of a file in the state `stats` describes, if any. */
  get(stats: BigIntStats): string | undefined {
    const cached = this.entries.get(inode(stats));
    return cached?.stamp === stampOf(stats) ? cached.version : undefined;
  }

  /** Remembers `version` for a file in the state `stats` describes. */
  set(stats: BigIntStats, version: string): void {
    const key = inode(stats);
    this.entries.delete(key); // re-inserted last: Map order is the eviction order
    this.entries.set(key, { stamp: stampOf(stats), version });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The version of an open file: cached, or hashed now (and cached if it did not change meanwhile). */
  async versionOf(handle: FileHandle): Promise<{ version: string; stats: BigIntStats }> {
    let stats = await handle.stat({ bigint: true });
    const cached = this.get(stats);
    if (cached) return { version: cached, stats };
    // A file written while it is hashed gets a version of neither content: hash it again.
    for (let attempt = 1; ; attempt++) {
      const version = await hashHandle(handle);
      const after = await handle.stat({ bigint: true });
      if (stampOf(after) === stampOf(stats)) {
        this.set(stats, version);
        return { version, stats };
      }
      if (attempt === 3) return { version, stats: after };
      stats = after;
    }
  }

  /** The version of the file at `real`. */
  async versionAt(real: string): Promise<{ version: string; stats: BigIntStats }> {
    const handle = await open(real, READ_FLAGS);
    try {
      return await this.versionOf(handle);
    } finally {
      await handle.close();
    }
  }
}
