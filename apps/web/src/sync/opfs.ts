/**
 * The few Origin Private File System steps the tab's replicas take: walking to a directory or
 * file by path, reading and atomically replacing a file, moving one. A `createWritable` stream
 * writes to a swap file and replaces the file only when it is closed, so a reader (or a crash)
 * sees the old content or the new, never a part.
 */

/** `FileSystemHandle.move`, which OPFS has in Chromium and Firefox but the DOM types lack. */
interface Movable {
  move(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
}

/** Whether `error` says an entry does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError');
}

/** The directory at `segments` under `dir`, made when `create`; undefined when missing. */
export async function directoryAt(dir: FileSystemDirectoryHandle, segments: readonly string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  let at = dir;
  for (const segment of segments) {
    try {
      at = await at.getDirectoryHandle(segment, { create });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
  return at;
}

/** Splits a folder path into its parent's segments and its name. */
export function splitPath(path: string): { parents: string[]; name: string } {
  const segments = path.split('/');
  return { parents: segments.slice(0, -1), name: segments[segments.length - 1]! };
}

/** The file at `path` under `dir`, or undefined. */
export async function fileAt(dir: FileSystemDirectoryHandle, path: string): Promise<FileSystemFileHandle | undefined> {
  const { parents, name } = splitPath(path);
  const parent = await directoryAt(dir, parents, false);
  if (!parent) return undefined;
  try {
    return await parent.getFileHandle(name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Replaces the file `name` in `dir` with `data`, atomically. */
export async function replaceFile(dir: FileSystemDirectoryHandle, name: string, data: string | Uint8Array): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable({ keepExistingData: false });
  try {
    await writable.write(data as FileSystemWriteChunkType);
  } catch (error) {
    await writable.abort().catch(() => undefined);
    throw error;
  }
  await writable.close();
}

/** Moves `handle` to `name` in `parent`. */
export function move(handle: FileSystemHandle, parent: FileSystemDirectoryHandle, name: string): Promise<void> {
  return (handle as unknown as Movable).move(parent, name);
}

/** Removes `name` from `dir`; nothing when it is not there. */
export async function removeEntry(dir: FileSystemDirectoryHandle, name: string): Promise<void> {
  await dir.removeEntry(name, { recursive: true }).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}
