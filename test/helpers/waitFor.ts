/**
 * Polls `condition` until it holds, at most `timeout` ms; rejects with `message` (or a default;
 * a function is read when the time is up) if it never does. For state that has no event to wait on (e.g. a supervisor's children after
 * a restart), so that tests never sleep and hope.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeout = 1000,
  message: string | (() => string) = 'condition not met',
  interval = 5,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`waitFor: ${typeof message === 'function' ? message() : message} within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Resolves with `promise`'s value, or rejects if it takes longer than `timeout` ms. `message` may
 * be a function, read when the time is up (e.g. to say how far it got).
 */
export async function within<T>(promise: Promise<T>, timeout = 1000, message: string | (() => string) = 'promise did not settle'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`within: ${typeof message === 'function' ? message() : message} within ${timeout} ms`)), timeout))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
