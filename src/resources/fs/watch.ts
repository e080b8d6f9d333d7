/**
 * `watch`: changes under a path, from the OS watcher (`node:fs` watch; recursive on Linux since
 * Node 20). The stream is an async iterator written by hand rather than an async generator: a
 * generator waiting for the next OS event could not be returned until one came, while this one
 * closes its watcher the moment the consumer cancels (or the process ends).
 *
 * Events are hints: the OS reports "rename" (created or removed: told apart by whether the path
 * exists when the event is handled) and "change". Events inside reserved names are dropped.
 * At most {@link MAX_QUEUED_EVENTS} wait for a slow consumer; beyond that they are dropped and
 * one `overflow` event says so, so the consumer lists again instead of trusting a gap.
 */
import { watch as watchFs, type FSWatcher } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsContext } from './context.js';
import { fsError, fromFsError, onPath } from './errors.js';
import type { ChangeEvent } from './interface.js';
import { isReservedName } from './paths.js';

/** Events held for a consumer that does not keep up. */
export const MAX_QUEUED_EVENTS = 1000;

type Waiter = { resolve: (result: IteratorResult<ChangeEvent>) => void; reject: (error: unknown) => void };

class WatchStream implements AsyncIterableIterator<ChangeEvent> {
  private readonly queue: ChangeEvent[] = [];
  private waiter?: Waiter;
  private watcher?: FSWatcher;
  private starting?: Promise<void>;
  private closed = false;
  private failure?: unknown;
  /** The watched path relative to the root (what an `overflow` event names). */
  private base = '';
  /** Events are classified one after another, so they leave in the order they came. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: FsContext,
    private readonly path: string,
    private readonly recursive: boolean,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ChangeEvent>> {
    await (this.starting ??= this.start());
    const event = this.queue.shift();
    if (event) return { value: event, done: false };
    if (this.failure) throw this.failure;
    if (this.closed) return { value: undefined, done: true };
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<ChangeEvent>> {
    this.close();
    return { value: undefined, done: true };
  }

  private async start(): Promise<void> {
    const resolved = await this.ctx.confinement.resolve(this.path);
    const isDir = await onPath(resolved.path, async () => (await stat(resolved.real)).isDirectory());
    if (this.closed) return;
    const base = (this.base = resolved.relative);
    try {
      this.watcher = watchFs(resolved.real, { recursive: isDir && this.recursive, encoding: 'utf8' }, (type, name) => {
        // For a watched file, `name` is the file's own name: the event is about the path itself.
        const sub = isDir && name ? name : '';
        this.chain = this.chain.then(() => this.classify(type, resolved.real, base, sub));
      });
    } catch (error) {
      throw fromFsError(error, resolved.path);
    }
    this.watcher.on('error', (error) => this.fail(fsError('io', `watching ${JSON.stringify(resolved.path)} failed: ${error.message}`, { path: resolved.path })));
    this.watcher.on('close', () => this.close());
  }

  private async classify(type: string, real: string, base: string, sub: string): Promise<void> {
    if (this.closed || sub.split('/').some(isReservedName)) return;
    const path = [base, sub].filter(Boolean).join('/');
    let kind: ChangeEvent['kind'] = 'changed';
    if (type === 'rename') kind = (await lstat(join(real, sub)).then(() => true, () => false)) ? 'created' : 'removed';
    this.push({ path, kind });
  }

  private push(event: ChangeEvent): void {
    if (this.closed) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      return resolve({ value: event, done: false });
    }
    const last = this.queue[this.queue.length - 1];
    if (last?.path === event.path && last.kind === event.kind) return; // the same news twice
    if (this.queue.length < MAX_QUEUED_EVENTS) this.queue.push(event);
    else if (last?.kind !== 'overflow') this.queue.push({ path: this.base, kind: 'overflow' });
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    const waiter = this.waiter;
    this.waiter = undefined;
    if (!waiter) return;
    if (this.failure) waiter.reject(this.failure);
    else waiter.resolve({ value: undefined, done: true });
  }
}

/** `watch`: a stream of {@link ChangeEvent}s under `path`, recursive by default for folders. */
export function watch(ctx: FsContext, args: { path: string; recursive?: boolean }): AsyncIterableIterator<ChangeEvent> {
  return new WatchStream(ctx, args.path, args.recursive ?? true);
}
