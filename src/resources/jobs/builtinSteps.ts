import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as v from 'valibot';
import { GlowError } from '../../firefly/errors.js';
import { defineStepKind, exactlyOne, pause } from './stepKind.js';

/**
 * `hash`: sha256 of text, bytes or a file. Args: exactly one of `text` (a string, or strings
 * that are joined), `bytes` (a byte string) or `path` (a file on the worker's node).
 * Output: `{ sha256: hex, size: bytes hashed }`. Pure computation, useful for demos and tests.
 */
export const hashStep = defineStepKind<{ text?: string | string[]; bytes?: Uint8Array; path?: string }>({
  name: 'hash',
  description: 'sha256 of text, bytes or a file (a job step)',
  args: v.strictObject({
    text: v.optional(v.union([v.pipe(v.string(), v.maxLength(1 << 20)), v.pipe(v.array(v.string()), v.maxLength(1024))])),
    bytes: v.optional(v.instance(Uint8Array)),
    path: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  }),
  async run({ args, signal }) {
    const which = exactlyOne(args, ['text', 'bytes', 'path'], 'hash');
    const hash = createHash('sha256');
    let size = 0;
    if (which === 'path') {
      try {
        for await (const chunk of createReadStream(args.path!, { signal })) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
      } catch (error) {
        throw new GlowError('failed', `cannot read ${args.path}: ${(error as Error).message}`);
      }
    } else {
      const data = which === 'bytes' ? args.bytes! : Buffer.from(Array.isArray(args.text) ? args.text.join('') : args.text!, 'utf8');
      hash.update(data);
      size = data.length;
    }
    return { sha256: hash.digest('hex'), size };
  },
});

/**
 * `sleep`: waits `ms` milliseconds, reporting progress `ticks` times, then outputs
 * `{ slept: ms, node, value? }` (`value` is passed through, so tests can tell runs apart).
 * Holds a step mid-run for tests and demos; `fail: true` makes it fail after the wait. It waits
 * on its node's clock.
 */
export const sleepStep = defineStepKind<{ ms: number; ticks?: number; value?: unknown; fail?: boolean }>({
  name: 'sleep',
  description: 'waits, reporting progress (a job step for tests and demos)',
  args: v.strictObject({
    ms: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(24 * 3600 * 1000)),
    ticks: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    value: v.optional(v.unknown()),
    fail: v.optional(v.boolean()),
  }),
  async run({ args, node, signal, progress }) {
    const ticks = args.ticks ?? 10;
    for (let tick = 1; tick <= ticks && !signal.aborted; tick++) {
      await pause(node.clock, args.ms / ticks, signal);
      progress(tick / ticks, `${tick}/${ticks}`);
    }
    if (args.fail) throw new GlowError('failed', 'asked to fail');
    return args.value === undefined ? { slept: args.ms, node: node.id } : { slept: args.ms, node: node.id, value: args.value };
  },
});
