// The queue that serialises a supervisor's changes to its children.
import { describe, expect, it } from '@jest/globals';
import { GlowError } from '../../src/index.js';
import { OperationQueue } from '../../src/supervision/operationQueue.js';

describe('OperationQueue', () => {
  it('runs operations one at a time, in the order they were queued', async () => {
    const queue = new OperationQueue();
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const first = queue.run(async () => {
      log.push('first begins');
      await gate;
      log.push('first ends');
      return 1;
    });
    const second = queue.run(() => (log.push('second'), 2));
    await Promise.resolve();
    expect(log).toEqual(['first begins']);

    open();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first begins', 'first ends', 'second']);
  });

  it('goes on after an operation that fails, which fails its own caller only', async () => {
    const queue = new OperationQueue();
    const failed = queue.run(() => {
      throw new GlowError('badarg', 'no such child');
    });
    const next = queue.run(() => 'ran');
    await expect(failed).rejects.toMatchObject({ code: 'badarg' });
    expect(await next).toBe('ran');
  });

  it('once closed, refuses what is queued and what comes later, and lets the running one finish', async () => {
    const queue = new OperationQueue();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const running = queue.run(async () => (await gate, 'finished'));
    const queued = queue.run(() => 'ran');
    await Promise.resolve();

    queue.close(new GlowError('noproc', 'ending'));
    const later = queue.run(() => 'ran');
    open();

    expect(await running).toBe('finished');
    await expect(queued).rejects.toMatchObject({ code: 'noproc', message: 'ending' });
    await expect(later).rejects.toMatchObject({ code: 'noproc' });
    expect(queue.closed).toBe(true);
  });
});
