import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DaemonProcess, removeHomes, startExpectingFailure, stopAll, tempHome } from './helpers.js';

const running: DaemonProcess[] = [];
afterEach(async () => {
  await stopAll(running.splice(0));
});
afterAll(removeHomes);

async function start(home: string, args: string[] = []): Promise<DaemonProcess> {
  const daemon = await DaemonProcess.start({ home, args });
  running.push(daemon);
  return daemon;
}

async function rootChildren(daemon: DaemonProcess): Promise<{ kind: string; children: { id: string; kind: string }[] }> {
  const tree = await daemon.op<{ processes: { kind: string; children: { id: string; kind: string }[] }[] }>({ op: 'tree' });
  return tree.processes.find((process) => process.kind === 'supervisor')!;
}

test('a --persist process comes back after a restart, under the root supervisor, with its name', async () => {
  const home = await tempHome();
  const first = await start(home);
  const spawned = await first.op({ op: 'spawn', kind: 'counter', args: { initial: 7 }, name: 'kept/counter', persist: true });
  expect(spawned).toMatchObject({ kind: 'counter', name: 'kept/counter', persisted: true, node: first.id });
  expect((await rootChildren(first)).children.map((child) => child.id)).toContain(spawned.ref);
  expect(await first.op({ op: 'call', ref: 'kept/counter', method: 'add', args: { by: 1 } })).toBe(8);
  const record = JSON.parse(await readFile(join(home, 'processes.json'), 'utf8'));
  expect(record.processes).toEqual([expect.objectContaining({ kind: 'counter', args: { initial: 7 }, name: 'kept/counter' })]);

  expect((await first.terminate()).code).toBe(0);
  const second = await start(home);
  // Started again from its recorded args (state lives in the process, not in the record).
  expect(await second.op({ op: 'call', ref: 'kept/counter', method: 'get' })).toBe(7);
  // Beside the daemon's own services (the jobs worker and scheduler, the sync service), started anew each time.
  expect((await rootChildren(second)).children.map((child: { kind: string }) => child.kind)).toEqual(['counter', 'worker', 'jobs', 'syncd']);
  expect(second.lines.some((line) => line.event === 'persist.started')).toBe(true);
});

test('nothing acknowledged is lost to a SIGKILL right after the acknowledgement', async () => {
  const home = await tempHome();
  const first = await start(home);
  await first.op({ op: 'spawn', kind: 'echo', name: 'survivor', persist: true });
  await first.kill();
  const second = await start(home);
  expect(await second.op({ op: 'call', ref: 'survivor', method: 'where' })).toBe(second.id);
});

test('a persisted process is restarted when it ends, and forgotten when it is killed', async () => {
  const home = await tempHome();
  const first = await start(home);
  const { ref } = await first.op({ op: 'spawn', kind: 'counter', name: 'short/lived', persist: true });
  await first.op({ op: 'call', ref, method: 'terminate', args: {} });
  // The root supervisor restarts it (permanent), under its name.
  const restarted = await first.until<{ id: string; name?: string }[]>({ op: 'ls' }, (list) => list.some((r) => r.name === 'short/lived' && r.id !== ref));
  const again = restarted.find((r) => r.name === 'short/lived')!.id;
  // The root supervisor's report of the child's end is in the daemon's log.
  expect(first.lines).toContainEqual(expect.objectContaining({ event: 'supervisor.child_terminated', details: expect.objectContaining({ ref, reason: 'shutdown' }) }));
  expect(await first.op({ op: 'kill', ref: 'short/lived' })).toEqual({ ref: again, reason: 'shutdown' });
  expect(JSON.parse(await readFile(join(home, 'processes.json'), 'utf8')).processes).toEqual([]);
  await first.terminate();
  const second = await start(home);
  expect(await second.control({ op: 'call', ref: 'short/lived', method: 'get' })).toMatchObject({ status: 404, body: { code: 'noproc' } });
});

test('a spawn that fails is not recorded; --persist with --on is refused', async () => {
  const home = await tempHome();
  const daemon = await start(home);
  expect(await daemon.control({ op: 'spawn', kind: 'counter', args: { initial: 'x' }, persist: true })).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await daemon.control({ op: 'spawn', kind: 'nosuch', persist: true })).toMatchObject({ status: 400, body: { code: 'badarg' } });
  expect(await daemon.control({ op: 'spawn', kind: 'echo', persist: true, on: 'A'.repeat(43) })).toMatchObject({ status: 400, body: { code: 'badarg' } });
  const file = await readFile(join(home, 'processes.json'), 'utf8').catch(() => '{"processes":[]}');
  expect(JSON.parse(file).processes).toEqual([]);
});

test('plugins load process kinds: --plugin relative to the current directory, config plugins relative to DIR', async () => {
  const home = await tempHome();
  const withFlag = await start(home, ['--plugin', './test/apps/daemon/fixtures/greeterPlugin.ts']);
  const { ref } = await withFlag.op({ op: 'spawn', kind: 'greeter', args: { greeting: 'hi' } });
  expect(await withFlag.op({ op: 'call', ref, method: 'greet', args: { name: 'ann' } })).toBe('hi ann');
  await withFlag.terminate();

  const configured = await tempHome();
  const plugin = relative(configured, new URL('./fixtures/greeterPlugin.ts', import.meta.url).pathname);
  await writeFile(join(configured, 'config.json'), JSON.stringify({ plugins: [plugin.startsWith('.') ? plugin : `./${plugin}`] }));
  const withConfig = await start(configured);
  expect(withConfig.lines.find((line) => line.event === 'plugin.loaded')).toMatchObject({ kinds: ['greeter'] });
});

test('a plugin that does not load stops the start (exit 2)', async () => {
  const exit = await startExpectingFailure({ home: await tempHome(), args: ['--plugin', './no/such/plugin.ts'] });
  expect(exit.code).toBe(2);
  expect(exit.stderr).toMatch(/^glow daemon: cannot load plugin .*no\/such\/plugin\.ts/);
});
