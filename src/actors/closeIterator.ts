/**
 * Closes an async iterator its consumer has left: a cancelled stream, a subscriber that went
 * away, a client that hung up. Its `return` may reject (a remote stream whose cancel cannot be
 * sent, a generator whose `finally` throws), and no one is left to be told: the stream is over
 * for everyone who read it. Dropping that rejection here keeps it from ending the node as an
 * unhandled rejection.
 */
export function closeIterator(iterator: { return?: () => unknown } | undefined): void {
  Promise.resolve(iterator?.return?.()).catch(() => undefined);
}
