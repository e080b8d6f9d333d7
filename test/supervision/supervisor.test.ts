// Starting a supervisor, its glow.Supervisor/1 interface for dynamic children, and the tree it
// shows (OTP supervisor_SUITE: sup_start_*, child_adm, extra_return, count_children, tree).
import { afterEach, describe, expect, it } from '@jest/globals';
import { isGlowError, registerSupervision, startSupervisor, supervisorKind, type ProcessInfo } from '../../src/index.js';
import { within } from '../helpers/waitFor.js';
import { BOOM, childIds, childRef, childSupervisor, crash, nodes, reasonText, settled, startWorker, subSupervisor, supervise, worker, codeOf } from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

describe('starting a supervisor', () => {
  it('starts its children in order and lists them in start order with their defaults', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const sup = await supervise(node, { children: [worker('a', { log }), worker('b', { log }, { restart: 'transient' }), worker('c', { log })] });

    expect(log).toEqual(['start:a', 'start:b', 'start:c']);
    const children = await sup.call('which_children', {});
    expect(children.map(({ id, type, restart }) => ({ id, type, restart }))).toEqual([
      { id: 'a', type: 'worker', restart: 'permanent' },
      { id: 'b', type: 'worker', restart: 'transient' },
      { id: 'c', type: 'worker', restart: 'permanent' },
    ]);
    for (const child of children) expect(await node.ref(child.ref!, (await childRef(sup, child.id)).iface).call('ping', {})).toBe(child.id);
    expect(await sup.call('count_children', {})).toEqual({ specs: 3, active: 3, supervisors: 0, workers: 3 });
  });

  it('starts with no children and ends on terminate', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { strategy: 'one_for_one', intensity: 2, period: 3600 });
    const down = node.down(sup);
    expect(await sup.call('which_children', {})).toEqual([]);
    expect(await sup.call('terminate', {})).toEqual({ terminated: true });
    expect(reasonText((await within(down)).reason)).toBe('shutdown');
  });

  it('keeps the spec of a child whose start returns ignore, with no ref', async () => {
    const node = fleet.make();
    let ignored = 0;
    const ignore = () => (ignored++, 'ignore' as const);
    const sup = await supervise(node, { children: [{ id: 'i', start: ignore }, worker('a')] });

    expect(await childIds(sup)).toEqual({ i: null, a: expect.any(String) });
    expect(await sup.call('count_children', {})).toEqual({ specs: 2, active: 1, supervisors: 0, workers: 2 });
    expect(await sup.call('start_child', { id: 'j', start: ignore })).toEqual({ ref: null });
    expect(await sup.call('restart_child', { id: 'i' })).toEqual({ ref: null });
    expect(ignored).toBe(3);
    expect(await sup.call('count_children', {})).toEqual({ specs: 3, active: 1, supervisors: 0, workers: 3 });
  });

  it('keeps no spec for a temporary child whose start returns ignore', async () => {
    const node = fleet.make();
    const ignore = () => 'ignore' as const;
    const sup = await supervise(node, { children: [{ id: 'i', start: ignore, restart: 'temporary' }, worker('a', {}, { restart: 'temporary' })] });

    expect(Object.keys(await childIds(sup))).toEqual(['a']);
    expect(await sup.call('start_child', { id: 'j', start: ignore, restart: 'temporary' })).toEqual({ ref: null });
    expect(await sup.call('count_children', {})).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    expect(await sup.call('start_child', { id: 'j', start: ignore, restart: 'temporary' })).toEqual({ ref: null });
  });

  it('fails to start when a child fails to start, ending the children already started in reverse order', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const start = startSupervisor(node, {
      children: [
        worker('a', { log, onShutdown: 'cooperate' }),
        worker('b', { log, onShutdown: 'cooperate' }),
        worker('c', { log, failStart: () => true }),
        worker('d', { log }),
      ],
    });

    const error: unknown = await start.catch((e: unknown) => e);
    expect(isGlowError(error) && error.code).toBe('crashed');
    expect(log).toEqual(['start:a', 'start:b', 'fail:c', 'exit:b:shutdown', 'exit:a:shutdown']);
    expect(node.processTree()).toEqual([]);
    expect(node.resources().map((r) => r.interface)).toEqual(['glow.Node/1', 'glow.Directory/1']); // the built-ins alone
  });

  it('fails to start when a start function throws', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const start = startSupervisor(node, {
      children: [
        worker('a', { log }),
        {
          id: 'bad',
          start: () => {
            throw new Error('no can do');
          },
        },
      ],
    });
    expect(await codeOf(start)).toBe('crashed');
    expect(log).toEqual(['start:a']);
    expect(node.processTree()).toEqual([]);
  });

  it('refuses an invalid spec with badarg, starting nothing', async () => {
    const node = fleet.make();
    const log: string[] = [];
    const children = [worker('a', { log })];
    expect(await codeOf(startSupervisor(node, { strategy: 'none_for_one' as never, children }))).toBe('badarg');
    expect(await codeOf(startSupervisor(node, { intensity: -1, children }))).toBe('badarg');
    expect(await codeOf(startSupervisor(node, { intensity: 1.5, children }))).toBe('badarg');
    expect(await codeOf(startSupervisor(node, { period: 0, children }))).toBe('badarg');
    expect(await codeOf(startSupervisor(node, { children: [{ id: '', start: { kind: 'test.worker' } }] }))).toBe('badarg');
    expect(await codeOf(startSupervisor(node, { children: [{ id: 'x', start: { kind: 'test.worker' }, restart: 'prmanent' as never }] }))).toBe('badarg');
    expect(log).toEqual([]);
    expect(node.processTree()).toEqual([]);
  });

  it('fails to start when two children share an id, leaving nothing running', async () => {
    const node = fleet.make();
    const error: unknown = await startSupervisor(node, { children: [worker('a'), worker('a')] }).catch((e: unknown) => e);
    expect(isGlowError(error) && error.code).toBe('crashed');
    expect(isGlowError(error) && (error.details as { error: { code: string } }).error.code).toBe('badarg');
    expect(node.processTree()).toEqual([]);
  });

  it('starts children of a registered kind from plain data', async () => {
    const node = fleet.make();
    registerSupervision(node);
    registerSupervision(node); // idempotent
    expect(node.listKinds().filter((kind) => kind.name === supervisorKind.name)).toHaveLength(1);
    const sup = await supervise(node, { children: [{ id: 'w', start: { kind: 'test.worker', args: { name: 'w' } } }] });
    expect(await (await childRef(sup, 'w')).call('ping', {})).toBe('w');
  });
});

