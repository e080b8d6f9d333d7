/**
 * Version vectors: one counter per replica that changed a file. A replica that edits a file
 * bumps its own counter past every counter it has seen, so "b saw everything a saw" is a
 * per-counter comparison, and two edits neither saw of the other are concurrent: a conflict.
 *
 * Kept as `[replica, counter]` pairs sorted by replica id, so that equal vectors have one form
 * (the record digest hashes it) and a vector of a few replicas stays a few small tuples.
 */

/** A version vector: `[replica id, counter]` pairs, sorted by replica id, counters > 0. */
export type VersionVector = readonly (readonly [replica: string, counter: number])[];

/** How two vectors relate. */
export type Ordering = 'equal' | 'before' | 'after' | 'concurrent';

/** The empty vector: a file nobody changed. */
export const EMPTY_VECTOR: VersionVector = [];

/** The counter `replica` has in `vector` (0 when absent). */
export function counterOf(vector: VersionVector, replica: string): number {
  for (const [id, counter] of vector) if (id === replica) return counter;
  return 0;
}

/** `a` compared with `b`: before means b has seen all of a and more. */
export function compareVectors(a: VersionVector, b: VersionVector): Ordering {
  let aAhead = false;
  let bAhead = false;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const left = a[i];
    const right = b[j];
    if (right === undefined || (left !== undefined && left[0] < right[0])) {
      aAhead = true;
      i++;
    } else if (left === undefined || right[0] < left[0]) {
      bAhead = true;
      j++;
    } else {
      if (left[1] > right[1]) aAhead = true;
      else if (left[1] < right[1]) bAhead = true;
      i++;
      j++;
    }
    if (aAhead && bAhead) return 'concurrent';
  }
  return aAhead ? 'after' : bAhead ? 'before' : 'equal';
}

/** The least vector that has seen both. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const merged = new Map<string, number>(a);
  for (const [id, counter] of b) merged.set(id, Math.max(counter, merged.get(id) ?? 0));
  return sorted(merged);
}

/**
 * The vector of an edit by `replica` on top of `vector`: its counter moves past every counter
 * in the vector, so the edit is after everything it replaced even when clocks disagree.
 */
export function bumpVector(vector: VersionVector, replica: string): VersionVector {
  let highest = 0;
  for (const [, counter] of vector) highest = Math.max(highest, counter);
  const bumped = new Map<string, number>(vector);
  bumped.set(replica, highest + 1);
  return sorted(bumped);
}

/** Whether `value` is a well-formed vector (a peer's bytes are checked before they are believed). */
export function isVersionVector(value: unknown): value is VersionVector {
  if (!Array.isArray(value) || value.length > MAX_VECTOR_LENGTH) return false;
  let previous = '';
  for (const pair of value as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) return false;
    const [id, counter] = pair as unknown[];
    if (typeof id !== 'string' || id.length === 0 || id.length > 64 || id <= previous) return false;
    if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter <= 0) return false;
    previous = id;
  }
  return true;
}

/** Most replicas one vector may name: a folder has a person's devices, not thousands. */
export const MAX_VECTOR_LENGTH = 256;

function sorted(map: Map<string, number>): VersionVector {
  return [...map].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}
