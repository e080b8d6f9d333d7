/** How the Jobs view words and lays out what a scheduler answers: depths of steps, short values, times, nodes. */
import { parseResourceId, type NodeId } from '../../../../src/firefly/address.js';
import type { JobState } from '../../../../src/resources/jobs/interfaces.js';

/** Longest output summary shown in a step box, characters. */
const OUTPUT_CHARS = 240;

/** The states a job does not leave: its watch ends, and the view does not open it again. */
export const FINAL: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

/** Dependency depth of every step: 0 without dependencies, else one more than its deepest one. */
export function stepDepths(steps: readonly { name: string; after: readonly string[] }[]): Map<string, number> {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const depths = new Map<string, number>();
  const depth = (name: string, visiting: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const step = byName.get(name);
    // Unknown or cyclic (the scheduler refuses both): treat as a root rather than loop.
    if (!step || visiting.has(name)) return 0;
    visiting.add(name);
    const value = step.after.reduce((deepest, dep) => (byName.has(dep) ? Math.max(deepest, depth(dep, visiting) + 1) : deepest), 0);
    visiting.delete(name);
    depths.set(name, value);
    return value;
  };
  for (const step of steps) depth(step.name, new Set());
  return depths;
}

/** A value as a short line of JSON (bigints as digits, bytes by their length). */
export function summary(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item instanceof Uint8Array ? `<${item.byteLength} bytes>` : item)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > OUTPUT_CHARS ? `${text.slice(0, OUTPUT_CHARS - 1)}…` : text;
}

/** A time as the view shows it: the time of day for today, else the date too. */
export function when(ms: number | undefined): string {
  if (ms === undefined) return '';
  const date = new Date(ms);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

/** The node of a resource id, or undefined for an id that does not parse. */
export function nodeOf(id: string): NodeId | undefined {
  try {
    return parseResourceId(id).node;
  } catch {
    return undefined;
  }
}
