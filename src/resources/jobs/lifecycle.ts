import { transition, type AnyMachineSnapshot, type AnyStateMachine, type EventFromLogic, type SnapshotFrom, type StateValueFrom, type TagsFrom } from 'xstate';

/** A record whose state only a {@link Lifecycle} moves. */
export interface LifecycleRecord<State extends string> {
  readonly state: State;
}

/**
 * A flat xstate machine applied to plain records (jobs, steps, attempts): a record keeps its
 * state as the string the journal stores, and the machine decides every move. An event the
 * record's state does not accept leaves it where it is — that is how an illegal transition
 * (a result for an attempt already `superseded`) cannot happen, rather than being checked.
 */
export interface Lifecycle<State extends string, Event extends { type: string }, Tag extends string> {
  /** The state after `event`, or undefined when `state` does not accept it. */
  next(state: State, event: Event): State | undefined;
  /** Whether `state` accepts `event`. */
  accepts(state: State, event: Event): boolean;
  /**
   * Moves `record` by `event`: true when its state accepted the event (and `record.state` is the
   * new state), false when it did not move. The only writer of a record's state.
   */
  move(record: LifecycleRecord<State>, event: Event): boolean;
  /** Whether `state` carries `tag` (e.g. an attempt's `live`). */
  hasTag(state: State, tag: Tag): boolean;
  /** Whether `state` is final: it accepts no event ever again. */
  isFinal(state: State): boolean;
}

/**
 * Wraps a flat machine (states without children, no context) for records of plain data, with
 * xstate's pure `transition`: the snapshot of a stored state is `machine.resolveState({ value })`,
 * so a record loaded from the journal after a restart is moved exactly like one made in memory.
 */
export function lifecycle<M extends AnyStateMachine>(machine: M): Lifecycle<StateValueFrom<M> & string, EventFromLogic<M>, TagsFrom<M> & string> {
  type State = StateValueFrom<M> & string;
  // Snapshots are immutable: one per state serves every record in that state.
  const snapshots = new Map<State, AnyMachineSnapshot>();
  const snapshot = (state: State): AnyMachineSnapshot => {
    const found = snapshots.get(state);
    if (found) return found;
    // The machines have no context: a record's data stays in the record.
    const resolved: AnyMachineSnapshot = machine.resolveState({ value: state, context: {} });
    snapshots.set(state, resolved);
    return resolved;
  };
  const next = (state: State, event: EventFromLogic<M>): State | undefined => {
    const from = snapshot(state);
    // `can`: the state has a transition for the event (a self-transition, like a pending step's
    // `reset`, counts although the snapshot stays the same).
    if (!from.can(event)) return undefined;
    const [to] = transition(machine, from as SnapshotFrom<M>, event);
    return (to as AnyMachineSnapshot).value as State;
  };
  return {
    next,
    accepts: (state, event) => next(state, event) !== undefined,
    move(record, event) {
      const to = next(record.state, event);
      if (to === undefined) return false;
      (record as { state: State }).state = to;
      return true;
    },
    hasTag: (state, tag) => snapshot(state).hasTag(tag),
    isFinal: (state) => snapshot(state).status === 'done',
  };
}
