/**
 * Confinement: turns a path that arrived from the wire into a real path inside the export root,
 * or refuses it. The rules, in order:
 *
 * 1. Lexical: a path is `/`-separated and relative to the root (`''` and `.` are the root). A NUL
 *    byte, a backslash, a leading `/` or a segment over 255 bytes is `badarg` — never reinterpreted,
 *    so `/etc/passwd` cannot quietly mean something else. A `..` segment is `denied` outright,
 *    even when it would stay inside (`a/../b`): no caller needs it and it is a classic attack.
 *    Names starting with `.glow-` are reserved (version store, temporary files): `denied`.
 * 2. Real: the parent directory is resolved with `realpath` (the longest part that exists), so a
 *    symlinked parent is followed and must land inside the real root; the last segment is followed
 *    too when the operation reads or writes content, and not when it acts on the entry itself
 *    (remove, rename), which keeps "remove a link" from removing its target.
 * 3. The resolved path is checked again for `.glow-` segments, so a symlink inside the root that
 *    points into the version store is refused like the store's own name.
 *
 * What remains: a symlink swapped in between the check and the use (a race with someone who has
 * shell access to the root). Files are opened with O_NOFOLLOW, which closes the race for the last
 * segment; a swapped parent directory is not covered. Hard links are not detected: making one
 * needs write access to both places already.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fsError, fromFsError } from './errors.js';
import { MAX_PATH_CHARS } from './interface.js';

/** Names starting with this are Glow's own (version store, temporary files) and unreachable. */
export const RESERVED_PREFIX = '.glow-';
/** The version store's folder under the root, unless `versionsDir` puts it elsewhere. */
export const VERSIONS_DIR_NAME = '.glow-versions';
/** Prefix of temporary files written next to their target. */
export const TEMP_PREFIX = '.glow-tmp-';

/** A path resolved inside the root. */
export interface ResolvedPath {
  /** The caller's path, normalized (`a//./b/` is `a/b`; the root is `''`). */
  readonly path: string;
  /** Absolute real path on this machine (symlinks resolved as the operation asked). */
  readonly real: string;
  /** `real` relative to the real root, `/`-separated; `''` is the root. Keys the version history. */
  readonly relative: string;
}

/** True for a directory entry name the export hides (version store, temporary files). */
export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX);
}

/**
 * Splits a wire path into its segments, refusing what rule 1 refuses.
 * @throws GlowError `badarg` (malformed) or `denied` (`..`, reserved name).
 */
export function parsePath(path: string): string[] {
  const say = (why: string) => `path ${JSON.stringify(path.slice(0, 200))} ${why}`;
  if (path.length > MAX_PATH_CHARS) throw fsError('path', say(`is longer than ${MAX_PATH_CHARS} characters`));
  if (path.includes('\0')) throw fsError('path', say('contains a NUL byte'), { path });
  if (path.includes('\\')) throw fsError('path', say('contains a backslash; use / between names'), { path });
  if (path.startsWith('/')) throw fsError('path', say('is absolute; paths are relative to the export root'), { path });
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  for (const segment of segments) {
    if (segment === '..') throw fsError('outside', say('contains ".."; paths cannot climb out of the export root'), { path });
    if (isReservedName(segment)) throw fsError('reserved', say(`names a reserved entry (${RESERVED_PREFIX}*)`), { path });
    if (Buffer.byteLength(segment) > 255) throw fsError('path', say('has a name longer than 255 bytes'), { path });
  }
  return segments;
}

/** Resolves wire paths inside one real root. */
export class Confinement {
  private readonly prefix: string;

  private constructor(
    /** The root with every symlink resolved. */
    readonly realRoot: string,
  ) {
    this.prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  }

  /**
   * Resolves the root once: later checks compare real paths against it.
   * @throws GlowError `failed` (`notfound`, `notdir`) when the root is not a directory.
   */
  static async open(root: string): Promise<Confinement> {
    try {
      const real = await realpath(root);
      if (!(await stat(real)).isDirectory()) throw fsError('notdir', `root ${JSON.stringify(root)} is not a directory`);
      return new Confinement(real);
    } catch (error) {
      throw fromFsError(error, root);
    }
  }

  /** True when an absolute real path is the root or inside it. */
  contains(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.prefix);
  }

  /**
   * Resolves `path` (rules 1–3). `follow: false` leaves a symlink in the last segment unresolved,
   * for operations on the entry itself. Missing paths resolve too (a write creates them).
   * @throws GlowError `badarg` / `denied` as described above.
   */
  async resolve(path: string, { follow = true }: { follow?: boolean } = {}): Promise<ResolvedPath> {
    const segments = parsePath(path);
    path = segments.join('/');
    if (segments.length === 0) return { path, real: this.realRoot, relative: '' };
    const parent = await this.realPrefix(path, segments.slice(0, -1));
    let real = join(parent, segments[segments.length - 1]!);
    if (follow) real = await this.realOrSelf(path, real);
    return { path, real, relative: this.relativeOf(path, real) };
  }

  /** True when an absolute real path is inside the root and not reserved (rule 3). */
  admits(real: string): boolean {
    if (!this.contains(real)) return false;
    return !relative(this.realRoot, real).split(sep).some(isReservedName);
  }

  /** `relative` of an absolute real path known to be inside the root (a watcher's event). */
  relativeOf(path: string, real: string): string {
    if (!this.contains(real)) throw fsError('outside', `path ${JSON.stringify(path)} leads outside the export root`, { path });
    const rel = relative(this.realRoot, real).split(sep).join('/');
    // Rule 3: a symlink may point at the version store or a temporary file.
    if (rel.split('/').some(isReservedName)) throw fsError('reserved', `path ${JSON.stringify(path)} leads to a reserved entry`, { path });
    return rel;
  }

  /** The real path of the longest existing prefix of `segments`, with the missing rest appended. */
  private async realPrefix(path: string, segments: string[]): Promise<string> {
    for (let known = segments.length; known >= 0; known--) {
      const candidate = join(this.realRoot, ...segments.slice(0, known));
      let real: string;
      try {
        real = await realpath(candidate);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && known > 0) continue;
        throw fromFsError(error, path);
      }
      if (!this.contains(real)) throw fsError('outside', `path ${JSON.stringify(path)} leads outside the export root through a symlink`, { path });
      // Missing segments were checked lexically and cannot be symlinks: they do not exist.
      return join(real, ...segments.slice(known));
    }
    return this.realRoot; // unreachable: the root itself exists
  }

  /** Follows `real` if it exists (a dangling symlink stays itself: writing replaces the link). */
  private async realOrSelf(path: string, real: string): Promise<string> {
    let target: string;
    try {
      target = await realpath(real);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return real;
      throw fromFsError(error, path);
    }
    if (!this.contains(target)) throw fsError('outside', `path ${JSON.stringify(path)} is a symlink that leads outside the export root`, { path });
    return target;
  }
}
