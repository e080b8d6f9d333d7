import { attemptLifecycle, attemptMachine } from '../../../src/resources/jobs/attemptMachine.js';
import { AttemptStateSchema } from '../../../src/resources/jobs/interfaces.js';
import type { AttemptRecord } from '../../../src/resources/jobs/records.js';
import { transitionTable } from './lifecycleTable.js';

const states = AttemptStateSchema.options;
const events = ['started', 'result', 'fail', 'lose', 'supersede', 'cancel'] as const;

test('has exactly the attempt states of the wire and the journal', () => {
  expect(Object.keys(attemptMachine.root.states).sort()).toEqual([...states].sort());
});

test('moves only along the documented transitions; a lost attempt accepts only its result', () => {
  expect(transitionTable(attemptLifecycle, states, events)).toEqual({
    starting: { started: 'running', result: 'done', fail: 'failed', lose: 'lost', supersede: 'superseded', cancel: 'cancelled' },
    running: { result: 'done', fail: 'failed', lose: 'lost', supersede: 'superseded', cancel: 'cancelled' },
    lost: { result: 'done' },
    done: {},
    failed: {},
    superseded: {},
    cancelled: {},
  });
});

test('only starting and running are live; the ended states but lost are final', () => {
  expect(states.filter((state) => attemptLifecycle.hasTag(state, 'live'))).toEqual(['starting', 'running']);
  expect(states.filter((state) => attemptLifecycle.isFinal(state))).toEqual(['done', 'failed', 'superseded', 'cancelled']);
});

test('moves a record loaded from the journal, and leaves it as it was when its state refuses the event', () => {
  const attempt: AttemptRecord = { key: 'j.1.a.1', step: 'a', run: 1, n: 1, state: 'lost', startedAt: 0 };
  expect(attemptLifecycle.move(attempt, { type: 'fail' })).toBe(false);
  expect(attempt.state).toBe('lost');
  expect(attemptLifecycle.move(attempt, { type: 'result' })).toBe(true);
  expect(attempt.state).toBe('done');
  expect(attemptLifecycle.move(attempt, { type: 'result' })).toBe(false);
  expect(attempt.state).toBe('done');
});
