/** What every view draws with: plain DOM (no framework needed for six panels) and the error text they show. */
import { errorMessage } from '../../../src/firefly/errors.js';

/** A tiny element builder: `props` become attributes (`true` an empty one; `false` and `undefined` none). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean | number | undefined> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** {@link h} for SVG elements, which need their namespace. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Node[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  element.append(...children);
  return element;
}

/** A short form of a node id for labels. */
export function shortId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 6)}…` : id;
}

/** The Glow code of a failure (`GlowError.code`, or an `/fs` error's), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The error text the views show: the Glow code first. */
export function errorText(error: unknown): string {
  const code = errorCode(error);
  const message = errorMessage(error);
  return code === undefined ? message : `${code}: ${message}`;
}

/** The precise reason of a refusal (`details.reason` of a GlowError, or an error's `reason`), if it has one. */
export function errorReason(error: unknown): string | undefined {
  const failure = error as { reason?: unknown; details?: { reason?: unknown } } | null | undefined;
  const reason = failure?.reason ?? failure?.details?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/** A paragraph that shows a failure: its text, its code as `data-code` and its reason as `data-reason` (what tests and styles match). */
export function errorLine(error: unknown): HTMLParagraphElement {
  return h('p', { class: 'error', 'data-code': errorCode(error), 'data-reason': errorReason(error) }, errorText(error));
}

/**
 * Counts on `element` (`data-refreshed`) that a listing it shows has been asked for again and
 * drawn. Nothing a reader sees: it lets a test wait for "the next refresh" rather than for time.
 */
export function markRefreshed(element: HTMLElement): void {
  element.dataset.refreshed = String(Number(element.dataset.refreshed ?? 0) + 1);
}
