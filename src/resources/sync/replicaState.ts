/**
 * Where a replica keeps its own small files — who it is, its index log, its member list, its
 * peers' cursors — as named texts: `.glow-sync` on a disk (diskState.ts), a directory of the
 * Origin Private File System in a browser tab. Browser-safe.
 */

/** A replica's state files, by name. */
export interface ReplicaState {
  /** The text of `name`, or undefined when there is none. */
  read(name: string): Promise<string | undefined>;
  /** Replaces `name` with `text` atomically and durably: after a crash it is the old text or the new, whole. */
  write(name: string, text: string): Promise<void>;
  /** Appends `text` to `name` (created when missing). A crash may leave a torn tail, which readers skip. */
  append(name: string, text: string): Promise<void>;
}
