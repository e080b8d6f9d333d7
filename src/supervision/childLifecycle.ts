import { assign, createActor, setup, type Actor } from 'xstate';
import type { AnyResourceRef } from '../actors/ref.js';
import type { ExitReason } from '../actors/types.js';
import type { Clock } from '../firefly/clock.js';
import { restartsAfter, shutdownOf, type ChildSpec } from './childSpec.js';

/** What `which_children` says a child is doing. */
export type ChildStatus = 'running' | 'restarting' | 'stopping' | 'stopped';

/** What a child's lifecycle asks of its supervisor. */
export interface ChildEffects {
  /** Sends the child's process an exit signal: `shutdown` to ask it to stop, `kill` to end it. */
  exit(ref: AnyResourceRef, reason: 'shutdown' | 'kill'): void;
  /** The child's restart is due: the supervisor starts it when its turn comes. */
  due(): void;
}

/** The machine's input. */
export interface ChildInput {
  readonly spec: ChildSpec;
  readonly effects: ChildEffects;
}

interface ChildContext extends ChildInput {
  /** The child's process, from `STARTED` until its end is known (`DOWN`, or a decision after `EXITED`). */
  ref?: AnyResourceRef;
  /** How its last process ended, once known. */
  reason?: ExitReason;
  /** The wait before the next restart, ms. */
  delay: number;
}

/** The events of {@link childLifecycle}; the supervisor sends them, in the order things happen. */
export type ChildEvent =
  /** Start it now (first start, `restart_child`, or its restart is due). */
  | { type: 'START' }
  /** Its start function answered with a process. */
  | { type: 'STARTED'; ref: AnyResourceRef }
  /** Its start function answered `ignore`: no process, the spec is kept. */
  | { type: 'IGNORED' }
  /** Its start function failed. */
  | { type: 'FAILED' }
  /** Its process ended by itself (an `EXIT` arrived); the supervisor decides in turn. */
  | { type: 'EXITED'; reason: ExitReason }
  /** Stop it: ask its process to stop (or kill it), or cancel its restart. */
  | { type: 'STOP' }
  /** The process being stopped has ended. */
  | { type: 'DOWN'; reason: ExitReason }
  /** Start it again after `delay` ms (0: as soon as its turn comes). */
  | { type: 'RESTART'; delay: number }
  /** It ended and stays down (a transient child that ended cleanly). */
  | { type: 'KEEP' };

/**
 * One child of a supervisor, from its start to its last stop (OTP's child record, as a
 * machine). Time is the machine's own: the restart backoff and the kill after the shutdown
 * time are delayed transitions on the clock the actor is created with (the node's), so leaving
 * the state cancels the timer and a test moves the clock instead of waiting.
 *
 * States (the tag each has is its {@link ChildStatus}):
 * - `stopped` (stopped): no process; the spec is kept. `START` → `starting`; `RESTART` → `restarting`.
 * - `starting` (restarting): its start function runs. `STARTED` → `running`; `IGNORED`, `FAILED` → `stopped`.
 * - `running` (running): its process runs. `EXITED` → `exited`; `STOP` → `stopping`.
 * - `exited`: its process ended by itself; the decision waits for the supervisor's earlier
 *   operations. `exited.restarting` (restarting) when its restart type restarts it after this
 *   reason, else `exited.staying` (stopped). `RESTART` → `restarting`; `KEEP`, `STOP` → `stopped`.
 * - `stopping` (stopping): it was sent exit `shutdown` (`stopping.asking`, then `stopping.killing`
 *   after its shutdown time; `stopping.waiting` for `infinity`) or killed at once
 *   (`brutal_kill`: `stopping.killing`). `EXITED` records the reason of a process that had
 *   already ended (OTP's unlink_flush); `DOWN` → `stopped`.
 * - `restarting` (restarting): `restarting.backoff` waits `delay` on the clock (entered
 *   straight at `restarting.due` when `delay` is 0), then `restarting.due` tells the
 *   supervisor. `START` (from `due` only) → `starting`; `STOP` → `stopped`.
 *
 * Any other event is ignored where it is not listed: a late `EXITED` cannot revive a child
 * that was stopped, a pending restart cannot start a running one.
 */
