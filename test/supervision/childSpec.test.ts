// Child and supervisor specs: plain data with OTP's defaults, validated where they enter
// (OTP supervisor_SUITE: child_specs, sup_flags, sup_start_map).
import { describe, expect, it, afterEach } from '@jest/globals';
import { SupervisorInterface, isGlowError, supervisorKind, validate, type ChildSpec } from '../../src/index.js';
import { within } from '../helpers/waitFor.js';
import { childIds, childRef, manualClock, nodes, reasonText, subSupervisor, supervise, worker } from './fixtures.js';

const fleet = nodes();
afterEach(() => fleet.cleanup());

/** Whether `schema` accepts `value` (errors must be GlowError badarg). */
async function accepts(schema: Parameters<typeof validate>[0], value: unknown): Promise<boolean> {
  try {
    await validate(schema, value);
    return true;
  } catch (error) {
    if (!isGlowError(error) || error.code !== 'badarg') throw error;
    return false;
  }
}

const childSchema = SupervisorInterface.members.start_child.args;
const supervisorSchema = supervisorKind.args!;
const start = { kind: 'm', args: ['a'] };

describe('child specs', () => {
  it.each<[string, unknown]>([
    ['a kind start with args', { id: 'c1', start, restart: 'permanent', shutdown: 'infinity', type: 'supervisor' }],
    ['a numeric shutdown', { id: 'c2', start, restart: 'permanent', shutdown: 1000, type: 'supervisor' }],
    ['a temporary worker', { id: 'c3', start, restart: 'temporary', shutdown: 1000, type: 'worker' }],
    ['a transient worker', { id: 'c4', start, restart: 'transient', shutdown: 'brutal_kill' }],
    ['only id and start', { id: 'c5', start: { kind: 'm' } }],
    ['a start function', { id: 'c6', start: () => 'ignore' }],
    ['a shutdown of 0', { id: 'c7', start, shutdown: 0 }],
  ])('accepts %s', async (_, spec) => {
    expect(await accepts(childSchema, spec)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a missing id', { start }],
    ['an empty id', { id: '', start }],
    ['an id longer than 128', { id: 'x'.repeat(129), start }],
    ['a missing start', { id: 'c' }],
    ['a start that is neither a kind nor a function', { id: 'c', start: 'mfa' }],
    ['a misspelt restart type', { id: 'c', start, restart: 'prmanent' }],
    ['a negative shutdown', { id: 'c', start, shutdown: -10 }],
    ['a fractional shutdown', { id: 'c', start, shutdown: 1.5 }],
    ['a misspelt shutdown', { id: 'c', start, shutdown: 'brutal' }],
    ['a misspelt child type', { id: 'c', start, type: 'wrker' }],
    ['something that is not an object', 'hej'],
  ])('refuses %s', async (_, spec) => {
    expect(await accepts(childSchema, spec)).toBe(false);
  });

  it('refuses a bad spec given to start_child with badarg, leaving the supervisor as it was', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [worker('a')] });
    const before = await childIds(sup);
    const error: unknown = await sup.call('start_child', { id: 'b', start, shutdown: -10 } as ChildSpec).catch((e: unknown) => e);
    expect(isGlowError(error) && error.code).toBe('badarg');
    expect(await childIds(sup)).toEqual(before);
  });

  it('defaults to a permanent worker', async () => {
    const node = fleet.make();
    const sup = await supervise(node, { children: [{ id: 'w', start: { kind: 'test.worker', args: { name: 'w' } } }] });
    expect(await sup.call('which_children', {})).toEqual([{ id: 'w', ref: expect.any(String), type: 'worker', restart: 'permanent', status: 'running' }]);
  });

  it('gives a worker 5000 ms to shut down by default before killing it', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const sup = await supervise(node, { children: [worker('w', { onShutdown: 'ignore' })] });
    const down = node.down(await childRef(sup, 'w'));
    let ended = false;
    void down.then(() => (ended = true));

    // The call waits on the same clock: give it longer than the shutdown it waits for.
    const terminated = sup.call('terminate_child', { id: 'w' }, { timeout: 60_000 });
    await clock.advance(4999);
    expect(ended).toBe(false);
    expect((await sup.call('which_children', {}))[0]).toMatchObject({ ref: null, status: 'stopping' });

    await clock.advance(1);
    expect(reasonText((await within(down)).reason)).toBe('killed');
    expect(await terminated).toEqual({ terminated: true });
  });

  it('gives a supervisor child shutdown infinity by default: it is never killed by its parent', async () => {
    const clock = manualClock();
    const node = fleet.make({ clock });
    const top = await supervise(node, {
      children: [subSupervisor('sub', { children: [worker('w', { onShutdown: 'ignore' }, { shutdown: 60_000 })] })],
    });
    const sub = (await childIds(top)).sub!;
    const subDown = node.down(node.ref(sub));
    const terminated = top.call('terminate_child', { id: 'sub' }, { timeout: 120_000 });
    await clock.advance(60_000);
    await within(terminated);
    expect(reasonText((await subDown).reason)).toBe('shutdown');
  });
});

describe('supervisor specs', () => {
  it.each<[string, unknown]>([
    ['an empty spec (all defaults)', {}],
    ['every strategy', { strategy: 'rest_for_one', intensity: 2, period: 3600 }],
    ['intensity 0', { intensity: 0 }],
    ['a backoff', { backoff: { initial: 0, max: 100, factor: 1.5 } }],
    ['children', { children: [{ id: 'a', start }] }],
  ])('accepts %s', async (_, spec) => {
    expect(await accepts(supervisorSchema, spec)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['an unknown strategy', { strategy: 'none_for_one' }],
    ['simple_one_for_one (not supported)', { strategy: 'simple_one_for_one' }],
    ['a negative intensity', { intensity: -1 }],
    ['an infinite intensity', { intensity: Infinity }],
    ['a period of 0', { period: 0 }],
    ['a period that is not a number', { period: 'infinity' }],
    ['a backoff factor below 1', { backoff: { initial: 10, max: 100, factor: 0.5 } }],
    ['a negative backoff', { backoff: { initial: -1, max: 100 } }],
    ['a bad child', { children: [{ id: 'a', start, restart: 'sometimes' }] }],
  ])('refuses %s', async (_, spec) => {
    expect(await accepts(supervisorSchema, spec)).toBe(false);
  });
});
