// Restart types, restart intensity on an injected clock, failing restarts and backoff (OTP
// supervisor_SUITE: permanent_*/transient_*/temporary_*, multiple_restarts, one_for_one restart
// frequency, hanging_restart_loop).
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Node, RestartType } from '../../src/index.js';
import { within } from '../helpers/waitFor.js';
import {
  BOOM,
  childIds,
  childRef,
  crash,
  manualClock,
  nodes,
  reasonText,
  restarted,
  settled,
  supervise,
  worker,
  type SupervisorRef,
} from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

type Ending = 'normal' | 'shutdown' | 'error';

/** Ends the only child `a` the given way and waits until it is down (its EXIT is then queued). */
async function endChild(node: Node, sup: SupervisorRef, how: Ending): Promise<string> {
  const a = await childRef(sup, 'a');
  const down = node.down(a);
  if (how === 'error') node.exit(a, BOOM);
  else await a.call('terminate', { reason: how });
  expect(reasonText((await down).reason)).toBe(how === 'error' ? 'error:crashed' : how);
  return a.toString();
}

describe('restart types', () => {
  const cases: [RestartType, Ending, 'restarted' | 'kept' | 'removed'][] = [
    ['permanent', 'normal', 'restarted'],
    ['permanent', 'shutdown', 'restarted'],
    ['permanent', 'error', 'restarted'],
    ['transient', 'normal', 'kept'],
    ['transient', 'shutdown', 'kept'],
    ['transient', 'error', 'restarted'],
    ['temporary', 'normal', 'removed'],
    ['temporary', 'shutdown', 'removed'],
    ['temporary', 'error', 'removed'],
  ];

  it.each(cases)('a %s child that ends with %s is %s', async (restart, how, outcome) => {
    const node = fleet.make();
    const sup = await supervise(node, { intensity: 2, children: [worker('a', {}, { restart })] });

    const old = await endChild(node, sup, how);
    const children = await settled(sup);
    const counts = await sup.call('count_children', {});

    if (outcome === 'restarted') {
      expect(children).toEqual([{ id: 'a', ref: expect.any(String), type: 'worker', restart, status: 'running' }]);
      expect(children[0]!.ref).not.toBe(old);
      expect(counts).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    } else if (outcome === 'kept') {
      expect(children).toEqual([{ id: 'a', ref: null, type: 'worker', restart, status: 'stopped' }]);
      expect(counts).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
    } else {
      expect(children).toEqual([]);
      expect(counts).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    }
  });

  it('a transient child that ended cleanly can be restarted by hand, and is restarted after an error', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { intensity: 2, children: [worker('a', {}, { restart: 'transient' })] });
    await endChild(node, sup, 'shutdown');

    const { ref } = await sup.call('restart_child', { id: 'a' });
    expect(ref).not.toBeNull();
    const old = await endChild(node, sup, 'error');
    expect(await restarted(sup, 'a', old)).not.toBe(ref);
  });

  it('a temporary child can be started again under the same id once it has ended', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a', {}, { restart: 'temporary' })] });
    await endChild(node, sup, 'normal');

    const { ref } = await sup.call('start_child', worker('a', {}, { restart: 'temporary' }));
    expect((await childIds(sup)).a).toBe(ref);
  });
});

describe('restart intensity on the node clock', () => {
  it('restarts spread beyond the period never exceed the intensity', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 2, period: 1000, children: [worker('a')] });

    // Six failures, 600 ms apart: never more than two within any 1000 ms.
    for (let i = 0; i < 6; i++) {
      await crash(await childRef(sup, 'a'));
      await settled(sup);
      await clock.advance(600);
    }
    expect((await childIds(sup)).a).not.toBeNull();
    expect(await (await childRef(sup, 'a')).call('ping', {})).toBe('a');
  });

  it('the same number of restarts within the period exceeds it and stops the supervisor', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 2, period: 1000, children: [worker('a')] });
    const supDown = node.down(sup);

    await crash(await childRef(sup, 'a'));
    await settled(sup);
    await clock.advance(100);
    await crash(await childRef(sup, 'a'));
    await clock.advance(100);
    // Still up after two restarts within the period…
    expect((await settled(sup))[0]!.ref).not.toBeNull();
    // …and the third within it is one too many.
    await crash(await childRef(sup, 'a'));
    expect(reasonText((await within(supDown)).reason)).toBe('shutdown');
  });

  it('forgets restarts once they are older than the period', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 1, period: 1000, children: [worker('a')] });
    const supDown = node.down(sup);

    await crash(await childRef(sup, 'a'));
    await settled(sup);
    await clock.advance(1001);
    await crash(await childRef(sup, 'a'));
    expect((await settled(sup))[0]!.ref).not.toBeNull();
    await clock.advance(999);
    await crash(await childRef(sup, 'a'));
    expect(reasonText((await within(supDown)).reason)).toBe('shutdown');
  });

  it('intensity 0 gives up at the first failure, ending the other children in reverse start order', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, {
      intensity: 0,
      children: ['a', 'b', 'c', 'd'].map((id) => worker(id, { log, onShutdown: 'cooperate' })),
    });
    const supDown = node.down(sup);
    log.length = 0;

    await crash(await childRef(sup, 'b'));

    expect(reasonText((await within(supDown)).reason)).toBe('shutdown');
    expect(log).toEqual(['exit:d:shutdown', 'exit:c:shutdown', 'exit:a:shutdown']);
  });

  it('does not count clean exits of transient children, nor any exit of temporary ones', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, {
      intensity: 0,
      children: [worker('t', {}, { restart: 'transient' }), worker('tmp', {}, { restart: 'temporary' }), worker('p')],
    });
    const t = await childRef(sup, 't');
    const tDown = node.down(t);
    await t.call('terminate', { reason: 'normal' });
    await tDown;
    await crash(await childRef(sup, 'tmp'));
    const children = await settled(sup);
    expect(children.map((child) => [child.id, child.ref === null])).toEqual([
      ['t', true],
      ['p', false],
    ]);
  });
});

describe('failing restarts', () => {
  it('retries a restart that fails, counting each attempt as a restart', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, {
      intensity: 3,
      children: [worker('a', { log, failStart: (attempt) => attempt === 2 })],
    });
    const old = (await childIds(sup)).a!;

    await crash(await childRef(sup, 'a'));
    await restarted(sup, 'a', old);

    expect(log).toEqual(['start:a', 'fail:a', 'start:a']);
  });

  it('gives up when restarts keep failing, after intensity attempts, instead of looping', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, {
      intensity: 3,
      children: [worker('a', { log, failStart: (attempt) => attempt > 1 }), worker('b', { log, onShutdown: 'cooperate' })],
    });
    const supDown = node.down(sup);

    await crash(await childRef(sup, 'a'));

    expect(reasonText((await within(supDown)).reason)).toBe('shutdown');
    expect(log).toEqual(['start:a', 'start:b', 'fail:a', 'fail:a', 'fail:a', 'exit:b:shutdown']);
  });
});
