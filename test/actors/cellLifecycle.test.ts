/**
 * A resource's lifecycle (src/actors/cellLifecycle.ts) is an xstate machine, compiled once into
 * the table every cell follows (src/actors/transitionTable.ts): what it accepts in each state is
 * all a cell can do, and everything else is not a transition.
 */
import { setup } from 'xstate';
import { CELL_LIFECYCLE, cellLifecycle, type CellEvent, type CellState } from '../../src/actors/cellLifecycle.js';
import { compileMachine } from '../../src/actors/transitionTable.js';

const STATES: CellState[] = ['running', 'draining', 'exited'];
const EVENTS: CellEvent[] = ['exitSoon', 'exit', 'drained', 'deadline'];

test('starts running, and these are its only transitions', () => {
  expect(CELL_LIFECYCLE.initial).toBe('running');
  const transitions = STATES.flatMap((state) =>
    EVENTS.flatMap((event) => {
      const step = CELL_LIFECYCLE.step(state, event);
      return step ? [`${state} --${event}--> ${step.target} [${step.actions.join(', ')}]`] : [];
    }),
  );
  expect(transitions).toEqual([
    'running --exitSoon--> draining [drain]',
    'running --exit--> exited [teardown]',
    'draining --exit--> exited [teardown]',
    'draining --drained--> exited [teardown]',
    'draining --deadline--> exited [teardown]',
  ]);
});

test('an exited cell accepts nothing: a second exit cannot tear it down twice', () => {
  for (const event of EVENTS) expect(CELL_LIFECYCLE.step('exited', event)).toBeUndefined();
  expect(cellLifecycle.getStateNodeById('cell.exited').type).toBe('final');
});

test('the compiled table follows the machine it was compiled from, not a copy of it', () => {
  const toggle = setup({ types: { events: {} as { type: 'flip' } | { type: 'noop' } }, actions: { count: () => undefined } }).createMachine({
    id: 'toggle',
    initial: 'off',
    states: { off: { on: { flip: { target: 'on', actions: 'count' } } }, on: { on: { flip: 'off' } } },
  });
  const table = compileMachine<'off' | 'on', 'flip' | 'noop', 'count'>(toggle);
  expect(table.initial).toBe('off');
  expect(table.step('off', 'flip')).toEqual({ target: 'on', actions: ['count'] });
  expect(table.step('on', 'flip')).toEqual({ target: 'off', actions: [] });
  expect(table.step('off', 'noop')).toBeUndefined();
});

test('refuses machines with child states, whose transitions a flat table cannot hold', () => {
  const nested = setup({}).createMachine({ id: 'nested', initial: 'a', states: { a: { initial: 'x', states: { x: {} } } } });
  expect(() => compileMachine(nested)).toThrow('a has child states');
});
