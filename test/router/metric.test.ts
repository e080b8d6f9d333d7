import type { Link } from '../../src/transport/link.js';
import { addMetric, clampCost, HOP_COST, INFINITY, MAX_LINK_COST, rttLinkCost, significantChange, UNMEASURED_RTT } from '../../src/router/metric.js';

const link = (rtt: number | undefined) => ({ rtt }) as Link;

describe('metrics', () => {
  it('cost a link one hop plus its RTT in tenths of a millisecond', () => {
    expect(rttLinkCost(link(1))).toBe(HOP_COST + 10);
    expect(rttLinkCost(link(0.25))).toBe(HOP_COST + 3);
    expect(rttLinkCost(link(undefined))).toBe(HOP_COST + UNMEASURED_RTT * 10);
  });

  it('clamp any cost into 1…MAX_LINK_COST, so a route is always longer than its next hop\'s', () => {
    expect(clampCost(0)).toBe(1);
    expect(clampCost(-5)).toBe(1);
    expect(clampCost(NaN)).toBe(MAX_LINK_COST);
    expect(clampCost(Infinity)).toBe(MAX_LINK_COST);
    expect(clampCost(1e9)).toBe(MAX_LINK_COST);
  });

  it('saturate at infinity', () => {
    expect(addMetric(INFINITY - 1, 5)).toBe(INFINITY);
  });

  it('call a change significant past one eighth, or to or from infinity', () => {
    expect(significantChange(100, 110)).toBe(false);
    expect(significantChange(100, 120)).toBe(true);
    expect(significantChange(100, INFINITY)).toBe(true);
    expect(significantChange(100, 100)).toBe(false);
  });
});
