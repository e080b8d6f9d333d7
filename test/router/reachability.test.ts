import { ManualClock } from '../../src/firefly/clock.js';
import type { Packet } from '../../src/firefly/packet.js';
import { Reachability, type ReachabilityEvent } from '../../src/router/reachability.js';
import { packet } from './helpers.js';

function make(grace: number, maxHeld = 2) {
  const clock = new ManualClock();
  const expired: { node: string; held: Packet[] }[] = [];
  const events: ReachabilityEvent[] = [];
  const reachability = new Reachability(clock, grace, maxHeld, (node, held) => expired.push({ node, held }), (event) => events.push(event));
  return { reachability, expired, events, clock };
}

describe('Reachability', () => {
  it('reports a node up once, however often its route is found', () => {
    const { reachability, events } = make(10);
    reachability.found('n');
    reachability.found('n');
    expect(events).toEqual([{ node: 'n', reachable: true }]);
    reachability.close();
  });

  it('gives up on a node after the grace, not before, handing over what it held', async () => {
    const { reachability, expired, events, clock } = make(10);
    reachability.found('n');
    reachability.lose('n');
    expect(reachability.hold('n', packet('a', 'n', { corr: 1 }))).toBe(true);
    expect(reachability.held).toBe(1);
    await clock.advance(9);
    expect(expired).toEqual([]);
    expect(reachability.isReachable('n')).toBe(true);
    await clock.advance(1);
    expect(expired).toHaveLength(1);
    expect(expired[0]!.held.map((p) => p.corr)).toEqual([1]);
    expect(events.at(-1)).toEqual({ node: 'n', reachable: false });
    expect(reachability.isReachable('n')).toBe(false);
  });

  it('keeps a node that finds a route within the grace, returning its held packets in order', async () => {
    const { reachability, expired, events, clock } = make(1000);
    reachability.found('n');
    reachability.lose('n');
    reachability.hold('n', packet('a', 'n', { corr: 1 }));
    reachability.hold('n', packet('a', 'n', { corr: 2 }));
    expect(reachability.hold('n', packet('a', 'n', { corr: 3 }))).toBe(false);
    expect(reachability.found('n').map((p) => p.corr)).toEqual([1, 2]);
    expect(reachability.inGrace('n')).toBe(false);
    await clock.advance(2000);
    expect(expired).toEqual([]);
    expect(events).toHaveLength(1);
    reachability.close();
  });

  it('holds nothing for a node that never had a route', () => {
    const { reachability } = make(10);
    reachability.lose('never');
    expect(reachability.hold('never', packet('a', 'never'))).toBe(false);
  });

  it('ends every grace when closed, returning what it held', () => {
    const { reachability, expired } = make(1000);
    reachability.found('n');
    reachability.found('m');
    reachability.lose('n');
    reachability.hold('n', packet('a', 'n'));
    const closed = reachability.close();
    expect(closed.nodes.sort()).toEqual(['m', 'n']);
    expect(closed.held).toHaveLength(1);
    expect(expired).toEqual([]);
  });
});
