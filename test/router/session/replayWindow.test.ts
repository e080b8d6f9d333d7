/**
 * The replay window (src/router/session/replayWindow.ts): each counter is accepted once, in any
 * order within the window; a repeat, or a counter too far behind the highest to tell, is refused.
 */
import { ReplayWindow } from '../../../src/router/session/replayWindow.js';

/** How far behind the highest counter a new one is still accepted (63 words of 32 bits). */
const WINDOW = 63 * 32;

function acceptsAll(window: ReplayWindow, counters: Iterable<number>): boolean[] {
  return [...counters].map((counter) => window.accept(counter));
}

test('counters in order are each accepted once', () => {
  const window = new ReplayWindow();
  expect(acceptsAll(window, Array.from({ length: 10_000 }, (_, i) => i)).every(Boolean)).toBe(true);
  expect(window.accept(9_999)).toBe(false);
  expect(window.accept(10_000)).toBe(true);
});

test('counters out of order within the window are accepted, each once', () => {
  const window = new ReplayWindow();
  expect(window.accept(500)).toBe(true);
  expect(acceptsAll(window, [499, 3, 250, 0, 501, 1])).toEqual([true, true, true, true, true, true]);
  expect(acceptsAll(window, [499, 3, 250, 0, 501, 1, 500])).toEqual([false, false, false, false, false, false, false]);
  // Shuffled: every counter of a block arrives once, in a scrambled order, and is accepted.
  const block = Array.from({ length: 1000 }, (_, i) => 1000 + ((i * 617) % 1000));
  expect(new Set(block).size).toBe(1000);
  expect(acceptsAll(window, block).every(Boolean)).toBe(true);
  expect(acceptsAll(window, block).some(Boolean)).toBe(false);
});

test('a duplicate is refused, however many times it comes', () => {
  const window = new ReplayWindow();
  expect(window.accept(42)).toBe(true);
  for (let i = 0; i < 5; i++) expect(window.accept(42)).toBe(false);
  expect(window.accept(43)).toBe(true);
  expect(window.accept(42)).toBe(false);
});

test('a counter at the edge of the window is accepted, one further behind is refused as too old', () => {
  const window = new ReplayWindow();
  expect(window.accept(5000)).toBe(true);
  expect(window.accept(5000 - WINDOW)).toBe(false);
  expect(window.accept(5000 - WINDOW + 1)).toBe(true);
  expect(window.accept(0)).toBe(false);
});

test('a huge jump slides the window: old counters are refused, recent new ones accepted, no stale bit refuses a new counter', () => {
  const window = new ReplayWindow();
  expect(acceptsAll(window, Array.from({ length: 64 }, (_, i) => i)).every(Boolean)).toBe(true);
  const far = 2 ** 40 + 7;
  expect(window.accept(far)).toBe(true);
  expect(window.accept(63)).toBe(false);
  expect(window.accept(far)).toBe(false);
  // Counters just behind the jump were never seen: the slide cleared the bits they share words with.
  expect(acceptsAll(window, [far - 1, far - 7, far - 40, far - WINDOW + 1]).every(Boolean)).toBe(true);
  // A jump of exactly one bitmap (64 words) lands on the words that held earlier counters.
  const next = far + 64 * 32;
  expect(window.accept(next)).toBe(true);
  expect(window.accept(next - 64 * 32 + 1)).toBe(false);
  expect(acceptsAll(window, [next - 1, next - 32, next - 33]).every(Boolean)).toBe(true);
  // The largest counter a session seals with still works.
  expect(window.accept(Number.MAX_SAFE_INTEGER)).toBe(true);
  expect(window.accept(Number.MAX_SAFE_INTEGER)).toBe(false);
});

test('counters that are not safe non-negative integers are refused and move nothing', () => {
  const window = new ReplayWindow();
  for (const counter of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(window.accept(counter)).toBe(false);
  expect(window.accept(0)).toBe(true);
});
