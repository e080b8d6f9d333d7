import * as v from 'valibot';
import { Node, defineInterface, method, isGlowError } from '../src/index.js';

// An interface, declared once: it types the handlers and the callers, and validates calls.
const Counter = defineInterface('example.Counter/1', {
  add: method(v.object({ by: v.number() }), v.number()),
});

export async function main(): Promise<string[]> {
  const node = new Node();
  let total = 0;
  const counter = node.spawnResource({ iface: Counter, handlers: { add: ({ by }) => (total += by) } });

  const lines = [`${counter} = ${await counter.call('add', { by: 2 })}`];
  try {
    await counter.call('add', { by: 'two' } as never); // checked at run time too
  } catch (error) {
    if (isGlowError(error)) lines.push(`error ${error.code}: ${error.message}`);
  }
  await node.shutdown();
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await main()).join('\n'));
