/**
 * A job's steps as a DAG: one column per dependency depth (stepDepths), a box per step
 * (stepBox.ts), and an SVG arrow per dependency drawn over them. The columns are laid out once
 * per set of steps; later views of the same job only update the boxes and redraw the arrows.
 */
import type { StepView } from '../../../../src/resources/jobs/interfaces.js';
import { h, svg } from '../dom.js';
import { stepDepths } from './jobFormat.js';
import { stepBox, type StepBox } from './stepBox.js';

/** The DAG of the job shown. */
export interface JobDag {
  /** `#job-dag`. */
  readonly element: HTMLElement;
  /** Draws `steps`: the layout when the steps or their dependencies changed, the boxes always. */
  draw(steps: readonly StepView[]): void;
  /** Empties it (another job is chosen). */
  clear(): void;
}

/** An empty DAG; `nameOf` names the nodes steps ran on. */
export function jobDag(nameOf?: (node: string) => string): JobDag {
  const edges = svg('svg', { class: 'dag-edges', 'aria-hidden': 'true' });
  const marker = svg(
    'marker',
    { id: 'dag-arrow', viewBox: '0 0 8 8', refX: '8', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto' },
    svg('path', { d: 'M0,0 L8,4 L0,8 z' }),
  );
  const defs = svg('defs', {}, marker);
  const columns = h('div', { class: 'dag-columns' });
  const inner = h('div', { class: 'dag-inner' }, edges, columns);
  const element = h('div', { id: 'job-dag', class: 'dag', role: 'group', 'aria-label': 'steps by dependency depth' }, inner);

  let shown: readonly StepView[] | undefined;
  let boxes = new Map<string, StepBox>();
  /** The steps and their dependencies the columns were laid out for. */
  let layoutKey = '';

  /** One arrow per dependency, from the right edge of a box to the left edge of its dependant. */
  const drawEdges = () => {
    // Not laid out (the detail or the whole view is hidden): every box would measure zero.
    if (!shown || inner.getClientRects().length === 0) return;
    const origin = inner.getBoundingClientRect();
    edges.setAttribute('width', String(inner.scrollWidth));
    edges.setAttribute('height', String(inner.scrollHeight));
    const paths: SVGElement[] = [];
    for (const step of shown) {
      const to = boxes.get(step.name)?.box.getBoundingClientRect();
      if (!to) continue;
      for (const dep of step.after) {
        const from = boxes.get(dep)?.box.getBoundingClientRect();
        if (!from) continue;
        const x1 = from.right - origin.left;
        const y1 = from.top + from.height / 2 - origin.top;
        const x2 = to.left - origin.left;
        const y2 = to.top + Math.min(to.height / 2, 24) - origin.top;
        const bend = Math.max(12, (x2 - x1) / 2);
        paths.push(svg('path', { d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`, 'data-edge': `${dep}->${step.name}`, 'marker-end': 'url(#dag-arrow)' }));
      }
    }
    edges.replaceChildren(defs, ...paths);
  };
  new ResizeObserver(() => drawEdges()).observe(inner);

  const layout = (steps: readonly StepView[]) => {
    const depths = stepDepths(steps);
    const deepest = Math.max(0, ...depths.values());
    boxes = new Map(steps.map((step) => [step.name, stepBox(step, nameOf)]));
    const byDepth = Array.from({ length: deepest + 1 }, (_, depth) =>
      h(
        'div',
        { class: 'dag-column', 'data-depth': depth, role: 'list', 'aria-label': depth === 0 ? 'steps that start first' : `steps at depth ${depth}` },
        ...steps
          .filter((step) => depths.get(step.name) === depth)
          .map((step) => {
            const box = boxes.get(step.name)!.box;
            box.setAttribute('role', 'listitem');
            return box;
          }),
      ),
    );
    columns.replaceChildren(...byDepth);
  };

  return {
    element,
    draw(steps) {
      shown = steps;
      const key = steps.map((step) => `${step.name}<${step.after.join(',')}`).join(';');
      if (key !== layoutKey) {
        layoutKey = key;
        layout(steps);
      }
      for (const step of steps) boxes.get(step.name)!.update(step);
      drawEdges();
    },
    clear() {
      shown = undefined;
      boxes = new Map();
      layoutKey = '';
      columns.replaceChildren();
      edges.replaceChildren();
    },
  };
}
