import { encode } from 'cbor-x';
import { contentOf } from '../../../src/resources/sync/blocks.js';
import { respond, startReconcile, type ReconcileMessage } from '../../../src/resources/sync/reconcile.js';
import type { FileRecord } from '../../../src/resources/sync/record.js';
import { SyncIndex } from '../../../src/resources/sync/syncIndex.js';

function record(path: string, text: string, counter: number): Omit<FileRecord, 'seq'> {
  return { path, version: [['r1', counter]], deleted: false, ...contentOf(new TextEncoder().encode(text)), mtime: 1e12 + counter, modifiedBy: 'r1' };
}

/** Runs a reconciliation between two indexes; answers what each side learnt and sent. */
function reconcile(a: SyncIndex, b: SyncIndex) {
  let message: ReconcileMessage = startReconcile(a);
  const sent = [encode(message).length, 0];
  const learnt: FileRecord[][] = [[], []];
  let side = 1;
  let rounds = 0;
  while (message.length > 0) {
    const step = respond(side === 1 ? b : a, message);
    learnt[side]!.push(...step.records);
    message = step.reply;
    if (message.length > 0) sent[side]! += encode(message).length;
    side ^= 1;
    rounds++;
  }
  return { sent, learnt, rounds };
}

describe('reconciliation', () => {
  it('costs one small message when both indexes are equal', () => {
    const [a, b] = [new SyncIndex(), new SyncIndex()];
    for (let i = 0; i < 1000; i++) for (const index of [a, b]) index.put(record(`f${i}`, `c${i}`, i + 1));
    const result = reconcile(a, b);
    expect(result.rounds).toBe(1);
    expect(result.sent[0]).toBeLessThan(40);
  });

  it('finds 100 differences among 20 000 records sending each side under 64 KiB, changed records included', () => {
    const [a, b] = [new SyncIndex(), new SyncIndex()];
    for (let i = 0; i < 20_000; i++) for (const index of [a, b]) index.put(record(`dir${i % 50}/file-${i}.txt`, `c${i}`, i + 1));
    const changed = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const path = `dir${(i * 197) % 50}/file-${i * 197}.txt`;
      changed.add(path);
      (i % 2 ? a : b).put(record(path, `changed ${i}`, 50_000 + i));
    }
    const { sent, learnt } = reconcile(a, b);
    // Each side learns the other's version of every differing path, and nothing else.
    expect(new Set(learnt[0]!.map((r) => r.path))).toEqual(changed);
    expect(new Set(learnt[1]!.map((r) => r.path))).toEqual(changed);
    expect(sent[0]).toBeLessThan(64 * 1024);
    expect(sent[1]).toBeLessThan(64 * 1024);
  });

  it('sends everything to an empty peer and learns everything from a full one', () => {
    const [a, empty] = [new SyncIndex(), new SyncIndex()];
    for (let i = 0; i < 500; i++) a.put(record(`f${i}`, `c${i}`, i + 1));
    expect(reconcile(a, empty).learnt[1]).toHaveLength(500);
    expect(reconcile(empty, a).learnt[0]).toHaveLength(500);
  });

  it.each([
    ['not a list', 'hello'],
    ['a bad prefix', [{ p: 'xyz', f: [new Uint8Array(12), 1] }]],
    ['a short fingerprint', [{ p: '', f: [new Uint8Array(3), 1] }]],
    ['a negative count', [{ p: '', f: [new Uint8Array(12), -1] }]],
    ['a split of 15', [{ p: 'a', s: Array.from({ length: 15 }, () => null) }]],
    ['ids of the wrong size', [{ p: 'a', i: [new Uint8Array(3)] }]],
    ['an unknown entry', [{ p: 'a', q: 1 }]],
    ['too many entries', Array.from({ length: 9000 }, () => ({ p: '', f: [new Uint8Array(12), 0] }))],
  ])('refuses %s with a TypeError and changes nothing', (_, message) => {
    const index = new SyncIndex();
    index.put(record('f', 'c', 1));
    expect(() => respond(index, message)).toThrow(TypeError);
    expect(index.sequence).toBe(1);
  });
});

describe('a reconciliation with more records than fit one message', () => {
  it('sends what fits, says there is more, and the next pass brings the rest', () => {
    const [full, empty] = [new SyncIndex(), new SyncIndex()];
    for (let i = 0; i < 8000; i++) full.put(record(`dir/file-${i}.txt`, `c${i}`, i + 1));
    const learnt = new Set<string>();
    let passes = 0;
    for (let more = true; more; passes++) {
      more = false;
      let message: ReconcileMessage = startReconcile(empty);
      for (let side = 1; message.length > 0; side ^= 1) {
        const step = respond(side === 1 ? full : empty, message);
        if (side === 0) {
          more ||= step.more;
          for (const r of step.records) {
            learnt.add(r.path);
            empty.put(r);
          }
        }
        message = step.reply;
        expect(encode(message).length).toBeLessThan(2 * 1024 * 1024);
      }
    }
    expect(passes).toBeGreaterThan(1);
    expect(learnt.size).toBe(8000);
  });
});
