import type { GlowError } from '../firefly/errors.js';

const ignore = () => undefined;

/**
 * Runs operations one at a time, in the order they were queued. A supervisor changes its
 * children only through it (`start_child`, `terminate_child`, what an `EXIT` decides, a
 * restart that became due), so the child list stays consistent, while its mailbox stays free
 * to answer reads at once. Once closed (the supervisor is ending), operations still queued and
 * any queued later fail with the closing error instead of running.
 */
export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closedWith: GlowError | undefined;

  /** Queues `operation`; settles with its outcome once it has run. */
  run<T>(operation: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (this.closedWith) throw this.closedWith;
      return operation();
    });
    this.tail = result.then(ignore, ignore);
    return result;
  }

  /** Refuses every operation not yet started with `error`; the one running (if any) finishes. */
  close(error: GlowError): void {
    this.closedWith ??= error;
  }

  /** True once {@link OperationQueue.close} was called. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }
}
