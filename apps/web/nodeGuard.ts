/**
 * A Vite/rollup plugin that fails the build when a Node-only module is about to enter the
 * browser bundle: Node built-ins (`node:*`, `fs`, `net`, `dgram`, …) and the Node transports'
 * packages (`ws`, `werift`, `node-datachannel`). The core keeps them out of `src/index.ts`'s
 * import graph by design; this turns a slip into a build error naming the importer, instead of
 * a bundle that breaks in the browser (or silently polyfills).
 */
import { builtinModules } from 'node:module';
import type { Plugin } from 'vite';

const NODE_PACKAGES = ['ws', 'werift', 'node-datachannel', 'multicast-dns', 'pino', 'pino-pretty', 'commander'];
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, name.split('/')[0]!]));

/** True for a module specifier that only Node can load. */
export function isNodeOnly(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  const bare = specifier.split('/')[0]!;
  return BUILTINS.has(specifier) || BUILTINS.has(bare) || NODE_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/** The plugin (runs before Vite's resolver, so nothing can shim the module first). */
export function nodeGuard(): Plugin {
  return {
    name: 'glow-node-guard',
    enforce: 'pre',
    resolveId(source, importer) {
      if (isNodeOnly(source)) this.error(`Node-only module "${source}" imported by ${importer ?? 'the entry'}: it must not reach the browser bundle`);
      return null;
    },
  };
}
