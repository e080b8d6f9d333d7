/**
 * Folders in one step (`glow export PATH [--name NAME] [--read-only]`, `glow export ls`, `glow
 * export remove NAME`): a FileSystem export of a folder of this machine, persisted, under a name
 * (the folder's own by default). Refused with the reason when the folder does not exist, is not a
 * folder, or is the daemon's home, inside it or around it (its keys would be served).
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { formatResourceId } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import type { DaemonContext } from './operations.js';

/** An export as the CLI and the web app show it. */
export interface ExportValue {
  name: string;
  path: string;
  readOnly: boolean;
  /** The FileSystem resource, when it runs. */
  ref?: string;
}

/** Names a person can type after `glow://` (and the directory takes). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Exports `path` (absolute) under `name`, persisted: it starts again with the daemon. */
export async function exportFolder(ctx: DaemonContext, home: string, path: string, options: { name?: string; readOnly?: boolean } = {}): Promise<ExportValue> {
  if (!isAbsolute(path)) throw new GlowError('badarg', `${path} is not an absolute path`, { reason: 'path' });
  let root: string;
  try {
    root = await realpath(path);
    if (!(await stat(root)).isDirectory()) throw new GlowError('badarg', `${path} is not a folder`, { reason: 'notdir' });
  } catch (error) {
    if (error instanceof GlowError) throw error;
    throw new GlowError('badarg', `${path} does not exist on this machine`, { reason: 'notfound' });
  }
  const daemonHome = await realpath(home).catch(() => home);
  if (within(root, daemonHome) || within(daemonHome, root)) {
    throw new GlowError('denied', `${path} is or holds the daemon's home (${daemonHome}): its keys would be served. Export a folder beside it`, { reason: 'home' });
  }
  // The folder's own name, made one the mesh takes: "Holiday Photos" is Holiday-Photos.
  const name = options.name ?? basename(root).replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  if (!NAME.test(name)) throw new GlowError('badarg', `${JSON.stringify(name)} cannot name an export: 1-64 letters, digits, "_", "." or "-" (--name)`, { reason: 'name' });
  if (ctx.mesh.node.directory.isTaken(name)) throw new GlowError('badarg', `the name ${name} is taken: choose another with --name`, { reason: 'exists' });
  const readOnly = options.readOnly ?? false;
  const ref = await ctx.persisted.spawn('fs', { root, ...(readOnly ? { readOnly } : {}) }, name);
  return { name, path: root, readOnly, ref };
}

/** The exports this daemon keeps (persisted FileSystem processes with a name). */
export function exportList(ctx: DaemonContext): ExportValue[] {
  return ctx.persisted
    .list()
    .filter((record) => record.kind === 'fs' && record.name !== undefined)
    .map((record) => {
      const args = (record.args ?? {}) as { root?: unknown; readOnly?: unknown };
      const id = ctx.mesh.node.whereis(record.name!);
      return { name: record.name!, path: String(args.root ?? ''), readOnly: args.readOnly === true, ...(id ? { ref: formatResourceId(id) } : {}) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Stops exporting `name` (the folder itself is untouched). */
export async function removeExport(ctx: DaemonContext, name: string): Promise<ExportValue> {
  const found = exportList(ctx).find((entry) => entry.name === name);
  if (!found) throw new GlowError('noproc', `no export of this daemon is named ${JSON.stringify(name.slice(0, 64))} (glow export ls)`);
  if (found.ref === undefined || !(await ctx.persisted.forget(found.ref))) throw new GlowError('failed', `the export ${name} is recorded but not running; it could not be removed now`);
  return found;
}

/** True when `inner` is `outer` or a path under it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
}
