/**
 * `watch` (src/resources/fs/watch.ts): change events from the OS watcher for changes made
 * directly on disk, hidden entries left out, and the watcher closed as soon as the consumer
 * cancels or the process ends.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangeEvent } from '../../../src/resources/fs/index.js';
import { waitFor } from '../../helpers/waitFor.js';
import { refused, rejection, utf8, useFs, within } from './helpers.js';

const harness = useFs();

/** OS watcher handles open in this process. */
const watchers = () => process.getActiveResourcesInfo().filter((name) => name === 'FSEventWrap').length;

/** Pulls events from `iterator` until one matches; fails after `ms`. Answers every event seen. */
async function until(iterator: AsyncIterator<ChangeEvent>, match: (event: ChangeEvent) => boolean, ms = 5000): Promise<ChangeEvent[]> {
  const seen: ChangeEvent[] = [];
  await within(
    (async () => {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) throw new Error(`the watch ended before a matching event; saw ${JSON.stringify(seen)}`);
        seen.push(value);
        if (match(value)) return;
      }
    })(),
    ms,
    'a matching change event',
  );
  return seen;
}

/** The watcher is set up by the first pull: this starts it and proves it is live. */
async function started(iterator: AsyncIterator<ChangeEvent>, root: string): Promise<void> {
  const first = iterator.next();
  await waitFor(() => watchers() > 0, 2000, 'the OS watcher to open');
  await writeFile(join(root, 'warm-up'), 'x');
  await within(first, 5000, 'a first event');
}

test('reports a file created, changed and removed directly on disk', async () => {
  const { fs, root } = await harness.spawn();
  const iterator = fs.iterate('watch', { path: '' });
  await started(iterator, root);
  await writeFile(join(root, 'new.txt'), 'one');
  await until(iterator, (event) => event.path === 'new.txt' && (event.kind === 'created' || event.kind === 'changed'));
  await rm(join(root, 'new.txt'));
  await until(iterator, (event) => event.path === 'new.txt' && event.kind === 'removed');
  await iterator.return!();
});

test('watches folders recursively, with paths relative to the root', async () => {
  const { fs, root } = await harness.spawn();
  await mkdir(join(root, 'sub/deeper'), { recursive: true });
  const iterator = fs.iterate('watch', { path: 'sub' });
  await started(iterator, join(root, 'sub'));
  await writeFile(join(root, 'sub/deeper/x.txt'), 'x');
  await until(iterator, (event) => event.path === 'sub/deeper/x.txt');
  await iterator.return!();
});

test('watches a single file: its own path changes', async () => {
  const { fs, root } = await harness.spawn();
  await writeFile(join(root, 'f.txt'), 'one');
  const iterator = fs.iterate('watch', { path: 'f.txt' });
  const first = iterator.next();
  await waitFor(() => watchers() > 0, 2000, 'the OS watcher to open');
  await writeFile(join(root, 'f.txt'), 'two');
  expect((await within(first)).value).toEqual({ path: 'f.txt', kind: 'changed' });
  await iterator.return!();
});

test('leaves out temporary files and the version store when writes go through the resource', async () => {
  const { fs, root } = await harness.spawn();
  const iterator = fs.iterate('watch', { path: '' });
  await started(iterator, root);
  await within(fs.call('write', { path: 'a.txt', data: utf8('1') }));
  await within(fs.call('write', { path: 'a.txt', data: utf8('2') }));
  await writeFile(join(root, 'marker'), 'done');
  const seen = await until(iterator, (event) => event.path === 'marker');
  expect(seen.some((event) => event.path === 'a.txt')).toBe(true);
  expect(seen.filter((event) => event.path.split('/').some((name) => name.startsWith('.glow-')))).toEqual([]);
  await iterator.return!();
});

test('closes the OS watcher when the consumer cancels', async () => {
  const before = watchers();
  const { fs, root } = await harness.spawn();
  const iterator = fs.iterate('watch', { path: '' });
  await started(iterator, root);
  expect(watchers()).toBeGreaterThan(before);
  await iterator.return!();
  await waitFor(() => watchers() === before, 2000, 'the OS watcher to close');
});

test('ends the stream and closes the watcher when the process ends', async () => {
  const before = watchers();
  const { fs, root } = await harness.spawn();
  const iterator = fs.iterate('watch', { path: '' });
  await started(iterator, root);
  await within(fs.call('terminate', {}));
  // Events already delivered come first; then the stream ends with the process.
  const drained = (async () => {
    for (;;) if ((await iterator.next()).done) throw new Error('the watch completed instead of failing');
  })();
  expect((await rejection(drained)).code).toBe('noproc');
  await waitFor(() => watchers() === before, 2000, 'the OS watcher to close');
});

test('refuses a missing path with failed/notfound', async () => {
  const { fs } = await harness.spawn();
  await refused(fs.iterate('watch', { path: 'missing' }).next(), 'failed', 'notfound');
});
