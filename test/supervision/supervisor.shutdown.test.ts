// How children are stopped: reverse start order, shutdown timeouts, brutal_kill, infinity, and
// whole trees ending with their supervisor or their node (OTP supervisor_SUITE: sup_stop_*,
// simple_one_for_one_shutdown).
import { afterEach, describe, expect, it } from '@jest/globals';
import { within } from '../helpers/waitFor.js';
import { childIds, childRef, childSupervisor, manualClock, nodes, reasonText, subSupervisor, supervise, watchDowns, worker } from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

describe('stopping a supervisor', () => {
  it('terminate stops the children in reverse start order before the supervisor ends, and answers', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, { children: ['a', 'b', 'c'].map((id) => worker(id, { log, onShutdown: 'cooperate' })) });
    const downs: string[] = [];
    watchDowns(node, { ...(await childIds(sup)), sup }, downs);
    const supDown = node.down(sup);
    log.length = 0;

    expect(await sup.call('terminate', {})).toEqual({ terminated: true });
    await within(supDown);

    expect(log).toEqual(['exit:c:shutdown', 'exit:b:shutdown', 'exit:a:shutdown']);
    expect(downs).toEqual(['down:c:shutdown', 'down:b:shutdown', 'down:a:shutdown', 'down:sup:shutdown']);
  });

  it('terminate with reason normal ends the supervisor normally, children first', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a'), worker('b')] });
    const downs: string[] = [];
    watchDowns(node, { ...(await childIds(sup)), sup }, downs);
    const supDown = node.down(sup);

    await sup.call('terminate', { reason: 'normal' });

    expect(reasonText((await within(supDown)).reason)).toBe('normal');
    expect(downs).toEqual(['down:b:shutdown', 'down:a:shutdown', 'down:sup:normal']);
  });

  it('an exit signal shutdown from outside stops the children in reverse order, then the supervisor', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: ['a', 'b', 'c'].map((id) => worker(id)) });
    const downs: string[] = [];
    watchDowns(node, { ...(await childIds(sup)), sup }, downs);
    const supDown = node.down(sup);

    node.exit(sup, 'shutdown');

    expect(reasonText((await within(supDown)).reason)).toBe('shutdown');
    expect(downs).toEqual(['down:c:shutdown', 'down:b:shutdown', 'down:a:shutdown', 'down:sup:shutdown']);
  });

  it('kill ends the supervisor at once and its children with it, without waiting for their shutdown time', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { children: [worker('a', { onShutdown: 'ignore', log: [] }, { shutdown: 5000 })] });
    const a = await childRef(sup, 'a');
    const aDown = node.down(a);
    const supDown = node.down(sup);

    node.exit(sup, 'kill');

    expect(reasonText((await within(supDown)).reason)).toBe('killed');
    expect(reasonText((await within(aDown)).reason)).toBe('shutdown');
    expect(clock.now()).toBe(0);
  });
});

