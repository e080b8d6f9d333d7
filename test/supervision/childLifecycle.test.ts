// One child's lifecycle machine on its own: the states which_children shows, the timers it
// keeps on the clock it is given, and the events it ignores where they would be illegal.
import { afterAll, describe, expect, it } from '@jest/globals';
import { ManualClock, Node, type AnyResourceRef, type ChildSpec } from '../../src/index.js';
import { childStatus, startChildLifecycle, type ChildLifecycle } from '../../src/supervision/childLifecycle.js';

const node = new Node();
afterAll(() => node.shutdown());

/** A ref that stands for the child's process; the machine only passes it to its effects. */
const childProcess: AnyResourceRef = node.ref({ node: node.id, local: 'child-process' });

/** A lifecycle on a manual clock that logs what it asks of its supervisor. */
function lifecycle(spec: Partial<ChildSpec> = {}): { life: ChildLifecycle; clock: ManualClock; asked: string[] } {
  const clock = new ManualClock();
  const asked: string[] = [];
  const life = startChildLifecycle(
    {
      spec: { id: 'c', start: () => 'ignore', ...spec },
      effects: { exit: (_ref, reason) => asked.push(`exit:${reason}`), due: () => asked.push('due') },
    },
    clock,
  );
  return { life, clock, asked };
}

/** Where the machine is, as `state.substate`. */
function state(life: ChildLifecycle): string {
  const value = life.getSnapshot().value;
  return typeof value === 'string' ? value : Object.entries(value).map(([parent, child]) => `${parent}.${String(child)}`)[0]!;
}

function running(spec: Partial<ChildSpec> = {}) {
  const made = lifecycle(spec);
  made.life.send({ type: 'START' });
  made.life.send({ type: 'STARTED', ref: childProcess });
  return made;
}

describe('child lifecycle', () => {
  it('starts stopped, runs once started, and shows its process only while it runs', () => {
    const { life } = lifecycle();
    expect([state(life), childStatus(life)]).toEqual(['stopped', 'stopped']);
    life.send({ type: 'START' });
    expect([state(life), childStatus(life)]).toEqual(['starting', 'restarting']);
    life.send({ type: 'STARTED', ref: childProcess });
    expect([state(life), childStatus(life), life.getSnapshot().context.ref]).toEqual(['running', 'running', childProcess]);
    life.send({ type: 'EXITED', reason: 'killed' });
    expect([state(life), childStatus(life)]).toEqual(['exited.restarting', 'restarting']);
  });

  it('shows an exit that its restart type does not restart as stopped at once', () => {
    const { life } = running({ restart: 'transient' });
    life.send({ type: 'EXITED', reason: 'normal' });
    expect([state(life), childStatus(life)]).toEqual(['exited.staying', 'stopped']);
    life.send({ type: 'KEEP' });
    expect([state(life), life.getSnapshot().context.ref]).toEqual(['stopped', undefined]);
  });

  it('waits its backoff on the clock it was given, then says the restart is due', async () => {
    const { life, clock, asked } = running();
    life.send({ type: 'EXITED', reason: 'killed' });
    life.send({ type: 'RESTART', delay: 1000 });
    expect([state(life), clock.pending]).toEqual(['restarting.backoff', 1]);

    await clock.advance(999);
    expect(asked).toEqual([]);
    await clock.advance(1);
    expect([state(life), asked]).toEqual(['restarting.due', ['due']]);
  });

  it('is due at once for a restart without delay, setting no timer', () => {
    const { life, clock, asked } = running();
    life.send({ type: 'EXITED', reason: 'killed' });
    life.send({ type: 'RESTART', delay: 0 });
    expect([state(life), asked, clock.pending]).toEqual(['restarting.due', ['due'], 0]);
  });

  it('cancels its backoff timer when stopped', () => {
    const { life, clock } = running();
    life.send({ type: 'EXITED', reason: 'killed' });
    life.send({ type: 'RESTART', delay: 60_000 });
    life.send({ type: 'STOP' });
    expect([state(life), clock.pending]).toEqual(['stopped', 0]);
  });

  it('asks its process to stop, then kills it after its shutdown time', async () => {
    const { life, clock, asked } = running({ shutdown: 300 });
    life.send({ type: 'STOP' });
    expect([state(life), childStatus(life), asked]).toEqual(['stopping.asking', 'stopping', ['exit:shutdown']]);
    await clock.advance(299);
    expect(asked).toEqual(['exit:shutdown']);
    await clock.advance(1);
    expect([state(life), asked]).toEqual(['stopping.killing', ['exit:shutdown', 'exit:kill']]);
    life.send({ type: 'DOWN', reason: 'killed' });
    expect([state(life), life.getSnapshot().context.reason]).toEqual(['stopped', 'killed']);
  });

  it('kills at once with brutal_kill, and never with infinity', async () => {
    const brutal = running({ shutdown: 'brutal_kill' });
    brutal.life.send({ type: 'STOP' });
    expect(brutal.asked).toEqual(['exit:kill']);

    const patient = running({ shutdown: 'infinity' });
    patient.life.send({ type: 'STOP' });
    await patient.clock.advance(24 * 3600_000);
    expect([state(patient.life), patient.asked, patient.clock.pending]).toEqual(['stopping.waiting', ['exit:shutdown'], 0]);
  });

  it('keeps the reason of an EXIT that came while stopping over the DOWN that says noproc', () => {
    const { life } = running();
    life.send({ type: 'STOP' });
    life.send({ type: 'EXITED', reason: { error: { code: 'crashed', message: 'boom' } } });
    life.send({ type: 'DOWN', reason: 'noproc' });
    expect(life.getSnapshot().context.reason).toEqual({ error: { code: 'crashed', message: 'boom' } });
  });

  it('ignores events where they would be illegal', () => {
    const stopped = lifecycle();
    stopped.life.send({ type: 'EXITED', reason: 'killed' }); // a late EXIT cannot revive it
    stopped.life.send({ type: 'STARTED', ref: childProcess }); // nor can a start it did not ask for
    expect(state(stopped.life)).toBe('stopped');

    const waiting = running();
    waiting.life.send({ type: 'RESTART', delay: 0 }); // a running child is not restarted
    expect(state(waiting.life)).toBe('running');
    waiting.life.send({ type: 'EXITED', reason: 'killed' });
    waiting.life.send({ type: 'RESTART', delay: 5000 });
    waiting.life.send({ type: 'START' }); // not before its backoff is over
    expect(state(waiting.life)).toBe('restarting.backoff');
  });
});
