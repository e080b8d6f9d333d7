/**
 * Friends and grants between real daemons of two users (apps/daemon/sharing.ts, the CLI's
 * `friends`, `share`, `grants`, `revoke`): a friend reaches nothing without a grant; with a read
 * grant on a path it reads inside it and nothing else; a revocation takes it back. Run under netguard.
 */
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../../../src/transport/identity.js';
import { glow } from '../cli/glowProcess.js';
import { waitFor } from '../../helpers/waitFor.js';
import { tempHome, useDaemons } from './helpers.js';

const daemons = useDaemons();
const [ALICE, BOB] = [createIdentity(), createIdentity()];

/** Runs glow against a daemon's home and answers its output, or its stderr when it failed. */
async function run(home: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  const result = await glow([...args, '--home', home]);
  return { ok: result.code === 0, out: result.code === 0 ? result.stdout : result.stderr };
}

async function exportDocs(): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'glow-share-')));
  await mkdir(join(root, '2026'));
  await mkdir(join(root, '2025'));
  await writeFile(join(root, '2026', 'x.txt'), 'this year');
  await writeFile(join(root, '2025', 'y.txt'), 'last year');
  return root;
}

test("a friend gets nothing without a grant, reads inside a shared path with one, and loses it when it is revoked", async () => {
  const alice = await daemons.start({ home: await tempHome(undefined, ALICE) });
  expect(await run(alice.home, 'friends', 'add', BOB.id, '--handle', 'bob')).toMatchObject({ ok: true, out: expect.stringContaining('bob') });
  const root = await exportDocs();
  await alice.op({ op: 'spawn', kind: 'fs', args: { root }, name: 'docs' });
  const bobHome = await tempHome(undefined, BOB);
  await writeFile(join(bobHome, 'trust.json'), JSON.stringify({ version: 1, friends: [{ user: ALICE.id, handle: 'alice' }], removals: [] }));
  const bob = await daemons.start({ home: bobHome, args: ['--connect', alice.info.link] });
  await waitFor(async () => JSON.parse((await run(bob.home, 'friends', '--json')).out)[0]?.online === 1, 10_000, 'bob to reach alice');

  // Without a grant: alice's export, her node, her processes are all out of reach.
  const cat = (path: string) => run(bob.home, 'cat', `glow://alice/docs/${path}`);
  await waitFor(async () => /denied/.test((await cat('2026/x.txt')).out), 5000, "alice's name to reach bob, and the read to be denied");
  expect((await cat('2026/x.txt')).out).toMatch(/no grant gives this user access/);
  expect((await run(bob.home, 'spawn', 'fs', JSON.stringify({ root: '/' }), '--on', alice.id)).out).toMatch(/denied/);
  expect((await run(bob.home, 'kill', 'glow://alice/docs')).out).toMatch(/denied/);

  // Alice shares docs/2026 for reading: bob reads inside it, not beside it, and cannot write.
  const shared = await run(alice.home, 'share', 'glow://docs/2026', '--with', 'bob', '--read', '--expires', '7d', '--json');
  expect(shared.ok).toBe(true);
  const grant = JSON.parse(shared.out) as { id: string; subject: string; abilities: string[] };
  expect(grant).toMatchObject({ subject: 'docs/2026', abilities: ['read'], direction: 'given' });
  expect(await cat('2026/x.txt')).toEqual({ ok: true, out: 'this year' });
  expect((await cat('2025/y.txt')).out).toMatch(/outside the path the grant covers/);
  const local = join(root, '..', `upload-${Date.now()}.txt`);
  await writeFile(local, 'from bob');
  expect((await run(bob.home, 'put', local, 'glow://alice/docs/2026/new.txt')).out).toMatch(/the grant allows reading only/);
  // Both sides list it: given on alice's, received on bob's.
  await waitFor(async () => (await run(bob.home, 'grants')).out.includes(grant.id), 5000, 'bob to list the grant');
  expect((await run(bob.home, 'grants')).out).toMatch(new RegExp(`${grant.id}\\s+from\\s+alice`));

  // Revoked: within 2 s bob's reads are denied again.
  const revokedAt = performance.now();
  expect((await run(alice.home, 'revoke', grant.id.slice(0, 8))).out).toMatch(/revoked grant/);
  await waitFor(async () => /the grant was revoked/.test((await cat('2026/x.txt')).out), 5000, 'the revocation to hold');
  console.log(`revoked grant refused after ${(performance.now() - revokedAt).toFixed(0)} ms (CLI round trips included)`);
  expect((await run(alice.home, 'grants')).out).toMatch(/revoked/);
}, 60_000);

test('share refuses what cannot be a grant: a stranger, yourself, an unknown name', async () => {
  const alice = await daemons.start({ home: await tempHome(undefined, ALICE) });
  const root = await exportDocs();
  await alice.op({ op: 'spawn', kind: 'fs', args: { root }, name: 'docs' });
  expect((await run(alice.home, 'share', 'docs', '--with', BOB.id)).out).toMatch(/not a friend/);
  expect((await run(alice.home, 'share', 'docs', '--with', ALICE.id)).out).toMatch(/your own devices reach everything/);
  await run(alice.home, 'friends', 'add', BOB.id, '--handle', 'bob');
  expect((await run(alice.home, 'share', 'nothing-here', '--with', 'bob')).out).toMatch(/nothing is named/);
  expect((await run(alice.home, 'revoke', 'zzzzzzzz')).out).toMatch(/no grant/);
  expect((await run(alice.home, 'friends', 'remove', 'carol')).out).toMatch(/not a friend/);
  expect((await run(alice.home, 'friends', 'remove', 'bob')).ok).toBe(true);
});
