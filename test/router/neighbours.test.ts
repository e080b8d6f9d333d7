import { Neighbours } from '../../src/router/neighbours.js';
import { rttLinkCost } from '../../src/router/metric.js';
import { memoryLinkPair } from '../../src/transport/memory.js';

describe('Neighbours', () => {
  it('groups links by neighbour and picks the cheapest open one', () => {
    const neighbours = new Neighbours(rttLinkCost);
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

  it('clamps what a cost function returns', () => {
    const neighbours = new Neighbours(() => -3);
    const [link] = memoryLinkPair('me', 'b');
    neighbours.add(link);
    expect(neighbours.cost('b')).toBe(1);
  });
});
