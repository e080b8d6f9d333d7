/** A replica's state files in its folder's `.glow-sync` (Node.js). */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDurably } from '../fs/atomic.js';
import type { ReplicaState } from './replicaState.js';

/** The {@link ReplicaState} kept in directory `dir`. */
export function diskState(dir: string): ReplicaState {
  return {
    read: (name) => readFile(join(dir, name), 'utf8').catch(() => undefined),
    write: (name, text) => writeDurably(join(dir, name), text),
    append: (name, text) => appendFile(join(dir, name), text),
  };
}
