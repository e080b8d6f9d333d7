/**
 * Two corrections to how nephele reads request bodies (PROPFIND, PROPPATCH, LOCK), applied once
 * to its `Method.prototype.parseXml`:
 * - a body that is not well-formed XML is the client's mistake: 400, not 500;
 * - sibling elements with one name in different default namespaces
 *   (`<a xmlns="urn:1"/><a xmlns="urn:2"/>`) were all read as the first one's namespace, so a
 *   PROPFIND asking for both answered one. Each keeps its own namespace here.
 * And one to how it writes answers (`renderXml`): properties of one name in different namespaces
 * were written as one element (the last), so every namespace an answer uses gets a prefix.
 */
import { BadRequestError, Method } from 'nephele';

type Parsed = Awaited<ReturnType<Method['parseXml']>>;

let patched = false;

/** Applies the corrections (idempotent). */
export function correctXmlReading(): void {
  if (patched) return;
  patched = true;
  const parse = Method.prototype.parseXml;
  Method.prototype.parseXml = async function (this: Method, xml: string): Promise<Parsed> {
    let parsed: Parsed;
    try {
      parsed = await parse.call(this, xml);
    } catch (error) {
      throw new BadRequestError(`The request body is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
    }
    return { ...parsed, output: splitNamespaces(parsed.output) as Parsed['output'] };
  };
  const render = Method.prototype.renderXml;
  Method.prototype.renderXml = function (this: Method, xml: unknown, prefixes: Record<string, string> = {}) {
    const all = { ...prefixes };
    const known = new Set(Object.values(all));
    let next = 0;
    for (const uri of namespacesOf(xml)) {
      if (known.has(uri)) continue;
      while (`ns${next}` in all) next++;
      all[`ns${next}`] = uri;
      known.add(uri);
    }
    return render.call(this, xml as never, all);
  } as typeof render;
}

/** The namespaces (`uri` of `uri%%local` keys) an answer's elements use. */
function namespacesOf(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) namespacesOf(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$') continue;
      // The empty namespace cannot have a prefix (`xmlns:p=""` is not XML 1.0): it stays as it was.
      if (key.includes('%%') && !key.startsWith('%%')) found.add(key.slice(0, key.lastIndexOf('%%')));
      namespacesOf(value, found);
    }
  }
  return found;
}

/** Re-keys array items whose own default namespace differs from the key's (`uri%%local`). */
function splitNamespaces(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(splitNamespaces);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$' || !Array.isArray(value) || value.length < 2) {
      out[key] = key === '$' ? value : splitNamespaces(value);
      continue;
    }
    const local = key.includes('%%') ? key.slice(key.lastIndexOf('%%') + 2) : key;
    for (const item of value) {
      const own = (item as { $?: Record<string, unknown> } | null)?.$?.xmlns;
      const itemKey = typeof own === 'string' ? (own === 'DAV:' ? local : `${own}%%${local}`) : key;
      ((out[itemKey] ??= []) as unknown[]).push(splitNamespaces(item));
    }
  }
  return out;
}
