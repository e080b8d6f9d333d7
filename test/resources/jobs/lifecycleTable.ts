// The whole transition table of a lifecycle: for each state, each event it accepts and where it
// leads. Tests compare it with the table written out by hand, so any transition added or lost
// shows as a diff.
import type { Lifecycle } from '../../../src/resources/jobs/lifecycle.js';

export function transitionTable<S extends string, E extends { type: string }>(lifecycle: Lifecycle<S, E, string>, states: readonly S[], events: readonly E['type'][]): Record<string, Record<string, string>> {
  const table: Record<string, Record<string, string>> = {};
  for (const state of states) {
    table[state] = {};
    for (const type of events) {
      const next = lifecycle.next(state, { type } as E);
      if (next !== undefined) table[state][type] = next;
    }
  }
  return table;
}
