/**
 * A file's record in a replica's index: what the replica has at a path (or that it deleted
 * it), with the version vector that orders it against other replicas' records. Records travel
 * between replicas verbatim; two replicas are in sync at a path when their records are equal,
 * which the record's digest tests in 16 bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { blockSizeFor, MAX_BLOCK_SIZE, MIN_BLOCK_SIZE } from './blocks.js';
import { isVersionVector, type VersionVector } from './versionVector.js';

/** One path's record. */
export interface FileRecord {
  /** Folder-relative, `/`-separated. */
  readonly path: string;
  readonly version: VersionVector;
  /** A tombstone: the file was deleted (its content is in the deleting replica's version store). */
  readonly deleted: boolean;
  /** SHA-256 hex of the content ('' for a tombstone). */
  readonly hash: string;
  readonly size: number;
  readonly blockSize: number;
  /** SHA-256 hex of each block. */
  readonly blocks: readonly string[];
  /** Modification time (ms since the epoch) of the content, as the modifying replica saw it. */
  readonly mtime: number;
  /** The replica that made this version. */
  readonly modifiedBy: string;
  /** The position of this record in its replica's change log (local: never compared across replicas). */
  readonly seq: number;
}

/** The 16 bytes two replicas compare to know whether their records of a path are the same. */
export function recordDigest(record: FileRecord): Uint8Array {
  const canonical = JSON.stringify([record.path, record.version, record.deleted, record.hash, record.size, record.mtime, record.modifiedBy]);
  return sha256(utf8ToBytes(canonical)).subarray(0, 16);
}

/** Whether two records describe the same version of the same path (the change-log position aside). */
export function sameRecord(a: FileRecord, b: FileRecord): boolean {
  return (
    a.path === b.path &&
    a.deleted === b.deleted &&
    a.hash === b.hash &&
    a.size === b.size &&
    a.mtime === b.mtime &&
    a.modifiedBy === b.modifiedBy &&
    JSON.stringify(a.version) === JSON.stringify(b.version)
  );
}

/** Whether two records hold the same content (both tombstones, or the same bytes). */
export function sameContent(a: FileRecord, b: FileRecord): boolean {
  return a.deleted === b.deleted && a.hash === b.hash;
}

/** About how many bytes `record` takes in a message: what batches of records are cut by (a packet holds 4 MiB). */
export function recordWireBytes(record: FileRecord): number {
  return 300 + record.path.length + 70 * record.blocks.length;
}

/** Longest path a record may carry, in characters. */
export const MAX_RECORD_PATH = 4096;
/** Largest file a record may describe: 1 TiB. */
const MAX_SIZE = 2 ** 40;

/**
 * Why `value` is not a record a peer may send, or undefined when it is one. Every field is
 * checked: a peer's record decides what this replica writes, renames and deletes.
 */
export function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  if (typeof r.path !== 'string' || !isFolderPath(r.path)) return 'bad path';
  if (!isVersionVector(r.version) || r.version.length === 0) return 'bad version vector';
  if (typeof r.deleted !== 'boolean') return 'bad deleted flag';
  if (typeof r.mtime !== 'number' || !Number.isFinite(r.mtime)) return 'bad mtime';
  if (typeof r.modifiedBy !== 'string' || r.modifiedBy.length === 0 || r.modifiedBy.length > 64) return 'bad modifiedBy';
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 0) return 'bad seq';
  if (typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0 || r.size > MAX_SIZE) return 'bad size';
  if (!Array.isArray(r.blocks)) return 'bad blocks';
  if (r.deleted) {
    if (r.hash !== '' || r.size !== 0 || r.blocks.length !== 0) return 'a tombstone with content';
    return undefined;
  }
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return 'bad hash';
  if (typeof r.blockSize !== 'number' || r.blockSize < MIN_BLOCK_SIZE || r.blockSize > MAX_BLOCK_SIZE || r.blockSize !== blockSizeFor(r.size)) return 'bad block size';
  const expected = Math.ceil(r.size / r.blockSize);
  if (r.blocks.length !== expected) return 'block count does not match size';
  if (!r.blocks.every((block) => typeof block === 'string' && HEX64.test(block))) return 'bad block hash';
  return undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Whether `path` is a folder-relative path a replica may write: no `.`/`..`, empty or reserved segment, no NUL or backslash. */
export function isFolderPath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_RECORD_PATH || path.includes('\0') || path.includes('\\')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !segment.startsWith('.glow-'));
}
