import { INFINITY } from '../../src/router/metric.js';
import { isFeasible, RouteTable } from '../../src/router/table.js';

const cost = (costs: Record<string, number>) => (node: string) => costs[node];

describe('the feasibility condition', () => {
  const fd = { seqno: 10, metric: 100 };

  it('accepts a newer seqno whatever its metric', () => {
    expect(isFeasible(fd, 11, 5000)).toBe(true);
  });

  it('accepts the same seqno only with a strictly smaller metric', () => {
    expect(isFeasible(fd, 10, 99)).toBe(true);
    expect(isFeasible(fd, 10, 100)).toBe(false);
    expect(isFeasible(fd, 10, 101)).toBe(false);
  });

  it('refuses an older seqno even with a smaller metric', () => {
    expect(isFeasible(fd, 9, 1)).toBe(false);
  });

  it('always accepts a retraction and anything when there is no distance yet', () => {
    expect(isFeasible(fd, 0, INFINITY)).toBe(true);
    expect(isFeasible(undefined, 0, 12345)).toBe(true);
  });
});

describe('RouteTable', () => {
  it('selects the feasible route of least metric and records the feasibility distance', () => {
    const table = new RouteTable(10, 32);
    table.update('D', 'n1', 5, 100, 2, 0);
    const destination = table.update('D', 'n2', 5, 50, 1, 0);
    if (!destination || destination === 'full') throw new Error('not stored');
    table.select(destination, cost({ n1: 10, n2: 100 }));
    expect(destination.selected).toEqual({ neighbour: 'n1', seqno: 5, metric: 110, hops: 3 });
    expect(destination.fd).toEqual({ seqno: 5, metric: 110 });
  });

  it('does not select a route that is not feasible, until a newer seqno makes it so', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'n1', 5, 100, 2, 0) as Exclude<ReturnType<RouteTable['update']>, 'full' | undefined>;
    table.select(destination, cost({ n1: 10, n2: 10 }));
    // n2 advertises the same seqno with a metric above our distance (110): it may route through us.
    table.update('D', 'n2', 5, 120, 2, 0);
    table.update('D', 'n1', 5, 200, 2, 0);
    table.select(destination, cost({ n1: 10, n2: 10 }));
    expect(destination.selected).toBeUndefined();
    expect(table.bestOther(destination, 'x')?.neighbour).toBe('n2');
    table.update('D', 'n2', 6, 120, 2, 0);
    table.select(destination, cost({ n1: 10, n2: 10 }));
    expect(destination.selected).toMatchObject({ neighbour: 'n2', seqno: 6, metric: 130 });
  });

  it('keeps the current route on a tie, whatever the arrival order', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'b', 1, 10, 1, 0) as Exclude<ReturnType<RouteTable['update']>, 'full' | undefined>;
    table.select(destination, cost({ a: 10, b: 10 }));
    table.update('D', 'a', 1, 9, 1, 0);
    table.select(destination, cost({ a: 11, b: 10 }));
    expect(destination.selected?.neighbour).toBe('b');
  });

  it('skips routes through a neighbour with no open link', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'gone', 1, 10, 1, 0) as Exclude<ReturnType<RouteTable['update']>, 'full' | undefined>;
    table.select(destination, cost({}));
    expect(destination.selected).toBeUndefined();
  });

  it('treats a route longer than the hop limit as a retraction', () => {
    const table = new RouteTable(10, 4);
    table.update('D', 'n', 1, 10, 1, 0);
    const destination = table.update('D', 'n', 1, 10, 4, 0);
    expect(destination !== 'full' && destination?.routes.length).toBe(0);
  });

  it('refuses new destinations when full, and forgets the long gone', () => {
    const table = new RouteTable(2, 32);
    table.update('a', 'n', 1, 1, 1, 0);
    table.update('b', 'n', 1, 1, 1, 0);
    expect(table.update('c', 'n', 1, 1, 1, 0)).toBe('full');
    table.dropNeighbour('n', 100);
    table.forget(50);
    expect(table.size).toBe(2);
    table.forget(101);
    expect(table.size).toBe(0);
  });
});
