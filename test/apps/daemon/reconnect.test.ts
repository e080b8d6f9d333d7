import { Backoff, keepConnected, type Connection } from '../../../apps/daemon/reconnect.js';
import { waitFor } from '../../helpers/waitFor.js';

describe('Backoff', () => {
  test('grows exponentially to its cap, each delay in the upper half of its step', () => {
    const low = new Backoff({ initial: 100, max: 1000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initial: 100, max: 1000, random: () => 0.999999 });
    expect(Math.round(high.next())).toBe(100);
    high.reset();
    expect(Math.round(high.next())).toBe(100);
  });
});

describe('keepConnected', () => {
  test('retries failures with backoff, then reconnects after a connection ends, until stopped', async () => {
    let attempts = 0;
    const connections: { end: () => void; closed: boolean }[] = [];
    const failures: number[] = [];
    const loop = keepConnected({
      initial: 5,
      max: 20,
      connect: async (): Promise<Connection> => {
        if (++attempts <= 3) throw new Error('refused');
        let end!: () => void;
        const closed = new Promise<void>((resolve) => (end = resolve));
        const entry = { end, closed: false };
        connections.push(entry);
        return { closed, close: () => ((entry.closed = true), end()) };
      },
      onFailure: (_error, count) => failures.push(count),
    });
    await waitFor(() => connections.length === 1, 2000);
    expect(failures).toEqual([1, 2, 3]);
    connections[0]!.end();
    await waitFor(() => connections.length === 2, 2000);
    loop.stop();
    expect(connections[1]!.closed).toBe(true);
    expect(attempts).toBe(5);
  });

  test('skips attempts while not wanted, without failures', async () => {
    let wanted = false;
    let checks = 0;
    let attempts = 0;
    const loop = keepConnected({
      recheck: 5,
      wanted: () => (checks++, wanted),
      connect: async () => {
        attempts++;
        return { closed: new Promise(() => undefined), close: () => undefined };
      },
    });
    await waitFor(() => checks >= 3, 1000);
    expect(attempts).toBe(0);
    wanted = true;
    await waitFor(() => attempts === 1, 1000);
    loop.stop();
  });
});
