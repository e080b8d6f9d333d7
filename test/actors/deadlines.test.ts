/** One timer for many call deadlines (src/actors/deadlines.ts). */
import { DeadlineTimer } from '../../src/actors/deadlines.js';
import { within } from '../helpers/waitFor.js';

/** A timer whose due deadlines come from `pending`, recording when each one ended. */
function harness() {
  const pending = new Map<string, number>();
  const ended: string[] = [];
  let wake: (() => void) | undefined;
  const timer = new DeadlineTimer((now) => {
    let next: number | undefined;
    for (const [name, at] of pending) {
      if (at <= now) {
        pending.delete(name);
        ended.push(name);
      } else if (next === undefined || at < next) next = at;
    }
    wake?.();
    return next;
  });
  const add = (name: string, inMs: number) => {
    const at = DeadlineTimer.now() + inMs;
    pending.set(name, at);
    timer.add(at);
  };
  const until = (count: number) =>
    within(
      new Promise<void>((resolve) => {
        const check = () => (ended.length >= count ? resolve() : undefined);
        wake = check;
        check();
      }),
      2000,
      () => `only ${ended.join(', ')} ended`,
    );
  return { timer, pending, ended, add, until };
}

test('ends every deadline in time order, whatever order they were added in', async () => {
  const { add, ended, until } = harness();
  add('late', 60);
  add('early', 10);
  add('middle', 30);
  const started = DeadlineTimer.now();
  await until(3);
  expect(ended).toEqual(['early', 'middle', 'late']);
  expect(DeadlineTimer.now() - started).toBeGreaterThanOrEqual(59);
});

test('a deadline whose call already ended is not reported, and the timer goes on for the others', async () => {
  const { add, pending, ended, until } = harness();
  add('answered', 10);
  add('waiting', 40);
  pending.delete('answered');
  await until(1);
  expect(ended).toEqual(['waiting']);
});

test('clear stops it: nothing ends afterwards', async () => {
  const { timer, add, ended } = harness();
  add('never', 10);
  timer.clear();
  await new Promise((resolve) => setTimeout(resolve, 40));
  expect(ended).toEqual([]);
});
