// Restart backoff on the node's clock, scheduled rather than awaited: the supervisor answers
// reads at once and takes control calls while a restart waits (issue 11: `which_children`
// took 2954 ms during a 3 s backoff, and a backoff over 5 s made control calls time out).
import { afterEach, describe, expect, it } from '@jest/globals';
import { within } from '../helpers/waitFor.js';
import { BOOM, childIds, childRef, crash, handled, manualClock, nodes, settled, supervise, whichChildren, worker, type SupervisorRef, codeOf } from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

/** Status and whether it has a ref, per child id. */
async function statuses(sup: SupervisorRef): Promise<Record<string, string>> {
  const children = await whichChildren(sup);
  return Object.fromEntries(children.map((child) => [child.id, `${child.status}${child.ref ? ' (ref)' : ''}`]));
}

describe('backoff on the node clock', () => {
  it('waits the initial backoff before a restart, showing the child restarting meanwhile', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 50, max: 200 }, children: [worker('a')] });
    const old = (await childIds(sup)).a!;

    await crash(await childRef(sup, 'a'));
    expect(await statuses(sup)).toEqual({ a: 'restarting' });
    await clock.advance(49);
    expect(await statuses(sup)).toEqual({ a: 'restarting' });

    await clock.advance(1);
    const [a] = await settled(sup);
    expect(a).toMatchObject({ status: 'running', ref: expect.any(String) });
    expect(a!.ref).not.toBe(old);
  });

  it('grows the wait with the restarts in the window, up to max', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    // Waits: 20, then 20·10 = 200 capped to 60, then 60.
    const sup = await supervise(node, { intensity: 5, period: 10_000, backoff: { initial: 20, max: 60, factor: 10 }, children: [worker('a')] });
    const waited: number[] = [];
    for (let i = 0; i < 3; i++) {
      await crash(await childRef(sup, 'a'));
      const crashedAt = clock.now();
      while ((await statuses(sup)).a !== 'running (ref)') await clock.advance(1);
      waited.push(clock.now() - crashedAt);
    }
    expect(waited).toEqual([20, 60, 60]);
  });

  it('restarts at once without a backoff, setting no timer', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { children: [worker('a')] });
    const old = (await childIds(sup)).a!;

    node.exit(node.ref(old), BOOM);
    const [a] = await settled(sup);

    expect(a!.ref).not.toBe(old);
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('restarts a one_for_all group once after one backoff, in start order', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, {
      strategy: 'one_for_all',
      intensity: 3,
      backoff: { initial: 1000, max: 1000 },
      children: ['a', 'b', 'c'].map((id) => worker(id, { log, onShutdown: 'cooperate' })),
    });
    log.length = 0;

    await crash(await childRef(sup, 'b'));
    await handled(sup);
    expect(await statuses(sup)).toEqual({ a: 'restarting', b: 'restarting', c: 'restarting' });
    expect(log).toEqual(['exit:c:shutdown', 'exit:a:shutdown']);

    await clock.advance(1000);
    expect((await settled(sup)).map((child) => child.status)).toEqual(['running', 'running', 'running']);
    expect(log).toEqual(['exit:c:shutdown', 'exit:a:shutdown', 'start:a', 'start:b', 'start:c']);
  });
});

describe('a supervisor waiting for a backoff', () => {
  it('answers which_children at once during a 60 s backoff, and shows the child restarting', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 60_000, max: 60_000 }, children: [worker('a'), worker('b')] });
    await crash(await childRef(sup, 'a'));

    const asked = performance.now();
    const children = await whichChildren(sup);
    const latency = performance.now() - asked;

    expect(children.map(({ id, ref, status }) => ({ id, ref, status }))).toEqual([
      { id: 'a', ref: null, status: 'restarting' },
      { id: 'b', ref: expect.any(String), status: 'running' },
    ]);
    expect(latency).toBeLessThan(50);
    expect(await sup.call('count_children', {})).toEqual({ specs: 2, active: 1, supervisors: 0, workers: 2 });
    expect(clock.pending).toBe(1); // the backoff, on the node's clock
  });

  it('takes control calls during a real backoff longer than the call timeout', async () => {
    // Real time here: the restart waits a minute of it, and every call must answer well within
    // its one-second timeout meanwhile.
    const node = fleet.make({ callTimeout: 1000 });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 60_000, max: 60_000 }, children: [worker('a'), worker('b')] });
    await crash(await childRef(sup, 'a'));

    const { ref } = await within(sup.call('start_child', worker('c')));
    expect(ref).not.toBeNull();
    expect(await within(sup.call('terminate_child', { id: 'b' }))).toEqual({ terminated: true });
    expect(await within(sup.call('restart_child', { id: 'b' }))).toEqual({ ref: expect.any(String) });
    expect(await within(sup.call('info', {}))).toMatchObject({ kind: 'supervisor' });
    expect(await statuses(sup)).toEqual({ a: 'restarting', b: 'running (ref)', c: 'running (ref)' });
    // Ending the supervisor cancels the minute-long wait: no timer outlives the test.
    expect(await within(sup.call('terminate', {}))).toEqual({ terminated: true });
  });

  it('refuses to restart or delete a child that is restarting (OTP)', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 60_000, max: 60_000 }, children: [worker('a')] });
    await crash(await childRef(sup, 'a'));

    expect(await codeOf(sup.call('restart_child', { id: 'a' }))).toBe('denied');
    expect(await codeOf(sup.call('delete_child', { id: 'a' }))).toBe('denied');
    expect(await statuses(sup)).toEqual({ a: 'restarting' });
  });

  it('terminate_child cancels a pending restart, and its timer', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 60_000, max: 60_000 }, children: [worker('a')] });
    await crash(await childRef(sup, 'a'));

    expect(await sup.call('terminate_child', { id: 'a' })).toEqual({ terminated: true });

    expect(await statuses(sup)).toEqual({ a: 'stopped' });
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(await statuses(sup)).toEqual({ a: 'stopped' });
    expect((await sup.call('restart_child', { id: 'a' })).ref).not.toBeNull();
  });

  it('ends at once when told to, cancelling the restart', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 60_000, max: 60_000 }, children: [worker('a'), worker('b')] });
    const supDown = node.down(sup);
    await crash(await childRef(sup, 'a'));

    expect(await within(sup.call('terminate', {}))).toEqual({ terminated: true });

    await within(supDown);
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer behind when it is killed during a backoff', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 5, backoff: { initial: 60_000, max: 60_000 }, children: [worker('a')] });
    const supDown = node.down(sup);
    await crash(await childRef(sup, 'a'));
    expect(clock.pending).toBe(1);

    node.exit(sup, 'kill');

    await within(supDown);
    expect(clock.pending).toBe(0);
  });

  it('retries a failed restart after the backoff, within the intensity', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, {
      intensity: 3,
      period: 10_000,
      backoff: { initial: 100, max: 1000 },
      children: [worker('a', { log, failStart: (attempt) => attempt === 2 })],
    });
    await crash(await childRef(sup, 'a'));

    await clock.advance(100); // first restart: fails
    expect(log).toEqual(['start:a', 'fail:a']);
    expect(await statuses(sup)).toEqual({ a: 'restarting' });
    await clock.advance(199); // the second of the window waits 200
    expect(log).toEqual(['start:a', 'fail:a']);
    await clock.advance(1);

    expect((await settled(sup))[0]!.status).toBe('running');
    expect(log).toEqual(['start:a', 'fail:a', 'start:a']);
  });
});
