/** One timer for many call deadlines (src/actors/deadlines.ts), on a clock the test moves. */
import { DeadlineTimer } from '../../src/actors/deadlines.js';
import { ManualClock } from '../../src/index.js';

/** A timer whose due deadlines come from `pending`, recording when each one ended. */
function harness() {
  const clock = new ManualClock(1000);
  const pending = new Map<string, number>();
  const ended: string[] = [];
  const endedAt: number[] = [];
  const timer = new DeadlineTimer(clock, (now) => {
    let next: number | undefined;
    for (const [name, at] of pending) {
      if (at <= now) {
        pending.delete(name);
        ended.push(name);
        endedAt.push(now);
      } else if (next === undefined || at < next) next = at;
    }
    return next;
  });
  const add = (name: string, inMs: number) => {
    const at = clock.now() + inMs;
    pending.set(name, at);
    timer.add(at);
  };
  return { clock, timer, pending, ended, endedAt, add };
}

test('ends every deadline at its time, in time order, whatever order they were added in', async () => {
  const { clock, add, ended, endedAt } = harness();
  add('late', 60);
  add('early', 10);
  add('middle', 30);
  await clock.advance(59);
  expect(ended).toEqual(['early', 'middle']);
  await clock.advance(1);
  expect(ended).toEqual(['early', 'middle', 'late']);
  expect(endedAt).toEqual([1010, 1030, 1060]);
  expect(clock.pending).toBe(0);
});

test('a deadline whose call already ended is not reported, and the timer goes on for the others', async () => {
  const { clock, add, pending, ended } = harness();
  add('answered', 10);
  add('waiting', 40);
  pending.delete('answered');
  await clock.advance(100);
  expect(ended).toEqual(['waiting']);
});

test('clear stops it: nothing ends afterwards, and no timer is left', async () => {
  const { clock, timer, add, ended } = harness();
  add('never', 10);
  timer.clear();
  await clock.advance(1000);
  expect(ended).toEqual([]);
  expect(clock.pending).toBe(0);
});
