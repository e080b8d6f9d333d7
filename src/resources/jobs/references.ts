import { GlowError } from '../../firefly/errors.js';

/**
 * Step outputs feeding later steps' args. Anywhere in a step's `args`, the object
 * `{ "$from": "<step>" }` stands for that step's whole output and
 * `{ "$from": "<step>", "pick": "<path>" }` for a part of it: `pick` is dot-separated object
 * keys and array indexes (`files.0.path`). A referenced step is an implicit dependency.
 * An object with `$from` and any other key is refused, so a typo is never passed on silently.
 */
export interface StepReference {
  $from: string;
  pick?: string;
}

function isReference(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && Object.hasOwn(value, '$from');
}

/** The steps `args` references; throws `badarg` for a malformed reference. */
export function referencesIn(args: unknown, step: string): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, at: string): void => {
    if (Array.isArray(value)) return value.forEach((item, index) => walk(item, `${at}.${index}`));
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (isReference(value)) {
      const keys = Object.keys(value);
      const from = value.$from;
      const pick = value.pick;
      if (typeof from !== 'string' || keys.some((key) => key !== '$from' && key !== 'pick') || (pick !== undefined && typeof pick !== 'string')) {
        throw new GlowError('badarg', `step ${step}: a reference is { "$from": step, "pick"?: path } (at ${at})`, { reason: 'bad-reference', step, at });
      }
      found.add(from);
      return;
    }
    for (const [key, item] of Object.entries(value)) walk(item, `${at}.${key}`);
  };
  walk(args, 'args');
  return [...found];
}

/** Follows a `pick` path into a value; `undefined` when the path leads nowhere. */
export function pickPath(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let current = value;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    // Own properties only: a path from a job file must not reach `constructor` or `__proto__`.
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Replaces every reference in `args` by the output it names. Throws `badarg` when a referenced
 * step has no output or the picked path is missing (a step cannot start on a hole).
 */
export function resolveReferences(args: unknown, outputs: ReadonlyMap<string, unknown>, step: string): unknown {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
    if (isReference(value)) {
      const from = value.$from as string;
      const pick = value.pick as string | undefined;
      if (!outputs.has(from)) throw new GlowError('badarg', `step ${step}: step ${from} has no output`, { reason: 'no-output', step, from });
      const picked = pickPath(outputs.get(from), pick);
      if (picked === undefined) {
        throw new GlowError('badarg', `step ${step}: the output of ${from} has nothing at ${pick}`, { reason: 'no-output', step, from, pick });
      }
      return picked;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = resolve(item);
    return copy;
  };
  return resolve(args);
}