export const childLifecycle = setup({
  types: {
    context: {} as ChildContext,
    events: {} as ChildEvent,
    input: {} as ChildInput,
    tags: {} as ChildStatus,
  },
  actions: {
    askToStop: ({ context }) => context.effects.exit(context.ref!, 'shutdown'),
    kill: ({ context }) => context.effects.exit(context.ref!, 'kill'),
    due: ({ context }) => context.effects.due(),
    forgetProcess: assign({ ref: undefined }),
  },
  guards: {
    brutal: ({ context }) => shutdownOf(context.spec) === 'brutal_kill',
    patient: ({ context }) => shutdownOf(context.spec) === 'infinity',
    restarts: ({ context, event }) => event.type === 'EXITED' && restartsAfter(context.spec, event.reason),
    now: ({ event }) => event.type === 'RESTART' && event.delay <= 0,
  },
  delays: {
    shutdown: ({ context }) => shutdownOf(context.spec) as number,
    backoff: ({ context }) => context.delay,
  },
}).createMachine({
  id: 'child',
  context: ({ input }) => ({ ...input, delay: 0 }),
  initial: 'stopped',
  states: {
    stopped: {
      tags: 'stopped',
      entry: 'forgetProcess',
      on: {
        START: 'starting',
        RESTART: [
          { guard: 'now', target: 'restarting.due' },
          { target: 'restarting.backoff', actions: assign({ delay: ({ event }) => event.delay }) },
        ],
      },
    },
    starting: {
      tags: 'restarting',
      entry: assign({ ref: undefined, reason: undefined }),
      on: {
        STARTED: { target: 'running', actions: assign({ ref: ({ event }) => event.ref }) },
        IGNORED: 'stopped',
        FAILED: 'stopped',
      },
    },
    running: {
      tags: 'running',
      on: {
        EXITED: [
          { guard: 'restarts', target: 'exited.restarting', actions: assign({ reason: ({ event }) => event.reason }) },
          { target: 'exited.staying', actions: assign({ reason: ({ event }) => event.reason }) },
        ],
        STOP: [{ guard: 'brutal', target: 'stopping.killing' }, { guard: 'patient', target: 'stopping.waiting' }, { target: 'stopping.asking' }],
      },
    },
    exited: {
      // Always entered through one of its states; `initial` is xstate's requirement only.
      initial: 'restarting',
      states: {
        restarting: { tags: 'restarting' },
        staying: { tags: 'stopped' },
      },
      on: {
        RESTART: [
          { guard: 'now', target: 'restarting.due' },
          { target: 'restarting.backoff', actions: assign({ delay: ({ event }) => event.delay }) },
        ],
        KEEP: 'stopped',
        STOP: 'stopped',
      },
    },
    stopping: {
      tags: 'stopping',
      initial: 'asking',
      states: {
        asking: { entry: 'askToStop', after: { shutdown: 'killing' } },
        waiting: { entry: 'askToStop' },
        killing: { entry: 'kill' },
      },
      on: {
        EXITED: { actions: assign({ reason: ({ event }) => event.reason }) },
        // The EXIT's reason, when one came, is the true one: the DOWN of a process that had
        // already ended says only noproc.
        DOWN: { target: 'stopped', actions: assign({ reason: ({ context, event }) => context.reason ?? event.reason }) },
      },
    },
    restarting: {
      tags: 'restarting',
      entry: 'forgetProcess',
      initial: 'backoff',
      states: {
        backoff: { after: { backoff: 'due' } },
        due: { entry: 'due', on: { START: '#child.starting' } },
      },
      on: { STOP: 'stopped' },
    },
  },
});

/** A running {@link childLifecycle}. */
export type ChildLifecycle = Actor<typeof childLifecycle>;

/** Starts a child's lifecycle (in `stopped`) with its timers on `clock`. */
export function startChildLifecycle(input: ChildInput, clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>): ChildLifecycle {
  return createActor(childLifecycle, { input, clock }).start();
}

/** What `which_children` shows for a child: its status, and its process only while it runs. */
export function childStatus(child: ChildLifecycle): ChildStatus {
  const snapshot = child.getSnapshot();
  for (const status of ['running', 'restarting', 'stopping', 'stopped'] as const) if (snapshot.hasTag(status)) return status;
  // A stopped actor (its supervisor ended) has no state left to tag.
  return 'stopped';
}
