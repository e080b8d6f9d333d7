/**
 * Scheduling by event-loop turn. Batching collects what was sent during one turn (including its
 * microtasks) and writes it afterwards; pacing continues the next turn. A microtask would flush
 * too early (before later microtasks of the same turn), a timer too late (timers are clamped).
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
