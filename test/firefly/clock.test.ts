// The one clock: a manual clock fires timers in due order as it is moved, and lets the work
// they start set later timers that still fire within the same move.
import { ManualClock, systemClock, systemWallClock } from '../../src/index.js';

describe('ManualClock', () => {
  it('fires timers in order of due time, then of creation, each at its own time', async () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    await clock.advance(15);
    expect(fired).toEqual(['a@1010']);
    expect(clock.now()).toBe(1015);
    await clock.advance(5);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.pending).toBe(0);
  });

  it('fires timers set by promise callbacks of earlier timers within the same advance', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.now()), 30));
    }, 10);
    await clock.advance(100);
    expect(fired).toEqual([40]);
  });

  it('repeats intervals until cleared, and ignores cleared timers', async () => {
    const clock = new ManualClock();
    const ticks: number[] = [];
    const interval = clock.setInterval(() => ticks.push(clock.now()), 25);
    const never = clock.setTimeout(() => ticks.push(-1), 50);
    clock.clearTimeout(never);
    clock.clearTimeout(undefined);
    await clock.advance(100);
    expect(ticks).toEqual([25, 50, 75, 100]);
    clock.clearTimeout(interval);
    await clock.advance(100);
    expect(ticks).toHaveLength(4);
  });

  it('moves to the next timer on request and says when none waits', async () => {
    const clock = new ManualClock();
    let fired = false;
    clock.setTimeout(() => (fired = true), 5000);
    expect(clock.nextDue).toBe(5000);
    await expect(clock.advanceToNext()).resolves.toBe(true);
    expect(fired).toBe(true);
    expect(clock.now()).toBe(5000);
    await expect(clock.advanceToNext()).resolves.toBe(false);
  });

  it('refuses to move backwards', async () => {
    await expect(new ManualClock().advance(-1)).rejects.toThrow(RangeError);
  });
});

describe('system clocks', () => {
  it('read monotonic time and dates, and run real timers', async () => {
    const before = systemClock.now();
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(4);
    expect(Math.abs(systemWallClock.now() - Date.now())).toBeLessThan(1000);
    const interval = systemClock.setInterval(() => undefined, 1000);
    systemClock.clearTimeout(interval);
  });
});
