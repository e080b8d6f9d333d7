/**
 * Where the losing side of a conflict goes: next to the file, named like Syncthing names its
 * conflict copies (`name.sync-conflict-YYYYMMDD-HHMMSS-DEVICE.ext`), so people who know one
 * know the other and ignore patterns written for Syncthing match. The name depends only on the
 * losing record (its time and replica), so every replica that resolves the same conflict makes
 * the same copy, and the copies meet as one file.
 */

/** Characters of the replica id the name shows. */
const DEVICE_CHARS = 7;

/** The conflict copy's path for a file at `path` last modified at `mtime` (ms) by `replica`. */
export function conflictName(path: string, mtime: number, replica: string): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  // A leading dot is a hidden file, not an extension; so is a name without one.
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${dir}${stem}.sync-conflict-${stamp(mtime)}-${replica.slice(0, DEVICE_CHARS)}${ext}`;
}

/** Whether `path` names a conflict copy. */
export function isConflictCopy(path: string): boolean {
  return /\.sync-conflict-\d{8}-\d{6}-[^/.]+(\.[^/]*)?$/.test(path);
}

function stamp(mtime: number): string {
  const date = new Date(mtime);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}-${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}`;
}
