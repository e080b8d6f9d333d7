/**
 * The model's promise, checked on random schedules: whatever three replicas do apart and
 * however they meet (by cursor or by reconciliation, in any order), once they have all met they
 * hold the same files and the same records, and no content a person did not themselves replace
 * is lost (it is in a file or in a version store).
 */
import { contentOf } from '../../../src/resources/sync/blocks.js';
import { isConflictCopy } from '../../../src/resources/sync/conflictName.js';
import { sameRecord } from '../../../src/resources/sync/record.js';
import { makeReplica, meetByCursor, meetByReconcile, remove, rename, write, type TestReplica } from './harness.js';

function random(seed: number): () => number {
  // mulberry32: small, seeded, good enough to pick schedules.
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ['a.txt', 'b.txt', 'docs/c.md', 'docs/d.md', 'e'];
const SCHEDULES = 250;

async function schedule(seed: number): Promise<number> {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  let time = 1_700_000_000_000;
  // Clocks that disagree a little, and ties now and then.
  const clock = () => (time += Math.floor(rand() * 3) * 1000);
  const replicas = ['r1', 'r2', 'r3'].map((id) => makeReplica(id, clock));
  // Contents a person replaced or deleted themselves: those may be gone.
  const displaced = new Set<string>();
  const written = new Set<string>();
  const hashOf = (r: TestReplica, path: string) => {
    const data = r.folder.files.get(path);
    return data && contentOf(data).hash;
  };
  const steps = 10 + Math.floor(rand() * 30);
  for (let step = 0; step < steps; step++) {
    const r = pick(replicas);
    const op = rand();
    if (op < 0.4) {
      const path = pick(PATHS);
      const old = hashOf(r, path);
      if (old) displaced.add(old);
      const text = `${r.replica.id} step ${step} seed ${seed}`;
      written.add(contentOf(new TextEncoder().encode(text)).hash);
      write(r, path, text);
    } else if (op < 0.5) {
      const path = pick(PATHS);
      const old = hashOf(r, path);
      if (old) displaced.add(old);
      remove(r, path);
    } else if (op < 0.6) {
      rename(r, pick(PATHS), pick(PATHS));
    } else {
      const other = pick(replicas.filter((x) => x !== r));
      await (rand() < 0.5 ? meetByCursor(r, other) : meetByReconcile(r, other));
    }
  }
  // Everyone meets everyone until nothing changes.
  for (let round = 0; ; round++) {
    if (round > 10) throw new Error(`seed ${seed}: no convergence after 10 rounds`);
    let adopted = 0;
    for (const a of replicas) for (const b of replicas) if (a !== b) adopted += await meetByCursor(a, b);
    if (adopted === 0) break;
  }
  const [first, ...rest] = replicas;
  for (const r of rest) {
    expect([...r.folder.files.keys()].sort()).toEqual([...first!.folder.files.keys()].sort());
    for (const [path, data] of first!.folder.files) expect(Buffer.from(r.folder.files.get(path)!).equals(data)).toBe(true);
    expect(r.replica.index.size).toBe(first!.replica.index.size);
    for (const record of first!.replica.index.records()) expect(sameRecord(r.replica.index.get(record.path)!, record)).toBe(true);
  }
  // A reconciliation between any two now finds nothing.
  expect((await meetByReconcile(replicas[0]!, replicas[2]!)).rounds).toBe(1);
  // Every content no person replaced is still a file: both sides of a conflict, an edit that a
  // concurrent delete did not remove. Whatever sync replaced is in a version store.
  const visible = new Set([...first!.folder.files.values()].map((data) => contentOf(data).hash));
  for (const hash of written) if (!displaced.has(hash)) expect(visible.has(hash)).toBe(true);
  const kept = new Set<string>();
  for (const r of replicas) for (const data of [...r.folder.files.values(), ...r.folder.versions.values()]) kept.add(contentOf(data).hash);
  for (const hash of written) if (!displaced.has(hash)) expect(kept.has(hash)).toBe(true);
  return conflicts(first!);
}

test(`${SCHEDULES} random schedules of edits, deletes, renames and meetings converge with nothing lost`, async () => {
  let withConflicts = 0;
  for (let seed = 1; seed <= SCHEDULES; seed++) {
    try {
      if ((await schedule(seed)) > 0) withConflicts++;
    } catch (error) {
      throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
    }
  }
  // The schedules do reach the hard case.
  expect(withConflicts).toBeGreaterThan(SCHEDULES / 10);
}, 60_000);

const conflicts = (r: TestReplica) => [...r.folder.files.keys()].filter(isConflictCopy).length;