describe('shutdown of one child', () => {
  it('kills a child that ignores shutdown after its shutdown time on the node clock, not before', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, { children: [worker('stubborn', { log, onShutdown: 'ignore' }, { shutdown: 200 })] });
    const child = await childRef(sup, 'stubborn');
    const down = node.down(child);
    let downAt: number | undefined;
    void down.then(() => (downAt = clock.now()));

    const terminated = sup.call('terminate_child', { id: 'stubborn' });
    await clock.advance(199);
    // Asked to stop, it goes on answering.
    await expect(child.call('ping', {})).resolves.toBe('stubborn');
    expect(downAt).toBeUndefined();

    await clock.advance(1);
    expect(await within(terminated)).toEqual({ terminated: true });
    expect(reasonText((await down).reason)).toBe('killed');
    expect(downAt).toBe(200);
    expect(log).toEqual(['start:stubborn', 'exit:stubborn:shutdown']);
  });

  it('a child that cooperates ends with shutdown without waiting for its shutdown time', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, { children: [worker('nice', { log, onShutdown: 'cooperate' }, { shutdown: 2000 })] });
    const down = node.down(await childRef(sup, 'nice'));

    await within(sup.call('terminate_child', { id: 'nice' }));

    expect(reasonText((await down).reason)).toBe('shutdown');
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0); // the kill timer is gone with the child
    expect(log).toEqual(['start:nice', 'exit:nice:shutdown']);
  });

  it('brutal_kill kills at once, without an exit signal the child could trap', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const log: string[] = [];
    const sup = await supervise(node, { children: [worker('victim', { log, onShutdown: 'ignore' }, { shutdown: 'brutal_kill' })] });
    const down = node.down(await childRef(sup, 'victim'));

    await within(sup.call('terminate_child', { id: 'victim' }));

    expect(reasonText((await down).reason)).toBe('killed');
    expect(clock.now()).toBe(0);
    expect(log).toEqual(['start:victim']);
  });

  it('stops a mixed set in reverse order: cooperative ones with shutdown, a stubborn one killed after its timeout', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, {
      children: [
        worker('a', { onShutdown: 'cooperate' }, { shutdown: 1000 }),
        worker('b', { onShutdown: 'ignore' }, { shutdown: 150 }),
        worker('c', { onShutdown: 'ignore' }, { shutdown: 'brutal_kill' }),
      ],
    });
    const downs: string[] = [];
    watchDowns(node, { ...(await childIds(sup)), sup }, downs);
    const supDown = node.down(sup);

    const terminated = sup.call('terminate', {});
    await clock.advance(149);
    expect(downs).toEqual(['down:c:killed']);
    await clock.advance(1);
    await within(terminated);
    await within(supDown);

    expect(downs).toEqual(['down:c:killed', 'down:b:killed', 'down:a:shutdown', 'down:sup:shutdown']);
  });

  it('waits for a child supervisor (shutdown infinity by default) however long its own children take', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const top = await supervise(node, {
      children: [subSupervisor('sub', { children: [worker('slow', { onShutdown: 'ignore' }, { shutdown: 300 })] })],
    });
    const sub = await childSupervisor(top, 'sub');
    const downs: string[] = [];
    watchDowns(node, { slow: await childRef(sub, 'slow'), sub, top }, downs);
    const topDown = node.down(top);

    const terminated = top.call('terminate', {});
    await clock.advance(299);
    expect(downs).toEqual([]);
    await clock.advance(1);
    await within(terminated);
    await within(topDown);

    // The sub-supervisor was not killed: it ended by itself once its child was killed.
    expect(downs).toEqual(['down:slow:killed', 'down:sub:shutdown', 'down:top:shutdown']);
  });
});

describe('node.shutdown', () => {
  it('ends a supervision tree depth first, in reverse start order', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const top = await supervise(node, {
      children: [
        worker('a', { log, onShutdown: 'cooperate' }),
        subSupervisor('sub', { children: [worker('b', { log, onShutdown: 'cooperate' }), worker('c', { log, onShutdown: 'cooperate' })] }),
        worker('d', { log, onShutdown: 'cooperate' }),
      ],
    });
    const ids = await childIds(top);
    const sub = await childSupervisor(top, 'sub');
    const downs: string[] = [];
    watchDowns(node, { a: ids.a!, sub, ...(await childIds(sub)), d: ids.d!, top }, downs);
    log.length = 0;

    await within(node.shutdown(), 2000);

    expect(log).toEqual(['exit:d:shutdown', 'exit:c:shutdown', 'exit:b:shutdown', 'exit:a:shutdown']);
    expect(downs).toEqual(['down:d:shutdown', 'down:c:shutdown', 'down:b:shutdown', 'down:sub:shutdown', 'down:a:shutdown', 'down:top:shutdown']);
    expect(node.resources()).toEqual([]);
  });

  it('ends trees newest first', async () => {
    const node = fleet.make();
    const first = await supervise(node, { children: [worker('a')] });
    const second = await supervise(node, { children: [worker('b')] });
    const downs: string[] = [];
    watchDowns(node, { first, a: (await childIds(first)).a!, second, b: (await childIds(second)).b! }, downs);

    await within(node.shutdown(), 2000);

    expect(downs).toEqual(['down:b:shutdown', 'down:second:shutdown', 'down:a:shutdown', 'down:first:shutdown']);
  });

  it('does not restart children while the tree is ending', async () => {
    const node = fleet.make();
    const log: string[] = [];
    await supervise(node, { strategy: 'one_for_all', children: [worker('a', { log }), worker('b', { log }), worker('c', { log })] });
    log.length = 0;

    await within(node.shutdown(), 2000);

    expect(log).toEqual([]);
  });
});
