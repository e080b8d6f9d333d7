/**
 * Process kinds every daemon can spawn, small enough to try the mesh with and to test it:
 *
 * - `counter` (`glow.demo.Counter/1`): `add {by}` → the new total, `get {}` → the total.
 *   Args: `{ initial?: number }`. `glow spawn counter --name c` then `glow call c add '{"by":2}'`.
 * - `echo` (`glow.demo.Echo/1`): `echo {value}` → value, `where {}` → the node id,
 *   `bytes {text}` → its UTF-8 bytes (the gateway answers them as application/octet-stream),
 *   `fail {message}` → a `failed` error (the process goes on), `sleep {ms}` → answers after ms,
 *   `count {upTo, everyMs?}` → a stream of 0…upTo−1 (one every `everyMs`).
 *
 * Each is itself the resource (its process answers the members), so the name given to `spawn`
 * names something callable.
 */
import * as v from 'valibot';
import { processInterface } from '../../src/actors/interfaces.js';
import type { ProcessKind } from '../../src/actors/process.js';
import { GlowError } from '../../src/firefly/errors.js';
import { method, stream } from '../../src/firefly/idl.js';
import { bytes } from '../../src/firefly/schemas.js';
import { channelKind } from '../../src/resources/channel/index.js';
import { createFsKind } from '../../src/resources/fs/index.js';
import { createSyncKind } from '../../src/resources/sync/kind.js';
import { createSyncServiceKind, type SyncServiceOptions } from '../../src/resources/sync/service.js';

/** `glow.demo.Counter/1`. */
export const CounterInterface = processInterface('glow.demo.Counter/1', {
  add: method(v.object({ by: v.number() }), v.number(), { description: 'adds `by` and answers the new total' }),
  get: method(v.object({}), v.number(), { description: 'the total' }),
});

/** `glow.demo.Echo/1`. */
export const EchoInterface = processInterface('glow.demo.Echo/1', {
  echo: method(v.object({ value: v.unknown() }), v.unknown(), { description: 'answers `value`' }),
  where: method(v.object({}), v.string(), { description: 'the id of the node it runs on' }),
  bytes: method(v.object({ text: v.pipe(v.string(), v.maxLength(65536)) }), bytes, { description: 'the UTF-8 bytes of `text`' }),
  fail: method(v.object({ message: v.optional(v.pipe(v.string(), v.maxLength(500))) }), v.never(), {
    description: 'answers a `failed` error (the process goes on)',
  }),
  sleep: method(v.object({ ms: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000)) }), v.number(), {
    description: 'answers `ms` after `ms` milliseconds',
  }),
  count: stream(
    v.object({ upTo: v.pipe(v.number(), v.integer(), v.minValue(0)), everyMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60_000))) }),
    v.number(),
    { description: 'streams 0, 1, … upTo−1, one every `everyMs` ms (default: as fast as the consumer takes them)' },
  ),
});

/** The `counter` kind. */
export const counterKind: ProcessKind<{ initial?: number }> = {
  name: 'counter',
  description: 'a number to add to and read (glow.demo.Counter/1)',
  args: v.object({ initial: v.optional(v.number()) }),
  interface: CounterInterface,
  start(_ctx, { initial }) {
    let total = initial ?? 0;
    return {
      handlers: {
        add: ({ by }: { by: number }) => (total += by),
        get: () => total,
      },
    };
  },
};

/** The `echo` kind. */
export const echoKind: ProcessKind<Record<string, never>> = {
  name: 'echo',
  description: 'answers what it is sent (glow.demo.Echo/1)',
  args: v.object({}),
  interface: EchoInterface,
  concurrency: 16,
  start(ctx) {
    return {
      handlers: {
        echo: ({ value }: { value: unknown }) => value,
        where: () => ctx.node.id,
        bytes: ({ text }: { text: string }) => new TextEncoder().encode(text),
        fail: ({ message }: { message?: string }) => {
          throw new GlowError('failed', message ?? 'asked to fail');
        },
        sleep: ({ ms }: { ms: number }) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms)),
        count: async function* ({ upTo, everyMs }: { upTo: number; everyMs?: number }) {
          for (let i = 0; i < upTo; i++) {
            if (everyMs) await new Promise((resolve) => setTimeout(resolve, everyMs));
            yield i;
          }
        },
      },
    };
  },
};

/**
 * The kinds a daemon registers at start: the demos above, and the built-in resources — `fs`
 * (glow.FileSystem/1, src/resources/fs), `channel` (glow.Channel/1, src/resources/channel), and
 * synced folders: `sync` (glow.SyncFolder/1, a replica) and `syncd` (glow.SyncService/1, the
 * node's service that keeps its replicas), in src/resources/sync.
 */
export function builtinKinds(home: string, deviceName: string, sync: SyncServiceOptions = {}): readonly ProcessKind[] {
  // No export or replica may reach the home: its keys, control token, config and plugins are the daemon's.
  return [counterKind, echoKind, createFsKind({ protect: [home] }), channelKind, createSyncKind({ protect: [home], deviceName }), createSyncServiceKind(sync)];
}
