/**
 * Which web pages may open a WebSocket to a listener. A browser always sends the page's
 * `Origin` with a WebSocket upgrade and lets any page dial any port, so a listener that ignores
 * it can be reached by every site the user visits; programs (Node, the CLI, daemons) send none.
 * Listeners therefore accept no `Origin` and the origins their policy names, nothing else.
 */

/** True for a page origin (`scheme://host[:port]`, as browsers send it) that may connect. */
export type OriginPolicy = (origin: string) => boolean;

/** Programs only: every browser page is refused. */
export const PROGRAMS_ONLY: OriginPolicy = () => false;

/** A policy that allows exactly `origins` (compared as browsers serialise them: `new URL(o).origin`). */
export function allowOrigins(origins: Iterable<string>): OriginPolicy {
  const allowed = new Set([...origins].map(canonicalOrigin));
  return (origin) => allowed.has(canonicalOrigin(origin));
}

/** True when a request with this `Origin` header (absent: a program) may connect. */
export function originAllowed(policy: OriginPolicy, header: string | undefined): boolean {
  return header === undefined || policy(header);
}

/** `origin` lower-cased and without a default port; unparsable text (`null`, say) stays as it is. */
export function canonicalOrigin(origin: string): string {
  try {
    const parsed = new URL(origin).origin;
    // Opaque origins (`null`, `file:`) serialise to "null": they never match a real one.
    return parsed === 'null' ? origin : parsed;
  } catch {
    return origin;
  }
}
