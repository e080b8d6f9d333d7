import { INFINITY } from '../../src/router/metric.js';
import { isFeasible, RouteTable, type Destination } from '../../src/router/table.js';

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
    if (!destination) throw new Error('not stored');
    table.select(destination, cost({ n1: 10, n2: 100 }));
    expect(destination.selected).toEqual({ neighbour: 'n1', seqno: 5, metric: 110, hops: 3 });
    expect(destination.fd).toEqual({ seqno: 5, metric: 110 });
  });

  it('does not select a route that is not feasible, until a newer seqno makes it so', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'n1', 5, 100, 2, 0) as Destination;
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
    const destination = table.update('D', 'b', 1, 10, 1, 0) as Destination;
    table.select(destination, cost({ a: 10, b: 10 }));
    table.update('D', 'a', 1, 9, 1, 0);
    table.select(destination, cost({ a: 11, b: 10 }));
    expect(destination.selected?.neighbour).toBe('b');
  });

  it('skips routes through a neighbour with no open link', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'gone', 1, 10, 1, 0) as Destination;
    table.select(destination, cost({}));
    expect(destination.selected).toBeUndefined();
  });

  it('treats a route longer than the hop limit as a retraction', () => {
    const table = new RouteTable(10, 4);
    table.update('D', 'n', 1, 10, 1, 0);
    const destination = table.update('D', 'n', 1, 10, 4, 0);
    expect(destination?.routes.length).toBe(0);
  });

  it('forgets destinations that have had no route for long', () => {
    const table = new RouteTable(2, 32);
    table.update('a', 'n', 1, 1, 1, 0);
    table.update('b', 'n', 1, 1, 1, 0);
    table.dropNeighbour('n', 100);
    table.forget(50);
    expect(table.size).toBe(2);
    table.forget(101);
    expect(table.size).toBe(0);
  });

  it('counts the routes each neighbour offers', () => {
    const table = new RouteTable(10, 32);
    table.update('a', 'n', 1, 1, 1, 0);
    table.update('b', 'n', 1, 1, 1, 0);
    table.update('b', 'm', 1, 1, 1, 0);
    table.update('b', 'n', 1, 2, 1, 0);
    expect([table.offered('n'), table.offered('m')]).toEqual([2, 1]);
    table.update('a', 'n', 1, INFINITY, 0, 0);
    expect(table.offered('n')).toBe(1);
    table.dropNeighbour('n', 0);
    expect([table.offered('n'), table.offered('m')]).toEqual([0, 1]);
  });

  it('never selects a route whose proof was left unchecked', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'n', 1, 10, 1, 0, undefined, false) as Destination;
    table.select(destination, cost({ n: 10 }));
    expect(destination.selected).toBeUndefined();
  });

  it('takes the route through an avoided neighbour only when there is no other', () => {
    const table = new RouteTable(10, 32);
    const destination = table.update('D', 'near', 1, 10, 1, 0) as Destination;
    table.update('D', 'far', 1, 15, 3, 0);
    table.select(destination, cost({ near: 10, far: 10 }));
    expect(destination.selected?.neighbour).toBe('near');
    table.select(destination, cost({ near: 10, far: 10 }), 'near');
    expect(destination.selected?.neighbour).toBe('far');
    table.update('D', 'far', 1, INFINITY, 0, 0);
    table.select(destination, cost({ near: 10, far: 10 }), 'near');
    expect(destination.selected?.neighbour).toBe('near');
  });
});

describe('RouteTable when full', () => {
  /** A table of `max` destinations, each selected, that reports what it evicts. */
  function full(max: number) {
    const evicted: string[] = [];
    const table = new RouteTable(max, 32, (destination) => evicted.push(destination.id));
    const add = (id: string, neighbour: string, metric: number) => {
      const destination = table.update(id, neighbour, 1, metric, 1, 0);
      if (destination) table.select(destination, () => 10);
      return destination;
    };
    return { table, evicted, add };
  }

  it('takes every new destination, evicting one that has no route first', () => {
    const { table, evicted, add } = full(3);
    add('a', 'n', 10);
    add('b', 'n', 10);
    add('c', 'm', 10);
    table.select(table.update('c', 'm', 1, INFINITY, 0, 5)!, () => 10);
    expect(add('d', 'm', 10)).toBeDefined();
    expect(evicted).toEqual(['c']);
    expect(table.size).toBe(3);
  });

  it('then the costliest of the routes through the neighbour that offers the most', () => {
    const { table, evicted, add } = full(5);
    add('n', 'n', 0);
    add('x1', 'n', 30);
    add('x2', 'n', 20);
    add('x3', 'n', 5);
    add('far', 'm', 900);
    add('new', 'm', 10);
    add('newer', 'm', 10);
    expect(evicted).toEqual(['x1', 'x2']);
    expect(table.get('far')?.selected).toBeDefined();
    expect(table.get('n')?.selected).toBeDefined();
    expect(table.offered('n')).toBe(2);
  });
});
