import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startExpectingFailure, tempHome, useDaemons, type StartOptions } from './helpers.js';

const daemons = useDaemons();
const start = (options?: StartOptions) => daemons.start(options);

describe('the identity', () => {
  test('is created once and keeps the node id across restarts', async () => {
    const home = await tempHome();
    const first = await start({ home });
    expect(first.lines.some((line) => line.event === 'identity.created')).toBe(true);
    expect((await first.terminate()).code).toBe(0);
    const second = await start({ home });
    expect(second.id).toBe(first.id);
    expect(second.lines.some((line) => line.event === 'identity.created')).toBe(false);
  });

  test('lives in a key file of mode 0600 (and the control token too)', async () => {
    const daemon = await start();
    expect((await stat(join(daemon.home, 'node.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(daemon.home, 'control.token'))).mode & 0o777).toBe(0o600);
    expect((await stat(daemon.home)).mode & 0o777).toBe(0o700);
  });

  test('a corrupt key file stops the start with one clear line and exit 3, and is left untouched', async () => {
    const home = await tempHome();
    const file = join(home, 'node.key');
    await writeFile(file, '{"version":1,"type":"ed25519","secretKey":"not-a-key","id":"x"}\n', { mode: 0o600 });
    const before = await stat(file);
    const exit = await startExpectingFailure({ home });
    expect(exit.code).toBe(3);
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(/^glow daemon: the key file .*node\.key is corrupt .*left untouched/);
    expect(await readFile(file, 'utf8')).toBe('{"version":1,"type":"ed25519","secretKey":"not-a-key","id":"x"}\n');
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    // Nothing else was left behind: no lock, no daemon.json.
    await expect(stat(join(home, 'daemon.lock'))).rejects.toThrow();
    await expect(stat(join(home, 'daemon.json'))).rejects.toThrow();
  });

  test('a key that does not match the id stored beside it is corrupt too', async () => {
    const home = await tempHome();
    const first = await start({ home });
    await first.terminate();
    const key = JSON.parse(await readFile(join(home, 'node.key'), 'utf8'));
    await writeFile(join(home, 'node.key'), JSON.stringify({ ...key, id: 'A'.repeat(43) }));
    const exit = await startExpectingFailure({ home });
    expect(exit.code).toBe(3);
    expect(exit.stderr).toMatch(/does not match the node id/);
  });
});

describe('daemon.json', () => {
  test('says where the daemon is while it runs, and is removed by SIGTERM within the bound', async () => {
    const daemon = await start({ args: ['--name', 'laptop'] });
    expect(daemon.info).toMatchObject({ pid: daemon.pid, name: 'laptop', node: daemon.id });
    expect(daemon.info.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(daemon.info.link).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const exit = await daemon.terminate();
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(10000);
    expect(daemon.lines.some((line) => line.event === 'daemon.stopped')).toBe(true);
    await expect(stat(join(daemon.home, 'daemon.json'))).rejects.toThrow();
    await expect(stat(join(daemon.home, 'daemon.lock'))).rejects.toThrow();
  });

  test('a second daemon on the same home is refused while the first runs (exit 4)', async () => {
    const first = await start();
    const exit = await startExpectingFailure({ home: first.home });
    expect(exit.code).toBe(4);
    expect(exit.stderr).toMatch(new RegExp(`^glow daemon: a daemon is already running with home .* \\(pid ${first.pid} at http`));
    // The first one is untouched: its daemon.json and token still work.
    expect((await first.control({ op: 'status' })).status).toBe(200);
  });

  test('left behind by a killed daemon, it is detected as stale and replaced', async () => {
    const first = await start();
    await first.kill();
    const stale = JSON.parse(await readFile(join(first.home, 'daemon.json'), 'utf8'));
    expect(stale.pid).toBe(first.pid);
    const second = await start({ home: first.home });
    expect(second.id).toBe(first.id);
    expect(second.info.pid).toBe(second.pid);
    expect(second.lines.find((line) => line.event === 'daemon.stale')).toMatchObject({ pid: first.pid });
  });

  test('a stale one without its lock (pid of an exited process) is replaced too', async () => {
    const home = await tempHome();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(home, 'daemon.json'), JSON.stringify({ pid: dead, node: 'x', http: 'http://127.0.0.1:1', link: 'ws://127.0.0.1:1', startedAt: 0 }));
    const daemon = await start({ home });
    expect(daemon.info.pid).toBe(daemon.pid);
    expect(daemon.lines.find((line) => line.event === 'daemon.stale')).toMatchObject({ pid: dead });
  });

  test('SIGINT stops the daemon like SIGTERM', async () => {
    const daemon = await start();
    const exit = await daemon.terminate(12000, 'SIGINT');
    expect(exit).toMatchObject({ code: 0, signal: null });
    await expect(stat(join(daemon.home, 'daemon.json'))).rejects.toThrow();
  });

  test('the stop request stops the daemon like SIGTERM', async () => {
    const daemon = await start();
    expect(await daemon.op({ op: 'stop' })).toEqual({ stopping: true });
    const exit = await daemon.exited;
    expect(exit.code).toBe(0);
    await expect(stat(join(daemon.home, 'daemon.json'))).rejects.toThrow();
  });
});

describe('bad settings', () => {
  test('an unknown config.json key is a one-line error and exit 2', async () => {
    const home = await tempHome({ lsten: '127.0.0.1:0' });
    const exit = await startExpectingFailure({ home });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^glow daemon: .*config\.json: .*lsten/);
  });

  test('a malformed --listen is a one-line error and exit 2', async () => {
    const home = await tempHome();
    const exit = await startExpectingFailure({ home, args: ['--listen', 'nowhere'] });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^glow daemon: .*--listen.*expected HOST:PORT, got "nowhere".*\n$/);
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('the default HTTP port (7717) falls back to an ephemeral one when it is busy', async () => {
    // Hold 7717 unless something else already does: either way it is busy for the daemon.
    const blocker = createServer();
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve());
      blocker.listen(7717, '127.0.0.1', () => resolve());
    });
    try {
      const daemon = await start({ defaultHttp: true });
      expect(daemon.info.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(daemon.info.http).not.toBe('http://127.0.0.1:7717');
      expect(daemon.lines.some((line) => line.event === 'http.fallback')).toBe(true);
      expect((await daemon.control({ op: 'status' })).status).toBe(200);
    } finally {
      await new Promise((resolve) => (blocker.listening ? blocker.close(resolve) : resolve(undefined)));
    }
  });

  test('an explicit HTTP port in use is exit 5', async () => {
    const first = await start();
    const exit = await startExpectingFailure({ home: await tempHome(), args: ['--http', first.info.http.slice('http://'.length)] });
    expect(exit.code).toBe(5);
    expect(exit.stderr).toMatch(/cannot listen for HTTP/);
  });
});