describe('dynamic children through glow.Supervisor/1', () => {
  it('starts, terminates, restarts and deletes children (child_adm)', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a')] });
    const first = (await childIds(sup)).a!;

    // A second child with the same id is refused, running or not.
    expect(await codeOf(sup.call('start_child', worker('a')))).toBe('badarg');

    // Unknown ids are refused.
    expect(await codeOf(sup.call('terminate_child', { id: 'nope' }))).toBe('badarg');
    expect(await codeOf(sup.call('restart_child', { id: 'nope' }))).toBe('badarg');
    expect(await codeOf(sup.call('delete_child', { id: 'nope' }))).toBe('badarg');

    // A running child can be neither restarted nor deleted.
    expect(await codeOf(sup.call('restart_child', { id: 'a' }))).toBe('denied');
    expect(await codeOf(sup.call('delete_child', { id: 'a' }))).toBe('denied');

    // Terminating ends it with shutdown and keeps its spec; terminating again is fine.
    const down = node.down(node.ref(first));
    expect(await sup.call('terminate_child', { id: 'a' })).toEqual({ terminated: true });
    expect(reasonText((await down).reason)).toBe('shutdown');
    expect(await sup.call('which_children', {})).toEqual([{ id: 'a', ref: null, type: 'worker', restart: 'permanent', status: 'stopped' }]);
    expect(await sup.call('count_children', {})).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
    expect(await sup.call('terminate_child', { id: 'a' })).toEqual({ terminated: true });
    expect(await codeOf(sup.call('start_child', worker('a')))).toBe('badarg');

    // Restart gives it a new ref; it is not restarted by the supervisor meanwhile.
    const { ref: second } = await sup.call('restart_child', { id: 'a' });
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect((await childIds(sup)).a).toBe(second);

    // Delete needs it stopped first; then the id is free again.
    await sup.call('terminate_child', { id: 'a' });
    expect(await sup.call('delete_child', { id: 'a' })).toEqual({ deleted: true });
    expect(await sup.call('which_children', {})).toEqual([]);
    expect(await sup.call('count_children', {})).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    expect(await codeOf(sup.call('restart_child', { id: 'a' }))).toBe('badarg');

    const { ref: third } = await sup.call('start_child', worker('a'));
    expect((await childIds(sup)).a).toBe(third);
    expect(await sup.call('count_children', {})).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
  });

  it('adds started children after the others, and restarts them like static ones', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a')] });
    const { ref } = await sup.call('start_child', worker('b'));
    expect(Object.keys(await childIds(sup))).toEqual(['a', 'b']);

    await crash(node.ref(ref!, (await childRef(sup, 'b')).iface));
    await settled(sup);
    const after = (await childIds(sup)).b;
    expect(after).not.toBeNull();
    expect(after).not.toBe(ref);
  });

  it('a start_child that fails answers the error and leaves the supervisor and its children running', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a')] });
    const supDown = node.down(sup);
    const before = await childIds(sup);

    expect(await codeOf(sup.call('start_child', worker('x', { failStart: () => true })))).toBe('crashed');

    expect(await childIds(sup)).toEqual(before);
    // Still serving after anything the failed start may have sent it.
    expect(await sup.call('count_children', {})).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    expect(await Promise.race([supDown.then(() => 'down'), sup.call('which_children', {}).then(() => 'up')])).toBe('up');
  });

  it('a restart_child that fails answers the error and keeps the spec', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a', { failStart: (attempt) => attempt === 2 })] });
    await sup.call('terminate_child', { id: 'a' });

    expect(await codeOf(sup.call('restart_child', { id: 'a' }))).toBe('crashed');
    expect(await childIds(sup)).toEqual({ a: null });
    expect((await sup.call('restart_child', { id: 'a' })).ref).not.toBeNull();
  });

  it('counts supervisors and workers', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a'), subSupervisor('s1', {}), subSupervisor('s2', { children: [worker('b')] })] });
    await sup.call('start_child', worker('c'));
    expect(await sup.call('count_children', {})).toEqual({ specs: 4, active: 4, supervisors: 2, workers: 2 });
    expect(await (await childSupervisor(sup, 's2')).call('count_children', {})).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
  });

  it('ignores the late EXIT of a child it terminated just as the child crashed', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { intensity: 0, children: [worker('a'), worker('b')] });
    const supDown = node.down(sup);
    const before = await childIds(sup);
    // Keep the supervisor busy so that terminate_child and then the crash's EXIT queue behind it.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = sup.call('start_child', { id: 'slow', start: async (ctx) => (await gate, startWorker({ name: 'slow' })(ctx)) });
    const terminated = sup.call('terminate_child', { id: 'b' });
    node.exit(node.ref(before.b!), BOOM);
    open();

    await slow;
    expect(await terminated).toEqual({ terminated: true });
    const after = await settled(sup);
    expect(after.map(({ id, ref }) => [id, ref === null])).toEqual([
      ['a', false],
      ['b', true],
      ['slow', false],
    ]);
    expect(await Promise.race([supDown.then(() => 'down'), sup.call('count_children', {}).then(() => 'up')])).toBe('up');
  });

  it('answers reads at once while a call that changes children is in progress, and shows the new child once started', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a')] });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = sup.call('start_child', { id: 'slow', start: async (ctx) => (await gate, startWorker({ name: 'slow' })(ctx)) });

    expect(Object.keys(await within(childIds(sup)))).toEqual(['a']);
    expect(await within(sup.call('count_children', {}))).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    expect(await within(sup.call('info', {}))).toMatchObject({ kind: 'supervisor' });

    open();
    const { ref } = await slow;
    expect(await childIds(sup)).toEqual({ a: expect.any(String), slow: ref });
  });

  it('answers noproc once the supervisor has ended', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a')] });
    const down = node.down(sup);
    await sup.call('terminate', {});
    await down;
    expect(await codeOf(sup.call('which_children', {}))).toBe('noproc');
    expect(await codeOf(sup.call('count_children', {}))).toBe('noproc');
    expect(await codeOf(sup.call('start_child', worker('b')))).toBe('noproc');
  });
});

