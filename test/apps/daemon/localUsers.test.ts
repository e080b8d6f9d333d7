/**
 * Another Unix user of the daemon's machine gets nothing: what issue 13 found (`nobody` spawned
 * `fs` over a 0700 folder through /api/call and read root's 0600 file) now answers 401, and so
 * do the pages and /fs. Run as root, with runuser: the test suite's machine runs tests as root,
 * and a run that is not root fails here rather than skip, so that this check is never lost.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useDaemons } from './helpers.js';

const run = promisify(execFile);
const daemons = useDaemons();

/** `curl` as the Unix user `nobody`: the status code and the body. */
async function curlAsNobody(url: string, body?: string): Promise<{ status: number; body: string }> {
  const data = body === undefined ? [] : ['-H', 'content-type: application/json', '--data', body];
  const { stdout } = await run('runuser', ['-u', 'nobody', '--', 'curl', '-s', '-w', '\n%{http_code}', '--max-time', '10', ...data, url], { timeout: 15_000 });
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

test('a local user other than the owner gets 401 from the gateway, the pages and /fs, and cannot read the token', async () => {
  expect({ uid: process.getuid?.(), why: 'this test switches to the user nobody with runuser: run it as root' }).toEqual({ uid: 0, why: expect.any(String) });
  const secret = await mkdtemp(join(tmpdir(), 'glow-private-'));
  try {
    await chmod(secret, 0o700);
    await writeFile(join(secret, 'secret.txt'), 'root only', { mode: 0o600 });
    const daemon = await daemons.start();
    const spawn = JSON.stringify({ ref: 'node', method: 'spawn', args: { kind: 'fs', args: { root: secret }, name: 'stolen' } });
    expect(await curlAsNobody(`${daemon.info.http}/api/call`, spawn)).toEqual({ status: 401, body: expect.stringContaining('"code":"unauthorized"') });
    expect((await curlAsNobody(`${daemon.info.http}/api/ls`)).status).toBe(401);
    expect((await curlAsNobody(`${daemon.info.http}/`)).status).toBe(401);
    expect((await curlAsNobody(`${daemon.info.http}/status`)).status).toBe(401);
    expect((await curlAsNobody(`${daemon.info.http}/fs/stolen/secret.txt`)).status).toBe(401);
    // Nothing was spawned for them.
    expect((await daemon.op<{ name?: string }[]>({ op: 'ls' })).some((resource) => resource.name === 'stolen')).toBe(false);
    // The token that would open it all is the owner's alone.
    await expect(run('runuser', ['-u', 'nobody', '--', 'cat', join(daemon.home, 'control.token')])).rejects.toMatchObject({ stderr: expect.stringContaining('Permission denied') });
    // The owner, with the token, is let in.
    const owner = await fetch(`${daemon.info.http}/api/ls`, { headers: await daemon.bearer() });
    expect(owner.status).toBe(200);
  } finally {
    await rm(secret, { recursive: true, force: true });
  }
}, 60_000);
