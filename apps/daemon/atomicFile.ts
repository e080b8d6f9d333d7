import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` with `contents` so that a crash at any instant (SIGKILL, power loss) leaves
 * either the old file or the new one, never a mix: write a temporary file beside it, fsync it,
 * rename it over the target, fsync the directory (so the rename itself is on disk). When this
 * resolves, the new contents survive a crash.
 */
export async function writeFileAtomic(file: string, contents: string, mode = 0o600): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(file));
}

/** Fsyncs a directory, so that entries created or renamed in it are durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory (EINVAL); the rename is as durable as they allow.
  } finally {
    await handle.close();
  }
}
