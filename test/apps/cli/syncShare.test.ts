/**
 * A synced folder shared with a friend, between real daemons of two users through the CLI:
 * `glow sync share` grants the friend write on every replica of the folder, `glow sync join
 * FRIEND/NAME PATH --as NAME` makes a replica on the friend's device (which grants the folder's
 * owner its replica back), and changes travel both ways. Without the grant the join is refused.
 * Run under netguard.
 */
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../../../src/transport/identity.js';
import { waitFor } from '../../helpers/waitFor.js';
import { tempHome, useDaemons } from '../daemon/helpers.js';
import { glow } from './glowProcess.js';

const daemons = useDaemons();
const [ALICE, BOB] = [createIdentity(), createIdentity()];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(name: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `glow-sync-share-${name}-`)));
  dirs.push(dir);
  return dir;
}

async function run(home: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  const result = await glow([...args, '--home', home]);
  return { ok: result.code === 0, out: result.code === 0 ? result.stdout : result.stderr };
}

async function holds(file: string, content: string): Promise<void> {
  await waitFor(async () => (await readFile(file, 'utf8').catch(() => undefined)) === content, 20_000, `${file} to hold ${JSON.stringify(content)}`, 100);
}

test('a folder shared with a friend is joined on their device and changes travel both ways; without the grant the join is refused', async () => {
  const alice = await daemons.start({ home: await tempHome(undefined, ALICE) });
  await run(alice.home, 'friends', 'add', BOB.id, '--handle', 'bob');
  const [dirA, dirB] = [await tempDir('alice'), await tempDir('bob')];
  await writeFile(join(dirA, 'plan.txt'), 'from alice');
  expect((await run(alice.home, 'sync', 'add', dirA, '--name', 'docs')).ok).toBe(true);
  const bobHome = await tempHome(undefined, BOB);
  await writeFile(join(bobHome, 'trust.json'), JSON.stringify({ version: 1, friends: [{ user: ALICE.id, handle: 'alice' }], removals: [] }));
  const bob = await daemons.start({ home: bobHome, args: ['--connect', alice.info.link] });
  // Bob's directory lists alice's folder (names of a friend's namespace travel), but its replicas refuse him.
  await waitFor(async () => (await run(bob.home, 'sync', 'ls')).out.includes('alice/docs'), 10_000, 'alice’s folder to be listed on bob’s daemon');
  expect((await run(bob.home, 'sync', 'join', 'alice/docs', dirB)).out).toMatch(/no replica of a synced folder named "alice\/docs" is reachable/);

  const shared = await run(alice.home, 'sync', 'share', 'docs', '--with', 'bob', '--json');
  expect(shared.ok).toBe(true);
  expect(JSON.parse(shared.out)).toMatchObject({ subject: 'sync/docs/', abilities: ['write'], direction: 'given' });
  // The grant reaches bob's daemon; then the join is let through, under bob's own name for it.
  await waitFor(async () => (await run(bob.home, 'sync', 'join', 'alice/docs', dirB, '--as', 'alices-docs')).ok, 10_000, 'bob’s join to be let through');
  await holds(join(dirB, 'plan.txt'), 'from alice');
  // Bob's daemon granted alice its replica back: bob's edit reaches alice.
  expect((await run(bob.home, 'grants')).out).toMatch(/sync\/alices-docs\//);
  await writeFile(join(dirB, 'from-bob.txt'), 'hi alice');
  await holds(join(dirA, 'from-bob.txt'), 'hi alice');
  await writeFile(join(dirA, 'plan.txt'), 'edited by alice');
  await holds(join(dirB, 'plan.txt'), 'edited by alice');
}, 90_000);
