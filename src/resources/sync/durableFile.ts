/** Small files written whole or not at all (temporary file, fsync, rename, fsync of the folder). */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { nanoid } from 'nanoid';
import { fsyncDir } from '../fs/atomic.js';

/** Replaces the file at `path` with `text`, durably. */
export async function writeDurably(path: string, text: string): Promise<void> {
  const temp = `${path}.${nanoid(6)}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await fsyncDir(dirname(path));
}
