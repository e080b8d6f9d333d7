/**
 * Process kinds a tab can run (spawned from the UI or from any node: `glow spawn tab.hash --on
 * <tab id>`): `tab.hash` hashes text with WebCrypto, `tab.counter` keeps a number.
 */
import * as v from 'valibot';
import { processInterface } from '../../../src/actors/interfaces.js';
import type { ProcessKind } from '../../../src/actors/process.js';
import { method } from '../../../src/firefly/idl.js';

/** `glow.tab.Hash/1`. */
export const HashInterface = processInterface('glow.tab.Hash/1', {
  sha256: method(v.object({ text: v.pipe(v.string(), v.maxLength(1 << 20)) }), v.string(), {
    description: 'the SHA-256 of the UTF-8 of `text`, hex, computed in the browser tab (WebCrypto)',
  }),
  where: method(v.object({}), v.string(), { description: 'the id of the tab node it runs on' }),
});

/** `glow.tab.Counter/1`. */
export const TabCounterInterface = processInterface('glow.tab.Counter/1', {
  add: method(v.object({ by: v.number() }), v.number(), { description: 'adds `by` and answers the new total' }),
  get: method(v.object({}), v.number(), { description: 'the total' }),
});

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** `tab.hash`. */
export const hashKind: ProcessKind<Record<string, never>> = {
  name: 'tab.hash',
  description: 'SHA-256 of text, computed by WebCrypto in the tab (glow.tab.Hash/1)',
  args: v.object({}),
  interface: HashInterface,
  start(ctx) {
    return { handlers: { sha256: ({ text }: { text: string }) => sha256Hex(text), where: () => ctx.node.id } };
  },
};

/** `tab.counter`. */
export const tabCounterKind: ProcessKind<{ initial?: number }> = {
  name: 'tab.counter',
  description: 'a number kept in the tab (glow.tab.Counter/1)',
  args: v.object({ initial: v.optional(v.number()) }),
  interface: TabCounterInterface,
  start(_ctx, { initial }) {
    let total = initial ?? 0;
    return { handlers: { add: ({ by }: { by: number }) => (total += by), get: () => total } };
  },
};

/** Every kind a tab registers. */
export const tabKinds: readonly ProcessKind[] = [hashKind, tabCounterKind];
