/**
 * A tab replica's state files (who it is, its index log, members, cursors) in a directory of
 * the Origin Private File System. Writes to one file are queued one after another: two writable
 * streams on one file would race, and the last to close would win.
 */
import type { ReplicaState } from '../../../../src/resources/sync/replicaState.js';
import { Mutex } from '../../../../src/resources/mutex.js';
import { isNotFound, replaceFile } from './opfs.js';

/** The {@link ReplicaState} kept in `dir`. */
export function opfsState(dir: FileSystemDirectoryHandle): ReplicaState {
  const queues = new Map<string, Mutex>();
  const queue = (name: string) => queues.get(name) ?? queues.set(name, new Mutex()).get(name)!;
  return {
    async read(name) {
      try {
        return await (await (await dir.getFileHandle(name)).getFile()).text();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    write: (name, text) => queue(name).run(() => replaceFile(dir, name, text)),
    append: (name, text) =>
      queue(name).run(async () => {
        const handle = await dir.getFileHandle(name, { create: true });
        const size = (await handle.getFile()).size;
        const writable = await handle.createWritable({ keepExistingData: true });
        await writable.seek(size);
        await writable.write(text);
        await writable.close();
      }),
  };
}
