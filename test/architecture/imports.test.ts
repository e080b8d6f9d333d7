/**
 * The shape of the code: each layer imports only the layers below it
 * (firefly → transport → router → actors → supervision → resources → apps), and no module
 * imports itself back at run time through others (a run-time cycle makes load order matter
 * and hides which part depends on which). Type-only imports vanish at run time and may form
 * cycles; they must still respect the layers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const LAYERS = ['src/firefly', 'src/transport', 'src/router', 'src/actors', 'src/supervision', 'src/resources', 'apps'];

interface Edge {
  to: string;
  typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .filter((file) => !file.includes('node_modules'));
}

/** Relative imports of a file, resolved to repo paths, with whether they vanish at run time. */
function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
  const edges: Edge[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) return;
    edges.push({ to: relative(ROOT, resolve(ROOT, dirname(file), specifier.text.replace(/\.js$/, '.ts'))), typeOnly });
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      const allTypes = !!clause && (clause.isTypeOnly || (!clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly)));
      add(statement.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(statement)) {
      const named = statement.exportClause;
      const allTypes = statement.isTypeOnly || (!!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly));
      add(statement.moduleSpecifier, allTypes);
    }
  }
  return edges;
}

function layerOf(file: string): number {
  return LAYERS.findIndex((layer) => file === layer || file.startsWith(`${layer}/`));
}

const files = [...sources('src'), ...sources('apps')];
const graph = new Map(files.map((file) => [file, importsOf(file)]));

test('every layer imports only itself and the layers below it', () => {
  const wrong: string[] = [];
  for (const [file, edges] of graph) {
    const own = layerOf(file);
    if (own < 0) continue; // src/index.ts and src/node.ts gather the public API of every layer
    for (const edge of edges) {
      const theirs = layerOf(edge.to);
      if (theirs > own) wrong.push(`${file} → ${edge.to}`);
    }
  }
  expect(wrong).toEqual([]);
});

test('no module imports itself back at run time', () => {
  // Tarjan's strongly connected components over run-time imports.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const edge of graph.get(file) ?? []) {
      if (edge.typeOnly || !graph.has(edge.to)) continue;
      if (!index.has(edge.to)) {
        visit(edge.to);
        low.set(file, Math.min(low.get(file)!, low.get(edge.to)!));
      } else if (onStack.has(edge.to)) low.set(file, Math.min(low.get(file)!, index.get(edge.to)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

test('the import reader sees the imports it is meant to check', () => {
  // A guard against a reader that finds nothing and so passes everything.
  const node = graph.get('src/actors/node.ts')!;
  expect(node.some((edge) => edge.to === 'src/actors/cell.ts' && !edge.typeOnly)).toBe(true);
  expect(node.some((edge) => edge.to === 'src/router/port.ts' && edge.typeOnly)).toBe(true);
  expect(files.length).toBeGreaterThan(150);
});
