import { GlowError, Node, type NodeOptions, type ResourceRef } from '../../src/index.js';
import { within } from '../helpers/waitFor.js';

export { within };

/** A promise the test opens when it chooses: a handler awaits it to stay "busy". */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * Creates nodes that are shut down after each test of the file that calls it, so that every
 * test ends what it started.
 */
export function useNodes(): (options?: NodeOptions) => Node {
  const created: Node[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((node) => node.shutdown({ timeout: 1000 })));
  });
  return (options) => {
    const node = new Node(options);
    created.push(node);
    return node;
  };
}

/** The GlowError `promise` rejects with (bounded); fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>, ms = 1000): Promise<GlowError> {
  let value: unknown;
  try {
    value = await within(promise, ms);
  } catch (error) {
    if (error instanceof GlowError) return error;
    throw error;
  }
  throw new Error(`expected a GlowError, but the promise resolved with ${JSON.stringify(value)}`);
}

/** Lets pending microtasks and I/O callbacks run: one turn of the event loop. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits until `condition` holds, checking after each event-loop turn; fails after `turns` turns. */
export async function until(condition: () => boolean, turns = 1000, what = 'the condition'): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await turn();
  }
  throw new Error(`${what} did not hold after ${turns} event-loop turns`);
}

/** Milliseconds `promise` takes to settle, and how it settled. */
export async function timed(promise: Promise<unknown>): Promise<{ ms: number; error?: GlowError; value?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    if (!(error instanceof GlowError)) throw error;
    return { ms: performance.now() - start, error };
  }
}

/**
 * A ref that accepts any member name and arguments, as a generic client (or a hostile peer)
 * sends them. `node.ref(id)` without an interface is typed by `InterfaceDef`, whose method
 * names are `never`, so the cast is needed to send names the interface does not declare.
 */
export function untyped(ref: ResourceRef): ResourceRef<any> {
  return ref as ResourceRef<any>;
}