describe('the supervision tree', () => {
  it('shows children under their supervisor and nested supervisors nested, in the node info and the supervisor info', async () => {
    const node = fleet.make();
    const top = await supervise(node, { children: [worker('a'), subSupervisor('sub', { children: [worker('b'), worker('c')] }), worker('d')] });
    const ids = await childIds(top);
    const sub = await childSupervisor(top, 'sub');
    const subIds = await childIds(sub);
    const w = (id: string, owner: string): ProcessInfo => ({ id, kind: 'test.worker', interface: 'test.Worker/1', owner, resources: [], children: [] });
    const subTree: ProcessInfo = {
      id: ids.sub!,
      kind: 'supervisor',
      interface: 'glow.Supervisor/1',
      owner: top.toString(),
      resources: [],
      children: [w(subIds.b!, ids.sub!), w(subIds.c!, ids.sub!)],
    };
    const tree: ProcessInfo = {
      id: top.toString(),
      kind: 'supervisor',
      interface: 'glow.Supervisor/1',
      resources: [],
      children: [w(ids.a!, top.toString()), subTree, w(ids.d!, top.toString())],
    };

    const info = await node.self.call('info', {});
    expect(info.processes).toEqual([tree]);
    expect(await node.self.call('processes', {})).toEqual([tree]);
    expect(await top.call('info', {})).toEqual(tree);
    expect(await sub.call('info', {})).toEqual(subTree);
  });

  it('shows a restarted child under its supervisor with its new id', async () => {
    const node = fleet.make();
    const top = await supervise(node, { children: [worker('a'), worker('b')] });
    const before = await childIds(top);
    await crash(await childRef(top, 'a'));
    await settled(top);
    const after = await childIds(top);

    const info = await top.call('info', {});
    const shown = info.children.map((child) => child.id).sort();
    expect(shown).toEqual([after.a!, after.b!].sort());
    expect(shown).not.toContain(before.a);
  });
});
