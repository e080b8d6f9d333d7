// Restart strategies and escalation (OTP supervisor_SUITE: one_for_one, one_for_all,
// rest_for_one and their *_escalation cases, temporary_bystander, tree).
import { afterEach, describe, expect, it } from '@jest/globals';
import { isGlowError, type ResourceRef } from '../../src/index.js';
import { BOOM, childIds, childRef, childSupervisor, crash, manualClock, nodes, reasonText, restarted, settled, startWorker, subSupervisor, supervise, watchDowns, worker } from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

describe('one_for_one', () => {
  it('restarts only the failed child', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, {
      strategy: 'one_for_one',
      intensity: 2,
      children: [worker('a', { log, onShutdown: 'cooperate' }), worker('b', { log }), worker('c', { log, onShutdown: 'cooperate' })],
    });
    const before = await childIds(sup);
    const b = await childRef(sup, 'b');
    const down = node.down(b);

    await expect(b.call('crash', {})).rejects.toMatchObject({ code: 'crashed' });
    expect(reasonText((await down).reason)).toBe('error:crashed');

    await settled(sup);
    const after = await childIds(sup);
    expect(after.a).toBe(before.a);
    expect(after.c).toBe(before.c);
    expect(after.b).not.toBeNull();
    expect(after.b).not.toBe(before.b);
    expect(await (await childRef(sup, 'b')).call('ping', {})).toBe('b');
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'start:b']);
    expect(await sup.call('count_children', {})).toEqual({ specs: 3, active: 3, supervisors: 0, workers: 3 });
  });

  it('stops after one restart more than the intensity, ending the other children first', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, {
      strategy: 'one_for_one',
      intensity: 1,
      children: [worker('a', { onShutdown: 'cooperate' }), worker('b')],
    });
    const supDown = node.down(sup);
    const a = await childRef(sup, 'a');
    const downs: string[] = [];
    watchDowns(node, { a }, downs);

    const b = await childRef(sup, 'b');
    node.exit(b, BOOM);
    await restarted(sup, 'b', b.toString());
    node.exit(await childRef(sup, 'b'), BOOM);

    expect(reasonText((await supDown).reason)).toBe('shutdown');
    expect(downs).toEqual(['down:a:shutdown']);
  });
});

describe('one_for_all', () => {
  it('terminates the other children in reverse start order, then restarts all in start order', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, {
      strategy: 'one_for_all',
      intensity: 2,
      children: ['a', 'b', 'c', 'd'].map((id) => worker(id, { log, onShutdown: 'cooperate' })),
    });
    const before = await childIds(sup);
    log.length = 0;

    await crash(await childRef(sup, 'b'));
    await settled(sup);
    const after = await childIds(sup);

    expect(log).toEqual(['exit:d:shutdown', 'exit:c:shutdown', 'exit:a:shutdown', 'start:a', 'start:b', 'start:c', 'start:d']);
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(after[id]).not.toBeNull();
      expect(after[id]).not.toBe(before[id]);
    }
    expect(await sup.call('count_children', {})).toEqual({ specs: 4, active: 4, supervisors: 0, workers: 4 });
  });

  it('counts one restart per failure, however many children it restarts', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, {
      strategy: 'one_for_all',
      intensity: 1,
      children: [worker('a'), worker('b'), worker('c')],
    });
    const supDown = node.down(sup);
    const first = await childIds(sup);

    node.exit(await childRef(sup, 'a'), BOOM);
    await settled(sup);
    const second = await childIds(sup);
    expect(Object.values(second).every((ref, i) => ref !== null && ref !== Object.values(first)[i])).toBe(true);

    node.exit(await childRef(sup, 'c'), BOOM);
    expect(reasonText((await supDown).reason)).toBe('shutdown');
  });

  it('does not restart a temporary sibling it terminated, and forgets its spec', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, {
      strategy: 'one_for_all',
      intensity: 2,
      children: [worker('a', { log }), worker('t', { log, onShutdown: 'cooperate' }, { restart: 'temporary' })],
    });
    const t = await childRef(sup, 't');
    const tDown = node.down(t);

    node.exit(await childRef(sup, 'a'), BOOM);

    expect(reasonText((await tDown).reason)).toBe('shutdown');
    const children = await settled(sup);
    expect(children.map((child) => child.id)).toEqual(['a']);
    expect(children[0]!.ref).not.toBeNull();
    expect(log).toEqual(['start:a', 'start:t', 'exit:t:shutdown', 'start:a']);
  });

  it('restarts linked children that fail together once, and ignores the EXIT of the replaced one', async () => {
    // c links itself to b, so c dies of b's error too. Both EXITs wait while the supervisor is
    // busy; handling b's restarts everything, so c's EXIT comes from a child already replaced
    // (OTP ignores it: it is not from the parent).
    const node = fleet.make();
    const log: string[] = [];
    let b: ResourceRef | undefined;
    const sup = await supervise(node, {
      strategy: 'one_for_all',
      intensity: 2,
      children: [
        worker('a', { log }),
        { id: 'b', start: async (ctx) => (b = (await startWorker({ name: 'b', log })(ctx)) as ResourceRef) },
        worker('c', { log, link: () => b }),
      ],
    });
    const supDown = node.down(sup);
    const before = await childIds(sup);
    const cDown = node.down(node.ref(before.c!));
    // Keeps the supervisor busy (it handles one message at a time) until the gate opens.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = sup.call('start_child', { id: 'slow', start: async (ctx) => (await gate, startWorker({ name: 'slow', log })(ctx)) });

    node.exit(node.ref(before.b!), BOOM);
    expect(reasonText((await cDown).reason)).toBe('error:crashed');
    open();
    await slow;
    await settled(sup);
    const after = await childIds(sup);

    expect(Object.keys(after)).toEqual(['a', 'b', 'c', 'slow']);
    for (const id of ['a', 'b', 'c', 'slow']) expect(after[id]).not.toBeNull();
    expect(after.b).not.toBe(before.b);
    expect(after.c).not.toBe(before.c);
    expect(await Promise.race([supDown.then(() => 'down'), sup.call('count_children', {}).then(() => 'up')])).toBe('up');
  });
});

