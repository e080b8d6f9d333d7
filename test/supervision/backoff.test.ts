// One backoff formula for supervisors, the job scheduler and the daemon's reconnects.
import { backoffDelay, withJitter } from '../../src/index.js';

describe('backoffDelay', () => {
  it('grows by the factor from the initial wait and stops at the maximum', () => {
    const spec = { initial: 100, max: 1000, factor: 3 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(spec, n))).toEqual([100, 300, 900, 1000, 1000]);
  });

  it('doubles by default and treats attempt 0 like the first', () => {
    expect(backoffDelay({ initial: 50, max: 10_000 }, 0)).toBe(50);
    expect(backoffDelay({ initial: 50, max: 10_000 }, 4)).toBe(400);
  });
});

describe('withJitter', () => {
  it('draws from the upper half of the delay', () => {
    expect(withJitter(1000, () => 0)).toBe(500);
    expect(withJitter(1000, () => 0.999)).toBeCloseTo(999.5);
  });
});
