/**
 * `.glowignore`: which paths of a synced folder stay out of sync, in .gitignore syntax (matched
 * by `ignore`, the matcher eslint and many others use). The file is this replica's own, like
 * Syncthing's `.stignore`: it is not synced, so each device may leave out what it lacks room for.
 * Glow's own `.glow-*` entries are always left out.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';
import { RESERVED_PREFIX } from '../fs/paths.js';

/** The rules file's name, at the folder's root. */
export const IGNORE_FILE = '.glowignore';

/** Whether a folder-relative path (a directory when `dir`) is left out of sync. */
export type IgnoreRules = (path: string, dir?: boolean) => boolean;

/** Loads the rules of the folder at `root` (none when it has no `.glowignore`). */
export async function loadIgnoreRules(root: string): Promise<IgnoreRules> {
  const text = await readFile(join(root, IGNORE_FILE), 'utf8').catch(() => '');
  return ignoreRulesOf(text);
}

/** The rules a `.glowignore` text describes. */
export function ignoreRulesOf(text: string): IgnoreRules {
  const matcher = ignore().add(text);
  return (path, dir = false) => {
    if (path === IGNORE_FILE || path.split('/').some((segment) => segment.startsWith(RESERVED_PREFIX))) return true;
    return matcher.ignores(dir ? `${path}/` : path);
  };
}