describe('rest_for_one', () => {
  it('restarts the failed child and the later siblings in start order; earlier siblings keep their refs', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, {
      strategy: 'rest_for_one',
      intensity: 2,
      children: ['a', 'b', 'c', 'd'].map((id) => worker(id, { log, onShutdown: 'cooperate' })),
    });
    const before = await childIds(sup);
    log.length = 0;

    await crash(await childRef(sup, 'b'));
    await settled(sup);
    const after = await childIds(sup);

    expect(log).toEqual(['exit:d:shutdown', 'exit:c:shutdown', 'start:b', 'start:c', 'start:d']);
    expect(after.a).toBe(before.a);
    for (const id of ['b', 'c', 'd']) {
      expect(after[id]).not.toBeNull();
      expect(after[id]).not.toBe(before[id]);
    }
  });

  it('restarts only the last child when the last child fails', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { strategy: 'rest_for_one', children: [worker('a'), worker('b'), worker('c')] });
    const before = await childIds(sup);

    node.exit(await childRef(sup, 'c'), BOOM);
    await settled(sup);
    const after = await childIds(sup);

    expect([after.a, after.b]).toEqual([before.a, before.b]);
    expect(after.c).not.toBe(before.c);
  });

  it('counts one restart per failure, and gives up on the next one', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { strategy: 'rest_for_one', intensity: 1, children: [worker('a'), worker('b'), worker('c')] });
    const supDown = node.down(sup);

    node.exit(await childRef(sup, 'a'), BOOM);
    expect((await settled(sup)).every((child) => child.ref !== null)).toBe(true);

    node.exit(await childRef(sup, 'b'), BOOM);
    expect(reasonText((await supDown).reason)).toBe('shutdown');
  });

  it('retries a later sibling whose restart fails on its own, leaving the restarted earlier ones running', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, {
      strategy: 'rest_for_one',
      intensity: 3,
      children: [worker('a', { log }), worker('b', { log, failStart: (attempt) => attempt === 2 })],
    });
    log.length = 0;

    await crash(await childRef(sup, 'a'));
    await settled(sup);
    const after = await childIds(sup);

    expect(log).toEqual(['start:a', 'fail:b', 'start:b']);
    expect(after.a).not.toBeNull();
    expect(after.b).not.toBeNull();
  });

  it('does not restart a later temporary sibling', async () => {
    const node = fleet.make();
    const sup = await supervise(node, {
      strategy: 'rest_for_one',
      children: [worker('a'), worker('b'), worker('t', {}, { restart: 'temporary' })],
    });
    const before = await childIds(sup);

    node.exit(await childRef(sup, 'b'), BOOM);
    const after = await settled(sup);

    expect(after.map((child) => child.id)).toEqual(['a', 'b']);
    expect(after[0]!.ref).toBe(before.a);
    expect(after[1]!.ref).not.toBe(before.b);
  });
});

