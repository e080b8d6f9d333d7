import { StepStateSchema } from '../../../src/resources/jobs/interfaces.js';
import { stepLifecycle, stepMachine } from '../../../src/resources/jobs/stepMachine.js';
import { transitionTable } from './lifecycleTable.js';

const states = StepStateSchema.options;
const events = ['ready', 'place', 'retry', 'result', 'fail', 'stop', 'cancel', 'reset'] as const;

test('has exactly the step states of the wire and the journal', () => {
  expect(Object.keys(stepMachine.root.states).sort()).toEqual([...states].sort());
});

test('moves only along the documented transitions; a step with a result keeps it until the next run', () => {
  expect(transitionTable(stepLifecycle, states, events)).toEqual({
    pending: { ready: 'waiting', stop: 'cancelled', cancel: 'cancelled', reset: 'pending' },
    waiting: { place: 'running', result: 'done', fail: 'failed', stop: 'cancelled', cancel: 'cancelled' },
    running: { retry: 'waiting', result: 'done', fail: 'failed', stop: 'cancelled', cancel: 'cancelled' },
    done: { reset: 'pending' },
    failed: { cancel: 'cancelled', reset: 'pending' },
    cancelled: { reset: 'pending' },
  });
  expect(states.filter((state) => stepLifecycle.isFinal(state))).toEqual([]);
});
