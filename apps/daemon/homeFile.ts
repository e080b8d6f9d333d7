/** Reading one of the daemon's small JSON files in its home, checked against its schema. */
import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { GlowError } from '../../src/firefly/errors.js';

/**
 * The contents of `file` as `schema` reads them, or undefined when there is no such file yet. A
 * file that is there but not what it should be (`what`) is an error, never taken as empty: the
 * daemon would otherwise overwrite what a person may want back.
 */
export async function readHomeFile<S extends v.GenericSchema>(file: string, schema: S, what: string): Promise<v.InferOutput<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GlowError('badarg', `${file} is not JSON: it should hold ${what}`);
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) throw new GlowError('badarg', `${file} is not ${what}: ${parsed.issues[0].message}`);
  return parsed.output;
}
