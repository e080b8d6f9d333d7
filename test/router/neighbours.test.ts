import { ManualClock } from '../../src/firefly/clock.js';
import { Neighbours } from '../../src/router/neighbours.js';
import { rttLinkCost } from '../../src/router/metric.js';
import { memoryLinkPair } from '../../src/transport/memory.js';

describe('Neighbours', () => {
  it('groups links by neighbour and picks the cheapest open one', () => {
    const neighbours = new Neighbours(rttLinkCost, new ManualClock());
    const [slow] = memoryLinkPair('me', 'b', { rtt: 5 });
    const [fast, , fastControls] = memoryLinkPair('me', 'b', { rtt: 1 });
    expect(neighbours.add(slow)).toBe(true);
    expect(neighbours.add(fast)).toBe(false);
    expect(neighbours.link('b')).toBe(fast);
    fastControls.cut();
    expect(neighbours.link('b')).toBe(slow);
    expect(neighbours.remove(fast)).toBe(false);
    expect(neighbours.remove(slow)).toBe(true);
    expect(neighbours.has('b')).toBe(false);
  });

  it('lets a link added to a neighbour already linked carry everything for a while, whatever the costs', async () => {
    const clock = new ManualClock();
    const neighbours = new Neighbours(rttLinkCost, clock);
    const [old] = memoryLinkPair('me', 'b', { rtt: 1 });
    const [redialled, , redialledControls] = memoryLinkPair('me', 'b', { rtt: 50 });
    neighbours.add(old);
    neighbours.add(redialled, 300);
    expect(neighbours.link('b')).toBe(redialled);
    await clock.advance(299);
    expect(neighbours.link('b')).toBe(redialled);
    await clock.advance(1);
    // The older link proved itself meanwhile (it did not close): the cheaper one carries again.
    expect(neighbours.link('b')).toBe(old);
    // A preferred link that closes hands back at once.
    const [again, , againControls] = memoryLinkPair('me', 'b', { rtt: 50 });
    neighbours.add(again, 300);
    againControls.cut();
    expect(neighbours.link('b')).toBe(old);
    redialledControls.cut();
  });

  it('clamps what a cost function returns', () => {
    const neighbours = new Neighbours(() => -3, new ManualClock());
    const [link] = memoryLinkPair('me', 'b');
    neighbours.add(link);
    expect(neighbours.cost('b')).toBe(1);
  });
});
