/**
 * Runs tasks one at a time, in order (browser-safe: the file system's mutations and a synced
 * folder's replica, on disk or in a tab, both take one).
 */

/** A queue of tasks that run one after another. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
