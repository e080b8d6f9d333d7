// RestartIntensity: OTP's sliding window of restarts over an injected monotonic clock.
import { describe, expect, it } from '@jest/globals';
import { RestartIntensity } from '../../src/index.js';
import { manualClock } from './fixtures.js';

describe('RestartIntensity', () => {
  it('allows up to intensity restarts within the period and refuses the next one', async () => {
    const clock = manualClock();
    const window = new RestartIntensity(3, 1000, clock);
    expect([window.record(), window.record(), window.record()]).toEqual([true, true, true]);
    await clock.advance(999);
    expect(window.record()).toBe(false);
  });

  it('refuses the first restart when the intensity is 0', async () => {
    expect(new RestartIntensity(0, 1000, manualClock()).record()).toBe(false);
  });

  it('forgets restarts older than the period', async () => {
    const clock = manualClock();
    const window = new RestartIntensity(2, 1000, clock);
    window.record();
    window.record();
    await clock.advance(1001);
    expect(window.recent).toBe(0);
    expect(window.record()).toBe(true);
    expect(window.record()).toBe(true);
    expect(window.record()).toBe(false);
  });

  it('still counts a restart exactly one period old (OTP: now - then =< period)', async () => {
    const clock = manualClock();
    const window = new RestartIntensity(1, 1000, clock);
    window.record();
    await clock.advance(1000);
    expect(window.record()).toBe(false);
    await clock.advance(1);
    // The first restart has left the window; the refused one is still in it.
    expect(window.recent).toBe(1);
  });

  it('slides: restarts spread beyond the period never exceed it, the same number within it does', async () => {
    const spread = manualClock();
    const slow = new RestartIntensity(2, 1000, spread);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(slow.record());
      await spread.advance(600);
    }
    expect(outcomes.every(Boolean)).toBe(true);

    const bunched = manualClock();
    const fast = new RestartIntensity(2, 1000, bunched);
    const fastOutcomes: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      fastOutcomes.push(fast.record());
      await bunched.advance(400);
    }
    expect(fastOutcomes).toEqual([true, true, false]);
  });

  it('counts recent restarts on the clock, without recording one', async () => {
    const clock = manualClock(5000);
    const window = new RestartIntensity(5, 100, clock);
    expect(window.recent).toBe(0);
    window.record();
    await clock.advance(50);
    window.record();
    expect(window.recent).toBe(2);
    expect(window.recent).toBe(2);
    await clock.advance(51);
    expect(window.recent).toBe(1);
  });

  it('keeps its settings readable', async () => {
    const window = new RestartIntensity(4, 3600, manualClock());
    expect([window.intensity, window.period]).toEqual([4, 3600]);
  });
});
