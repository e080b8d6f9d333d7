// OTP's supervisor reports, filed on the node: child_terminated, start_error, shutdown_error,
// and shutdown when the restart intensity is reached. Nothing a supervisor decides is lost.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Node, NodeReport } from '../../src/index.js';
import { within } from '../helpers/waitFor.js';
import { BOOM, childIds, childRef, crash, handled, manualClock, nodes, settled, startWorker, supervise, worker } from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

/** The reports a node filed from now on, as `event child` lines, with the reports themselves. */
function listen(node: Node): { lines: string[]; reports: NodeReport[] } {
  const reports: NodeReport[] = [];
  const lines: string[] = [];
  node.onReport((report) => {
    reports.push(report);
    lines.push(`${report.event} ${String(report.details?.child)}`);
  });
  return { lines, reports };
}

describe('supervisor reports', () => {
  it('reports a child that crashed as child_terminated, kept for Node info and handed to listeners', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { intensity: 2, children: [worker('a')] });
    const heard = listen(node);
    const old = (await childIds(sup)).a!;

    await crash(await childRef(sup, 'a'));
    await handled(sup);

    const expected = {
      event: 'child_terminated',
      source: sup.toString(),
      message: expect.stringContaining('child a'),
      details: { child: 'a', ref: old, reason: { error: expect.objectContaining({ code: 'crashed' }) } },
      at: expect.any(Number),
    };
    expect(heard.reports).toEqual([expected]);
    expect(node.recentReports()).toEqual([expected]);
    expect((await node.self.call('info', {})).reports).toEqual([expected]);
  });

  it('reports a permanent child that ended normally, but not a transient or temporary one (OTP)', async () => {
    const node = fleet.make();
    const sup = await supervise(node, {
      intensity: 5,
      children: [worker('p'), worker('t', {}, { restart: 'transient' }), worker('tmp', {}, { restart: 'temporary' })],
    });
    const heard = listen(node);

    for (const id of ['p', 't', 'tmp']) await (await childRef(sup, id)).call('terminate', { reason: 'normal' });
    await settled(sup);

    expect(heard.lines).toEqual(['child_terminated p']);
  });

  it('reports a failed restart attempt as start_error and retries it within the intensity', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { intensity: 3, children: [worker('a', { failStart: (attempt) => attempt === 2 })] });
    const heard = listen(node);

    await crash(await childRef(sup, 'a'));
    const [a] = await settled(sup);

    expect(a!.status).toBe('running');
    expect(heard.lines).toEqual(['child_terminated a', 'start_error a']);
    expect(heard.reports[1]!.details).toEqual({ child: 'a', ref: null, reason: expect.objectContaining({ code: 'crashed' }) });
  });

  it('reports reaching the restart intensity as shutdown, after the failure that reached it', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { intensity: 0, period: 1000, children: [worker('a')] });
    const supDown = node.down(sup);
    const heard = listen(node);

    await crash(await childRef(sup, 'a'));
    await within(supDown);

    expect(heard.lines).toEqual(['child_terminated a', 'shutdown a']);
    expect(heard.reports[1]!.details).toMatchObject({ child: 'a', reason: 'reached_max_restart_intensity', intensity: 0, period: 1000 });
  });

  it('reports a child killed after its shutdown time as shutdown_error, and one that stopped as asked not at all', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, {
      children: [worker('nice', { onShutdown: 'cooperate' }), worker('stubborn', { onShutdown: 'ignore' }, { shutdown: 100 }), worker('brutal', {}, { shutdown: 'brutal_kill' })],
    });
    const stubborn = (await childIds(sup)).stubborn!;
    const heard = listen(node);

    const terminated = sup.call('terminate', {});
    await clock.advance(100);
    await within(terminated);

    expect(heard.lines).toEqual(['shutdown_error stubborn']);
    expect(heard.reports[0]!.details).toEqual({ child: 'stubborn', ref: stubborn, reason: 'killed' });
  });

  it('reports a child that had crashed when it was stopped with its own reason (OTP unlink_flush)', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { intensity: 0, children: [worker('a'), worker('b')] });
    const heard = listen(node);
    // terminate_child is queued behind a slow start; b crashes meanwhile, so its end is news to a
    // supervisor that already decided to stop it.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = sup.call('start_child', { id: 'slow', start: async (ctx) => (await gate, startWorker({ name: 'slow' })(ctx)) });
    const terminated = sup.call('terminate_child', { id: 'b' });
    node.exit(await childRef(sup, 'b'), BOOM);
    open();
    await slow;
    await terminated;

    expect(heard.lines).toEqual(['shutdown_error b']);
    expect(heard.reports[0]!.details).toMatchObject({ child: 'b', reason: BOOM });
  });

  it('reports a start_child whose start fails as start_error', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [] });
    const heard = listen(node);

    await expect(sup.call('start_child', worker('x', { failStart: () => true }))).rejects.toMatchObject({ code: 'crashed' });

    expect(heard.lines).toEqual(['start_error x']);
  });
});
