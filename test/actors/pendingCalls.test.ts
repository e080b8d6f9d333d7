import { PendingCalls, type PendingCall } from '../../src/actors/pendingCalls.js';

const call = (corr: number, node = 'n'): PendingCall => ({ corr, node, resolve: () => {}, reject: () => {}, deadline: 0, timeout: 0 });

test('finds each call by its correlation id, in slots and beyond them', () => {
  const pending = new PendingCalls();
  // 600 in flight: more than the 256 slots, and ids that share slots (1, 257, 513…).
  const calls = Array.from({ length: 600 }, (_, i) => call(i + 1));
  for (const c of calls) pending.add(c);
  expect(pending.size).toBe(600);
  for (const c of calls) expect(pending.get(c.corr)).toBe(c);
  expect(pending.get(601)).toBeUndefined();
  expect(pending.all().map((c) => c.corr)).toEqual(calls.map((c) => c.corr));
  // Deleting in any order leaves exactly the others findable.
  for (const c of calls.filter((c) => c.corr % 3 === 0)) pending.delete(c);
  expect(pending.size).toBe(400);
  for (const c of calls) expect(pending.get(c.corr)).toBe(c.corr % 3 === 0 ? undefined : c);
  expect(pending.all().every((c) => c.corr % 3 !== 0)).toBe(true);
});

test('a slot freed by a slow call is reused, and a call held in the overflow is still found after its slot frees', () => {
  const pending = new PendingCalls();
  const slow = call(5);
  const sharing = call(5 + 256);
  pending.add(slow);
  pending.add(sharing); // slot 5 is taken: overflow
  pending.delete(slow);
  expect(pending.get(5)).toBeUndefined();
  expect(pending.get(5 + 256)).toBe(sharing);
  const next = call(5 + 512);
  pending.add(next); // slot 5 is free again
  expect(pending.get(5 + 512)).toBe(next);
  pending.delete(sharing);
  pending.delete(sharing); // twice: no effect on the count
  expect(pending.size).toBe(1);
  expect(pending.all()).toEqual([next]);
});
