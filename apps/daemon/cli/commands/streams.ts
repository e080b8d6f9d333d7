/**
 * What the stream commands share (`stream`, `sub`, `job watch`, `watch`): open a `stream` control
 * request and print each item as it arrives, until the stream ends, a count is reached, or the
 * person presses Ctrl-C (the daemon then cancels the stream and the producer stops).
 */
import type { ControlRequest } from '../../control.js';
import { controlStream } from '../client.js';
import { findDaemon } from '../discovery.js';
import type { CliIo, ClientOptions } from './common.js';

/** Prints each item with `render` (one compact JSON line each with `--json`); stops after `count` items. */
export async function printStream(
  io: CliIo,
  options: ClientOptions,
  body: Extract<ControlRequest, { op: 'stream' | 'subscribe' }>,
  render: (item: unknown) => string,
  count?: number,
): Promise<void> {
  const target = await findDaemon(options, io.env);
  const stop = new AbortController();
  if (count === 0) return;
  let seen = 0;
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  try {
    await controlStream(
      target,
      body,
      (item) => {
        io.stdout(options.json ? `${JSON.stringify(item ?? null)}\n` : render(item));
        if (count !== undefined && ++seen >= count) stop.abort();
      },
      { signal: stop.signal },
    );
  } finally {
    process.off('SIGINT', interrupt);
  }
}

