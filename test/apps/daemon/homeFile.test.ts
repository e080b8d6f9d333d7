/** The daemon's small JSON files (apps/daemon/homeFile.ts): missing is empty, damaged is an error. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { readHomeFile } from '../../../apps/daemon/homeFile.js';
import { AppPasswords } from '../../../apps/daemon/appPasswords.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glow-home-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const Schema = v.object({ version: v.literal(1), items: v.array(v.string()) });

test('a file that is not there reads as undefined; one that is reads as its schema says', async () => {
  expect(await readHomeFile(join(dir, 'none.json'), Schema, 'a list')).toBeUndefined();
  await writeFile(join(dir, 'ok.json'), JSON.stringify({ version: 1, items: ['a'] }));
  expect(await readHomeFile(join(dir, 'ok.json'), Schema, 'a list')).toEqual({ version: 1, items: ['a'] });
});

test('a damaged file is an error naming it, never an empty list that would be saved over it', async () => {
  await writeFile(join(dir, 'torn.json'), '{"version": 1, "items": [');
  await expect(readHomeFile(join(dir, 'torn.json'), Schema, 'a list')).rejects.toMatchObject({ code: 'badarg', message: expect.stringContaining('torn.json is not JSON') });
  await writeFile(join(dir, 'app-passwords.json'), JSON.stringify({ version: 1, passwords: [{ name: 7 }] }));
  await expect(AppPasswords.open(join(dir, 'app-passwords.json'))).rejects.toMatchObject({ code: 'badarg', message: expect.stringContaining('is not a list of app passwords') });
});

test('an app password is checked by its secret, and ends when revoked', async () => {
  const passwords = await AppPasswords.open(join(dir, 'app-passwords.json'));
  const { password, secret } = await passwords.create('finder', { readOnly: true });
  expect(passwords.check(secret)).toEqual(password);
  expect(passwords.check(`${secret}x`)).toBeUndefined();
  await expect(passwords.create('finder')).rejects.toMatchObject({ code: 'badarg' });
  // Saved as a digest only, and read back after a restart.
  const again = await AppPasswords.open(join(dir, 'app-passwords.json'));
  expect(again.check(secret)?.name).toBe('finder');
  await again.revoke('finder');
  expect(again.check(secret)).toBeUndefined();
});
