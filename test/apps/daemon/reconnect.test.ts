import { Backoff, keepConnected, type Connection } from '../../../apps/daemon/reconnect.js';
import { ManualClock } from '../../../src/index.js';

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
  /** A target that refuses the first `refusals` attempts, recording when each attempt came. */
  function target(clock: ManualClock, refusals: number) {
    const attempts: number[] = [];
    const connections: { end: () => void; closed: boolean }[] = [];
    const connect = async (): Promise<Connection> => {
      attempts.push(clock.now());
      if (attempts.length <= refusals) throw new Error('refused');
      let end!: () => void;
      const closed = new Promise<void>((resolve) => (end = resolve));
      const entry = { end, closed: false };
      connections.push(entry);
      return { closed, close: () => ((entry.closed = true), end()) };
    };
    return { attempts, connections, connect };
  }

  test('retries failures after growing waits, then reconnects soon after a connection ends, until stopped', async () => {
    const clock = new ManualClock();
    const { attempts, connections, connect } = target(clock, 3);
    const failures: [number, number][] = [];
    const loop = keepConnected({ clock, initial: 100, max: 400, random: () => 0, connect, onFailure: (_error, count, retryIn) => failures.push([count, retryIn]) });
    await clock.advance(1000);
    // Waits of 50, 100 and 200 ms (the lower edge of each step, with this random source).
    expect(attempts).toEqual([0, 50, 150, 350]);
    expect(failures).toEqual([[1, 50], [2, 100], [3, 200]]);
    expect(connections).toHaveLength(1);
    connections[0]!.end();
    await clock.advance(49);
    expect(connections).toHaveLength(1);
    await clock.advance(1);
    expect(connections).toHaveLength(2);
    loop.stop();
    expect(connections[1]!.closed).toBe(true);
    await clock.advance(10_000);
    expect(attempts).toHaveLength(5);
  });

  test('a connection that had lasted a while is redialled at once when it ends (a network change), a short one after the backoff', async () => {
    const clock = new ManualClock();
    const { attempts, connections, connect } = target(clock, 0);
    const loop = keepConnected({ clock, initial: 1000, max: 60_000, random: () => 0, connect });
    await clock.advance(0);
    expect(attempts).toEqual([0]);
    await clock.advance(20_000);
    connections[0]!.end();
    await clock.advance(50);
    expect(attempts).toEqual([0, 20_050]);
    // This one ends after a second: the peer may be restarting, so the usual wait applies.
    await clock.advance(1000);
    connections[1]!.end();
    await clock.advance(499);
    expect(attempts).toHaveLength(2);
    await clock.advance(1);
    expect(attempts).toEqual([0, 20_050, 21_550]);
    loop.stop();
  });

  test('a kick retries at once and starts the backoff over', async () => {
    const clock = new ManualClock();
    const { attempts, connect } = target(clock, 10);
    const loop = keepConnected({ clock, initial: 1000, max: 60_000, random: () => 0, connect });
    await clock.advance(2000);
    expect(attempts).toEqual([0, 500, 1500]);
    loop.kick();
    await clock.advance(0);
    expect(attempts).toEqual([0, 500, 1500, 2000]);
    await clock.advance(500);
    expect(attempts).toEqual([0, 500, 1500, 2000, 2500]);
    loop.stop();
  });

  test('skips attempts while not wanted, without failures, looking again every recheck', async () => {
    const clock = new ManualClock();
    let wanted = false;
    const checks: number[] = [];
    let attempts = 0;
    const loop = keepConnected({
      clock,
      recheck: 2000,
      wanted: () => (checks.push(clock.now()), wanted),
      connect: async () => {
        attempts++;
        return { closed: new Promise(() => undefined), close: () => undefined };
      },
    });
    await clock.advance(4000);
    expect(checks).toEqual([0, 2000, 4000]);
    expect(attempts).toBe(0);
    wanted = true;
    await clock.advance(2000);
    expect(attempts).toBe(1);
    loop.stop();
  });

  test('a `wanted` check that throws is a failed attempt, and the loop goes on', async () => {
    const clock = new ManualClock();
    const { attempts, connections, connect } = target(clock, 0);
    let broken = true;
    const failures: unknown[] = [];
    const loop = keepConnected({
      clock,
      initial: 100,
      random: () => 0,
      connect,
      wanted: () => {
        if (broken) throw new Error('wanted broke');
        return true;
      },
      onFailure: (error) => failures.push(error),
    });
    await clock.advance(0);
    expect(failures).toEqual([new Error('wanted broke')]);
    expect(attempts).toEqual([]);
    broken = false;
    await clock.advance(50);
    expect(connections).toHaveLength(1);
    loop.stop();
  });
});
