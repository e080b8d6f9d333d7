import { GlowError } from '../../firefly/errors.js';

/**
 * Checks that `deps` (step → the steps it waits for) names only known steps and has no cycle.
 * Throws `badarg` with `details` saying which step and which name, so a job file author can fix
 * it without guessing.
 */
export function checkDag(deps: ReadonlyMap<string, readonly string[]>): void {
  for (const [step, names] of deps) {
    for (const name of names) {
      if (!deps.has(name)) {
        throw new GlowError('badarg', `step ${step} depends on unknown step ${name}`, { reason: 'unknown-dependency', step, dependency: name });
      }
      if (name === step) throw new GlowError('badarg', `step ${step} depends on itself`, { reason: 'cycle', cycle: [step, step] });
    }
  }
  // Depth-first search with three colours; the grey path is the cycle when a grey node is met.
  const colour = new Map<string, 'grey' | 'black'>();
  const path: string[] = [];
  const visit = (step: string): void => {
    colour.set(step, 'grey');
    path.push(step);
    for (const next of deps.get(step) ?? []) {
      const seen = colour.get(next);
      if (seen === 'grey') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        throw new GlowError('badarg', `the steps form a cycle: ${cycle.join(' → ')}`, { reason: 'cycle', cycle });
      }
      if (seen === undefined) visit(next);
    }
    path.pop();
    colour.set(step, 'black');
  };
  for (const step of deps.keys()) if (!colour.has(step)) visit(step);
}
