/**
 * Files across real daemons: three `glow daemon` processes in a line (A — B — C), a folder of C
 * exported as `docs`, and everything done the way a person does it: `glow put` / `glow cat` /
 * `glow versions` / `glow restore`, `curl` against A's HTTP gateway, `glow stream … watch`, and a
 * SIGKILL of C in the middle of a large upload. Run under netguard.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ResourceValue, RouteValue } from '../../../apps/daemon/control.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { ask, glow, startDaemon, startGlow, stopAll, tempHome, type DaemonProcess } from './glowProcess.js';

const run = promisify(execFile);

let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;
let exported: string;
let scratch: string;

/** `glow ARGS --home HOME`; fails the test on a non-zero exit. */
async function ok(daemon: DaemonProcess, args: string[]): Promise<string> {
  const result = await glow([...args, '--home', daemon.home], { timeout: 60_000 });
  if (result.code !== 0) throw new Error(`glow ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** `curl` against `daemon`'s HTTP port: status line facts and the body, as bytes. */
async function curl(daemon: DaemonProcess, path: string, extra: string[] = []): Promise<{ status: number; headers: string; body: Buffer }> {
  const out = join(scratch, `curl-${Math.random().toString(36).slice(2)}`);
  const headers = `${out}.h`;
  const { stdout } = await run('curl', ['-s', '-o', out, '-D', headers, '-w', '%{http_code}', '-H', `Authorization: Bearer ${(await readFile(join(daemon.home, 'control.token'), 'utf8')).trim()}`, ...extra, `${daemon.info.http}${path}`]);
  const body = await readFile(out).catch(() => Buffer.alloc(0));
  return { status: Number(stdout), headers: (await readFile(headers, 'utf8')).toLowerCase(), body };
}

async function knowsName(daemon: DaemonProcess, name: string, node: string): Promise<boolean> {
  // Asking a node that is (re)joining may fail with noconnection: not yet, then.
  return (await ask<ResourceValue[]>(daemon, { op: 'ls', node }).catch(() => [] as ResourceValue[])).some((resource) => resource.name === name);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glow-files-'));
  exported = join(scratch, 'export');
  await run('mkdir', ['-p', exported]);
  a = await startDaemon(await tempHome('glow-files-a-'), ['--no-mdns']);
  b = await startDaemon(await tempHome('glow-files-b-'), ['--no-mdns', '--connect', a.info.link]);
  c = await startDaemon(await tempHome('glow-files-c-'), ['--no-mdns', '--connect', b.info.link]);
  await waitFor(async () => (await ask<RouteValue[]>(a, { op: 'routes' })).some((route) => route.destination === c.info.node), 10_000, 'A has no route to C', 50);
  // --persist: C's export comes back when C is restarted after its SIGKILL.
  await ok(c, ['spawn', 'fs', JSON.stringify({ root: exported }), '--name', 'docs', '--persist']);
  await waitFor(async () => (await knowsName(a, 'docs', c.info.node)) && (await knowsName(b, 'docs', c.info.node)), 10_000, 'A and B never learnt docs', 50);
}, 60_000);

afterAll(async () => {
  await stopAll();
  await rm(scratch, { recursive: true, force: true });
});

describe('files on C, used from A and B', () => {
  const first = `${'first version of the notes\n'.repeat(40_000)}`;
  const second = `${'second version, longer than the first\n'.repeat(50_000)}`;

  it('puts a file from A and cats it back through B, byte for byte', async () => {
    const local = join(scratch, 'notes.txt');
    await writeFile(local, first);
    expect(await ok(a, ['put', local, 'glow://docs/notes.txt'])).toMatch(/^notes\.txt {2}1080000 bytes {2}version [0-9a-f]{64}\n$/);
    expect(await readFile(join(exported, 'notes.txt'), 'utf8')).toBe(first);
    expect(await ok(b, ['cat', 'glow://docs/notes.txt'])).toBe(first);
    expect(await ok(b, ['ls-files', 'glow://docs/'])).toMatch(/^NAME +SIZE +MODIFIED\nnotes\.txt +1080000 /);
  });

  it("serves Range, ETag, If-None-Match and HEAD through A's gateway to curl", async () => {
    const whole = await curl(a, '/fs/docs/notes.txt');
    expect(whole.status).toBe(200);
    expect(whole.body.toString()).toBe(first);
    expect(whole.headers).toContain('content-type: text/plain');
    const etag = /etag: (".*")/.exec(whole.headers)![1]!;

    const range = await curl(a, '/fs/docs/notes.txt', ['--range', '1000-1999']);
    expect(range.status).toBe(206);
    expect(range.headers).toContain(`content-range: bytes 1000-1999/${first.length}`);
    expect(range.body.equals(Buffer.from(first).subarray(1000, 2000))).toBe(true);
    const tail = await curl(a, '/fs/docs/notes.txt', ['--range', '-10']);
    expect(tail.body.toString()).toBe(first.slice(-10));
    expect((await curl(a, '/fs/docs/notes.txt', ['--range', `${first.length + 5}-`])).status).toBe(416);

    expect((await curl(a, '/fs/docs/notes.txt', ['-H', `If-None-Match: ${etag}`])).status).toBe(304);
    const head = await curl(a, '/fs/docs/notes.txt', ['-I']);
    expect(head.status).toBe(200);
    expect(head.headers).toContain(`content-length: ${first.length}`);
    expect((await curl(a, '/fs/docs/nothing-here.txt')).status).toBe(404);
    // An encoded slash keeps `..` inside one segment, past URL normalisation: the export refuses it.
    expect((await curl(a, '/fs/docs/..%2f..%2fetc%2fpasswd')).status).toBe(403);
  });

  it('keeps the previous content as a version on overwrite, and restores it', async () => {
    const local = join(scratch, 'notes-2.txt');
    await writeFile(local, second);
    await ok(a, ['put', local, 'glow://docs/notes.txt']);
    expect(await ok(b, ['cat', 'glow://docs/notes.txt'])).toBe(second);
    const versions = JSON.parse(await ok(a, ['versions', 'glow://docs/notes.txt', '--json'])) as { version: string; size: number; current?: boolean }[];
    expect(versions.map((version) => [version.size, version.current === true])).toEqual([
      [second.length, true],
      [first.length, false],
    ]);
    expect(await ok(a, ['versions', 'glow://docs/notes.txt'])).toMatch(/current/);
    await ok(a, ['restore', 'glow://docs/notes.txt', versions[1]!.version]);
    expect(await ok(b, ['cat', 'glow://docs/notes.txt'])).toBe(first);
    // A stale --if-version is refused, and nothing changes.
    const stale = await glow(['put', local, 'glow://docs/notes.txt', '--if-version', versions[0]!.version, '--home', a.home]);
    expect(stale).toMatchObject({ code: EXIT.failed });
    expect(stale.stderr).toMatch(/^glow put: failed: .*stale|version/);
    expect(await readFile(join(exported, 'notes.txt'), 'utf8')).toBe(first);
  });

  it("streams to A a change made on C's disk by another program (watch)", async () => {
    const watching = startGlow(['stream', 'docs', 'watch', '{"path":"","recursive":true}', '--json', '--home', a.home]);
    // The watcher is in place once the stream has started; a first change may race it, so write until one shows.
    await waitFor(
      async () => {
        await writeFile(join(exported, 'from-another-program.txt'), `written at ${Date.now()}`);
        return watching.stdout().includes('from-another-program.txt');
      },
      10_000,
      'the change never reached A',
      200,
    );
    const event = JSON.parse(watching.stdout().split('\n').find((line) => line.includes('from-another-program.txt'))!) as { path: string; kind: string };
    expect(event).toMatchObject({ path: 'from-another-program.txt' });
    expect(['created', 'changed']).toContain(event.kind);
    watching.child.kill('SIGINT');
    await within(watching.done, 5000, 'glow stream did not stop on SIGINT');
  });

  it('leaves the whole old or the whole new content when C is SIGKILLed in the middle of a large write', async () => {
    const acknowledged = await ok(b, ['cat', 'glow://docs/notes.txt']);
    const big = randomBytes(64 * 1024 * 1024);
    const local = join(scratch, 'big.bin');
    await writeFile(local, big);
    const putting = startGlow(['put', local, 'glow://docs/notes.txt', '--home', a.home]);
    // The upload is under way on C once its temporary file exists and holds some of the bytes.
    await waitFor(async () => (await readdir(exported)).some((name) => name.startsWith('.glow-') && name !== '.glow-versions'), 20_000, 'no upload started on C', 20);
    c.child.kill('SIGKILL');
    const result = await within(putting.done, 30_000, 'glow put did not end after C died');
    expect(result.code).not.toBe(EXIT.ok);
    await c.exited;

    c = await startDaemon(c.home, ['--no-mdns', '--connect', b.info.link]);
    await waitFor(async () => knowsName(a, 'docs', c.info.node), 10_000, 'docs never came back', 50);
    const after = await readFile(join(exported, 'notes.txt'));
    expect(after.equals(Buffer.from(acknowledged)) || after.equals(big)).toBe(true);
    expect(after.equals(Buffer.from(acknowledged))).toBe(true); // the commit never happened
    expect(await ok(a, ['cat', 'glow://docs/notes.txt'])).toBe(acknowledged);
    // Every acknowledged version is still there.
    const versions = JSON.parse(await ok(a, ['versions', 'glow://docs/notes.txt', '--json'])) as { size: number }[];
    expect(versions.map((version) => version.size)).toEqual(expect.arrayContaining([first.length, second.length]));
  }, 90_000);
});
