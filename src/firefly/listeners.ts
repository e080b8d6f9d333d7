/**
 * Hands `event` to every listener. A listener that throws does not stop the others or the
 * caller: its error is rethrown out of band (a microtask), where it is reported as uncaught,
 * while the state the caller is changing stays whole.
 */
export function notifyAll<T>(listeners: Iterable<(event: T) => void>, event: T): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