describe('escalation', () => {
  it('a child supervisor that exceeds its intensity exits and its parent restarts it under a new ref', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const top = await supervise(node, {
      intensity: 1,
      children: [worker('sibling'), subSupervisor('sub', { intensity: 0, children: [worker('w')] })],
    });
    const sibling = (await childIds(top)).sibling;
    const sub = await childSupervisor(top, 'sub');
    const subDown = node.down(sub);

    node.exit(await childRef(sub, 'w'), BOOM);

    expect(reasonText((await subDown).reason)).toBe('shutdown');
    const newSub = await restarted(top, 'sub', sub.toString());
    expect((await childIds(top)).sibling).toBe(sibling);
    const w = await childRef(await childSupervisor(top, 'sub'), 'w');
    expect(await w.call('ping', {})).toBe('w');
    expect(newSub).not.toBe(sub.toString());
  });

  it('a parent whose own intensity is exceeded by the escalation exits too, ending its other children', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const top = await supervise(node, {
      intensity: 0,
      children: [worker('sibling', { onShutdown: 'cooperate' }), subSupervisor('sub', { intensity: 0, children: [worker('w')] })],
    });
    const downs: string[] = [];
    const sub = await childSupervisor(top, 'sub');
    watchDowns(node, { sibling: await childRef(top, 'sibling'), sub, top }, downs);
    const topDown = node.down(top);

    node.exit(await childRef(sub, 'w'), BOOM);

    expect(reasonText((await topDown).reason)).toBe('shutdown');
    expect(downs).toEqual(['down:sub:shutdown', 'down:sibling:shutdown', 'down:top:shutdown']);
  });

  it('restarts a child supervisor with its static children only (dynamic ones are gone)', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const top = await supervise(node, {
      strategy: 'one_for_all',
      intensity: 4,
      children: [
        subSupervisor('sub1', { intensity: 4, children: [worker('w1'), worker('w2')] }),
        subSupervisor('sub2', { intensity: 0, children: [] }),
      ],
    });
    const sub1 = await childSupervisor(top, 'sub1');
    const sub2 = await childSupervisor(top, 'sub2');
    const sub1Children = await childIds(sub1);
    await sub2.call('start_child', worker('w3'));
    await sub2.call('start_child', worker('w4'));

    // Only the failed child is restarted inside a one_for_one supervisor.
    const w4 = await childRef(sub2, 'w4');
    const w3Before = (await childIds(sub2)).w3;
    await expect(w4.call('crash', {})).rejects.toMatchObject({ code: 'crashed' });
    const sub2Down = node.down(sub2);
    // sub2 (intensity 0) gives up; top (one_for_all) restarts both supervisors.
    expect(reasonText((await sub2Down).reason)).toBe('shutdown');
    expect(w3Before).not.toBeNull();

    await restarted(top, 'sub2', sub2.toString());
    await restarted(top, 'sub1', sub1.toString());
    const newSub1 = await childSupervisor(top, 'sub1');
    const newSub2 = await childSupervisor(top, 'sub2');
    const newSub1Children = await childIds(newSub1);
    expect(Object.keys(newSub1Children)).toEqual(['w1', 'w2']);
    expect(newSub1Children.w1).not.toBe(sub1Children.w1);
    expect(await newSub2.call('which_children', {})).toEqual([]);
    expect(await top.call('count_children', {})).toEqual({ specs: 2, active: 2, supervisors: 2, workers: 0 });
  });

  it('answers calls to a supervisor that gave up with noproc', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 0, children: [worker('a')] });
    const down = node.down(sup);
    node.exit(await childRef(sup, 'a'), BOOM);
    await down;
    const error: unknown = await sup.call('which_children', {}).catch((e: unknown) => e);
    expect(isGlowError(error) && error.code).toBe('noproc');
  });
});
