/**
 * Scheduling by event-loop turn. Batching writes what was sent right after the code that sent
 * it: in Node on `process.nextTick` (a task's synchronous sends go out together, and the sends
 * of its microtasks together once those drained), in browsers at the next turn. Pacing
 * continues at the next turn. A microtask would flush too early (before the later microtasks of
 * the same task), a timer too late (timers are clamped).
 */

type Callback = () => void;

let channelQueue: Callback[] | undefined;
let port: { postMessage(message: unknown): void } | undefined;

function viaMessageChannel(callback: Callback): void {
  if (!channelQueue) {
    channelQueue = [];
    const channel = new MessageChannel();
    // Typed loosely: Node's MessagePort typings lack `onmessage`, and this path serves browsers.
    (channel.port1 as unknown as { onmessage: () => void }).onmessage = () => {
      const run = channelQueue!.splice(0);
      for (const fn of run) fn();
    };
    port = channel.port2;
  }
  if (channelQueue.push(callback) === 1) port!.postMessage(0);
}

/**
 * Runs `callback` at the start of the next event-loop turn: `setImmediate` in Node, a
 * `MessageChannel` message in browsers (not clamped like `setTimeout(0)`).
 */
export function nextTurn(callback: Callback): void {
  if (typeof setImmediate === 'function') setImmediate(callback);
  else viaMessageChannel(callback);
}

/** Lets a timer not keep Node alive by itself (no-op in browsers). */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

// Looked up through globalThis: this file is also built for browsers, which have no `process`.
const nodeProcess = (globalThis as { process?: { nextTick?(callback: Callback): void } }).process;
const nextTick = typeof nodeProcess?.nextTick === 'function' ? nodeProcess.nextTick.bind(nodeProcess) : undefined;

/**
 * Runs `callback` once the current task's code is done, before the event loop moves on:
 * `process.nextTick` in Node (what a send queues from a microtask waits for the microtasks to
 * drain), `nextTurn` in browsers. Measured over one WebSocket hop, flushing here rather than at
 * the next turn's `setImmediate` saves ~2 µs of a ~32 µs round trip: no immediate to arm and
 * disarm, and no extra call into JavaScript from the loop's check phase.
 */
export function afterThisTask(callback: Callback): void {
  if (nextTick) nextTick(callback);
  else nextTurn(callback);
}
