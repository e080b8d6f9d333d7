import { initialTransition, transition, type AnyStateMachine } from 'xstate';

/** Where an event leads from one state, and the named actions to run on the way. */
export interface TableStep<S extends string = string, A extends string = string> {
  readonly target: S;
  readonly actions: readonly A[];
}

/** A flat machine as a lookup table: the machine decides, the table only remembers its answers. */
export interface TransitionTable<S extends string = string, E extends string = string, A extends string = string> {
  /** The initial state. */
  readonly initial: S;
  /** What `event` does in `state`; undefined when that state does not accept it. */
  step(state: S, event: E): TableStep<S, A> | undefined;
}

/**
 * Compiles a flat xstate machine — top-level states only, no guards, no decisions on context —
 * into a table of (state, event) → (target, actions), by asking xstate's pure `transition` once
 * for every pair at load time. The machine stays the one definition of the lifecycle (its states,
 * its events, which event is legal where); the table makes following it cost a property lookup.
 * Why not call `transition` per event: it builds a throwaway actor on every call (measured
 * ~24 µs here), too much for something every resource goes through.
 *
 * An event a state does not accept has no entry: the caller does nothing, so an illegal
 * transition cannot happen rather than being checked for.
 */
export function compileMachine<S extends string, E extends string, A extends string>(machine: AnyStateMachine): TransitionTable<S, E, A> {
  const states = Object.keys(machine.root.states) as S[];
  const events = machine.root.events as E[];
  const table = new Map<S, Map<E, TableStep<S, A>>>();
  for (const state of states) {
    if (Object.keys(machine.root.states[state]!.states).length > 0) throw new Error(`compileMachine: ${state} has child states`);
    const row = new Map<E, TableStep<S, A>>();
    const snapshot = machine.resolveState({ value: state, context: undefined });
    for (const event of events) {
      const [next, actions] = transition(machine, snapshot, { type: event });
      const target = next.value as S;
      if (target === state && actions.length === 0) continue;
      row.set(event, Object.freeze({ target, actions: Object.freeze(actions.map((action) => action.type as A)) }));
    }
    table.set(state, row);
  }
  const initial = initialTransition(machine)[0].value as S;
  return { initial, step: (state, event) => table.get(state)?.get(event) };
}
