import { setup } from 'xstate';
import { compileMachine } from './transitionTable.js';

/** The states of a resource's cell. */
export type CellState = 'running' | 'draining' | 'exited';

/** What moves a cell from one state to the next. */
export type CellEvent = 'exitSoon' | 'exit' | 'drained' | 'deadline';

/** What the cell does on a transition. */
export type CellAction = 'drain' | 'teardown';

/**
 * The lifecycle of every resource (its cell).
 *
 * States:
 * - `running`: messages are accepted, queued and handled.
 * - `draining`: the resource asked to end (`ctx.exit`) while handling a message; what is in
 *   progress may still answer its callers, nothing new starts.
 * - `exited` (final): the actor is stopped; what was in progress failed (`crashed` after a
 *   crash, `noproc` otherwise), what waited failed with `noproc`, monitors and links fired.
 *
 * Events:
 * - `exitSoon` (running → draining, action `drain`: wait for what is in progress, at most one
 *   macrotask);
 * - `exit` (running or draining → exited, action `teardown`): a kill, a crash, an exit signal;
 * - `drained` (draining → exited, `teardown`): nothing is in progress any more;
 * - `deadline` (draining → exited, `teardown`): a handler took longer than one macrotask.
 *
 * Every other pair is not a transition: a second exit, an exit of an exited cell, a late
 * `drained` do nothing, by the machine's shape rather than by checks in the cell.
 */
export const cellLifecycle = setup({
  types: { events: {} as { type: CellEvent } },
  // Implemented by the cell: the machine only names them (see `compileMachine`).
  actions: { drain: () => undefined, teardown: () => undefined },
}).createMachine({
  id: 'cell',
  initial: 'running',
  states: {
    running: {
      on: {
        exitSoon: { target: 'draining', actions: 'drain' },
        exit: { target: 'exited' },
      },
    },
    draining: {
      on: { exit: 'exited', drained: 'exited', deadline: 'exited' },
    },
    exited: { type: 'final', entry: 'teardown' },
  },
});

/** The lifecycle as a table the cells follow (compiled once, shared by every cell). */
export const CELL_LIFECYCLE = compileMachine<CellState, CellEvent, CellAction>(cellLifecycle);
