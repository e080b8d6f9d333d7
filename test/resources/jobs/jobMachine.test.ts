import { JobStateSchema } from '../../../src/resources/jobs/interfaces.js';
import { jobLifecycle, jobMachine } from '../../../src/resources/jobs/jobMachine.js';
import { transitionTable } from './lifecycleTable.js';

const states = JobStateSchema.options;
const events = ['start', 'finish', 'fail', 'reschedule', 'cancel'] as const;

test('has exactly the job states of the wire and the journal', () => {
  expect(Object.keys(jobMachine.root.states).sort()).toEqual([...states].sort());
});

test('moves only along the documented transitions; an ended job accepts nothing', () => {
  expect(transitionTable(jobLifecycle, states, events)).toEqual({
    scheduled: { start: 'running', cancel: 'cancelled' },
    running: { finish: 'done', fail: 'failed', reschedule: 'scheduled', cancel: 'cancelled' },
    done: {},
    failed: {},
    cancelled: {},
  });
  expect(states.filter((state) => jobLifecycle.isFinal(state))).toEqual(['done', 'failed', 'cancelled']);
});
