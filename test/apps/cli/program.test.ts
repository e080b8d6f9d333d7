import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlRequest } from '../../../apps/daemon/control.js';
import type { CliIo } from '../../../apps/daemon/cli/commands/common.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { buildProgram, runCli } from '../../../apps/daemon/cli/program.js';
import { daemonOptions, type DaemonFlags } from '../../../apps/daemon/cli/commands/daemon.js';
import { within } from '../../helpers/waitFor.js';
import { startFakeDaemon, type FakeDaemon } from './fakeDaemon.js';
import { glowInProcess } from './inProcess.js';

const glow = glowInProcess;

const oneLine = (text: string) => text.length > 0 && text.endsWith('\n') && text.indexOf('\n') === text.length - 1;

let fake: FakeDaemon;
let home: string;
const temps: string[] = [];

beforeAll(async () => {
  fake = await startFakeDaemon();
  home = await fake.home();
  temps.push(home);
});

afterAll(async () => {
  await fake.close();
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const answer = (value: unknown) => fake.answer(() => ({ status: 200, body: { ok: true, value } }));
const lastRequest = (): ControlRequest => fake.requests.at(-1)!.body;

describe('glow usage errors (exit 2, one line, no daemon contacted)', () => {
  it.each([
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a misspelt command, with a suggestion on the same line', ['stauts'], /unknown command 'stauts' \(Did you mean status\?\)/],
    ['an unknown option', ['status', '--bogus'], /unknown option '--bogus'/],
    ['a missing argument', ['call', 'counter'], /missing required argument 'method'/],
    ['malformed JSON arguments', ['call', 'counter', 'add', '{by:2}'], /malformed JSON/],
    ['malformed JSON spawn arguments', ['spawn', 'counter', '[1,'], /malformed JSON/],
    ['too many arguments', ['kill', 'a', 'b'], /too many arguments/],
    ['a bad timeout', ['call', 'c', 'm', '{}', '--timeout', 'soon'], /positive number of milliseconds/],
    ['NODE together with --all', ['ls', 'somenode', '--all'], /either NODE or --all/],
    ['a bad daemon URL', ['status', '--daemon', 'ftp://x'], /http: or https: URL/],
    ['a bad --listen', ['daemon', '--listen', 'nowhere'], /expected HOST:PORT/],
    ['a bad --connect', ['daemon', '--connect', 'http://x'], /ws: or wss: URL/],
    ['a bad --log-level', ['daemon', '--log-level', 'loud'], /Allowed choices/],
  ])('refuses %s', async (_what, args, message) => {
    const before = fake.requests.length;
    const result = await glow([...args, '--home', home]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(message);
    expect(oneLine(result.stderr)).toBe(true);
    expect(result.stdout).toBe('');
    expect(fake.requests.length).toBe(before);
  });

  it('prints usage and exits 0 for --help, with the exit-code table at the top level', async () => {
    const top = await glow(['--help']);
    expect(top.code).toBe(EXIT.ok);
    expect(top.stdout).toMatch(/Exit codes:\n {2}0 {2}ok/);
    for (const command of ['daemon', 'status', 'peers', 'routes', 'ls', 'describe', 'call', 'spawn', 'kill', 'monitor', 'tree', 'stop']) {
      const help = await glow([command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toMatch(new RegExp(`^Usage: glow ${command}`));
      expect(help.stdout).toMatch(/--json/);
      expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}ok/);
    }
  });

  it('exits 2 when no command is given', async () => {
    const result = await glow([]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/missing command/);
  });
});

describe('glow finding its daemon', () => {
  it('says no daemon runs (exit 6) for a home without daemon.json, and creates nothing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'glow-cli-empty-'));
    temps.push(empty);
    const result = await glow(['status', '--home', empty]);
    expect(result.code).toBe(EXIT.noDaemon);
    expect(result.stderr).toMatch(/no daemon running for .*glow daemon --home/);
    expect(oneLine(result.stderr)).toBe(true);
    expect(await readdir(empty)).toEqual([]);
    const missing = join(empty, 'not-there');
    expect((await glow(['status', '--home', missing])).code).toBe(EXIT.noDaemon);
    expect(await readdir(empty)).toEqual([]);
  });

  it('uses $GLOW_HOME, then ~/.glow', async () => {
    answer({ node: 'FAKE' });
    expect((await glow(['status', '--json'], { GLOW_HOME: home })).code).toBe(EXIT.ok);
    const result = await glow(['status'], { HOME: '/nonexistent-home' });
    expect(result.code).toBe(EXIT.noDaemon);
    expect(result.stderr).toContain('/nonexistent-home/.glow');
  });

  it('refuses an unusable home (exit 3): a file, a corrupt daemon.json, a directory in its place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glow-cli-bad-'));
    temps.push(dir);
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a home');
    const notDir = await glow(['status', '--home', file]);
    expect(notDir.code).toBe(EXIT.badHome);
    expect(notDir.stderr).toMatch(/not a directory/);

    const corrupt = join(dir, 'corrupt');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'daemon.json'), '{"pid": 1, "http": ');
    expect((await glow(['ls', '--home', corrupt])).stderr).toMatch(/daemon\.json is not valid JSON/);
    await writeFile(join(corrupt, 'daemon.json'), '{"pid": "one"}');
    expect((await glow(['ls', '--home', corrupt])).code).toBe(EXIT.badHome);

    const dirInPlace = join(dir, 'dir-in-place');
    await mkdir(join(dirInPlace, 'daemon.json'), { recursive: true });
    const result = await glow(['peers', '--home', dirInPlace]);
    expect(result.code).toBe(EXIT.badHome);
    expect(oneLine(result.stderr)).toBe(true);
  });

  it('reports a stale daemon.json (its pid is gone) as no daemon, and leaves it for the daemon to clean', async () => {
    const stale = await mkdtemp(join(tmpdir(), 'glow-cli-stale-'));
    temps.push(stale);
    await writeFile(join(stale, 'daemon.json'), JSON.stringify({ pid: 2 ** 22 + 12345, node: 'X', http: fake.url, link: 'ws://x:1', startedAt: 0 }));
    const result = await glow(['status', '--home', stale]);
    expect(result.code).toBe(EXIT.noDaemon);
    expect(result.stderr).toMatch(/stale/);
    expect(await readdir(stale)).toEqual(['daemon.json']);
  });

  it('reports a missing token file as an unusable home', async () => {
    const noToken = await mkdtemp(join(tmpdir(), 'glow-cli-notoken-'));
    temps.push(noToken);
    await writeFile(join(noToken, 'daemon.json'), JSON.stringify({ pid: process.pid, node: 'X', http: fake.url, link: 'ws://x:1', startedAt: 0 }));
    const result = await glow(['status', '--home', noToken]);
    expect(result.code).toBe(EXIT.badHome);
    expect(result.stderr).toMatch(/control\.token/);
  });

  it('talks to --daemon URL with --token or $GLOW_TOKEN, and needs one of them (exit 7)', async () => {
    answer({ node: 'FAKE' });
    expect((await glow(['status', '--daemon', fake.url, '--token', fake.token])).code).toBe(EXIT.ok);
    expect((await glow(['status', '--daemon', fake.url], { GLOW_TOKEN: fake.token })).code).toBe(EXIT.ok);
    const none = await glow(['status', '--daemon', fake.url]);
    expect(none.code).toBe(EXIT.unauthorized);
    expect(none.stderr).toMatch(/--token or set \$GLOW_TOKEN/);
  });

  it('maps a refused token to exit 7', async () => {
    const result = await glow(['status', '--daemon', fake.url, '--token', 'wrong']);
    expect(result.code).toBe(EXIT.unauthorized);
    expect(result.stderr).toBe('glow status: unauthorized: bad token\n');
    expect(fake.requests.at(-1)!.authorization).toBe('Bearer wrong');
  });

  it('maps a closed port and a non-Glow server to exit 6', async () => {
    const closed = await glow(['status', '--daemon', 'http://127.0.0.1:1', '--token', 't']);
    expect(closed.code).toBe(EXIT.noDaemon);
    expect(closed.stderr).toMatch(/connection refused/);

    fake.answer(() => ({ status: 404, body: '<html>not found</html>' }));
    const other = await glow(['status', '--home', home]);
    expect(other.code).toBe(EXIT.noDaemon);
    expect(other.stderr).toMatch(/did not answer as a Glow daemon \(HTTP 404\)/);
  });
});

const DASH_NODE = '-k7etp2bm_PhUr1kUuag0wm6tqBDg1lQlW26l6553SU';

describe('glow requests and answers', () => {
  it('sends each command as its ControlRequest', async () => {
    answer(null);
    const cases: [string[], ControlRequest][] = [
      [['status'], { op: 'status' }],
      [['peers'], { op: 'peers' }],
      [['routes'], { op: 'routes' }],
      [['ls'], { op: 'ls' }],
      [['ls', 'NODEB'], { op: 'ls', node: 'NODEB' }],
      [['ls', '--all'], { op: 'ls', all: true }],
      [['describe', 'glow://A/x'], { op: 'describe', ref: 'glow://A/x' }],
      [['call', 'counter', 'add', '{"by":2}'], { op: 'call', ref: 'counter', method: 'add', args: { by: 2 } }],
      [['call', 'counter', 'get'], { op: 'call', ref: 'counter', method: 'get', args: {} }],
      [['call', 'c', 'm', '[1]', '--timeout', '250'], { op: 'call', ref: 'c', method: 'm', args: [1], timeout: 250 }],
      [['spawn', 'counter'], { op: 'spawn', kind: 'counter' }],
      [
        ['spawn', 'counter', '{"start":5}', '--on', 'NODEB', '--name', 'c1', '--persist'],
        { op: 'spawn', kind: 'counter', args: { start: 5 }, on: 'NODEB', name: 'c1', persist: true },
      ],
      [['kill', 'c1'], { op: 'kill', ref: 'c1' }],
      [['monitor', 'c1', '--timeout', '100'], { op: 'monitor', ref: 'c1', timeout: 100 }],
      [['tree'], { op: 'tree' }],
      [['tree', 'NODEB'], { op: 'tree', node: 'NODEB' }],
      // Node ids are base64url: one in 64 begins with '-', which is not an option.
      [['ls', DASH_NODE], { op: 'ls', node: DASH_NODE }],
      [['tree', DASH_NODE], { op: 'tree', node: DASH_NODE }],
      [['spawn', 'counter', '--on', DASH_NODE], { op: 'spawn', kind: 'counter', on: DASH_NODE }],
      [['ls', `glow://${DASH_NODE}`], { op: 'ls', node: DASH_NODE }],
      [['stop'], { op: 'stop' }],
      [['whoami'], { op: 'whoami' }],
      [['devices'], { op: 'devices' }],
      [['devices', 'ls'], { op: 'devices' }],
      [['devices', 'remove', 'laptop'], { op: 'removeDevice', device: 'laptop' }],
      [['devices', 'remove', DASH_NODE], { op: 'removeDevice', device: DASH_NODE }],
    ];
    for (const [args, request] of cases) {
      const result = await glow([...args, '--home', home]);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: EXIT.ok, stderr: expect.any(String) });
      expect(lastRequest()).toEqual(request);
      expect(fake.requests.at(-1)!.authorization).toBe(`Bearer ${fake.token}`);
    }
  });

  it('prints the raw value as one JSON document with --json', async () => {
    const routes = [{ destination: 'B', nextHop: 'B', metric: 96, hops: 1 }];
    answer(routes);
    const result = await glow(['routes', '--json', '--home', home]);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout)).toEqual(routes);
    answer(undefined);
    expect(JSON.parse((await glow(['kill', 'x', '--json', '--home', home])).stdout)).toBeNull();
  });

  it('prints a call result, and on a Glow error the code and message on one line with exit 1', async () => {
    answer(7);
    expect(await glow(['call', 'counter', 'add', '{"by":2}', '--home', home])).toEqual({ code: EXIT.ok, stdout: '7\n', stderr: '' });

    fake.answer(() => ({ status: 404, body: { ok: false, code: 'noproc', message: 'no resource named "nope"' } }));
    expect(await glow(['call', 'nope', 'add', '--home', home])).toEqual({ code: EXIT.failed, stdout: '', stderr: 'glow call: noproc: no resource named "nope"\n' });

    const details = { issues: [{ message: 'Invalid type: Expected number but received "two"', path: ['by'] }] };
    fake.answer(() => ({ status: 400, body: { ok: false, code: 'badarg', message: 'arguments do not match the schema: Invalid type', details } }));
    const badarg = await glow(['call', 'counter', 'add', '{"by":"two"}', '--home', home]);
    expect(badarg.code).toBe(EXIT.failed);
    expect(badarg.stderr).toBe('glow call: badarg: arguments do not match the schema: Invalid type [at by]\n');

    const json = await glow(['call', 'counter', 'add', '{"by":"two"}', '--json', '--home', home]);
    expect(json.code).toBe(EXIT.failed);
    expect(JSON.parse(json.stderr)).toEqual({ code: 'badarg', message: 'arguments do not match the schema: Invalid type', details });
  });

  it('keeps a multi-line error message from the daemon on one line', async () => {
    fake.answer(() => ({ status: 500, body: { ok: false, code: 'crashed', message: 'boom\n    at handler (x.ts:1)' } }));
    const result = await glow(['call', 'c', 'm', '--home', home]);
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toBe('glow call: crashed: boom at handler (x.ts:1)\n');
  });

  it('prints DOWN with the reason, and says on stderr that it waits once the daemon holds the request', async () => {
    answer({ ref: 'glow://C/p1', reason: 'noconnection' });
    expect(await glow(['monitor', 'glow://C/p1', '--home', home])).toEqual({ code: EXIT.ok, stdout: 'DOWN noconnection\n', stderr: '' });

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.answer(() => 'hang');
    const io: CliIo = { stdout: () => undefined, stderr: (text) => (text.startsWith('monitoring') ? release() : undefined), env: {} };
    const pending = runCli(['monitor', 'glow://C/p1', '--home', home, '--timeout', '5000'], io);
    await within(held, 2000, 'monitor never said it was waiting');
    await fake.close();
    expect(await pending).toBe(EXIT.noDaemon);
    fake = await startFakeDaemon();
    home = await fake.home();
    temps.push(home);
  });
});

describe('glow daemon flags', () => {
  /** Parses `glow daemon ARGS` and returns the DaemonOptions it would start with. */
  async function options(args: string[]) {
    const program = buildProgram({ stdout: () => undefined, stderr: () => undefined, env: {} });
    const daemon = program.commands.find((command) => command.name() === 'daemon')!;
    let captured: unknown;
    daemon.action((flags: DaemonFlags, command: typeof daemon) => {
      captured = daemonOptions(flags, (key) => command.getOptionValueSource(key));
    });
    await program.parseAsync(['daemon', ...args], { from: 'user' });
    return captured;
  }

  it('passes nothing the user did not give, so that config.json applies', async () => {
    expect(await options([])).toEqual({});
  });

  it('maps every flag onto the daemon options', async () => {
    expect(
      await options([
        '--home', '/tmp/h', '--listen', '0.0.0.0:7001', '--http', '127.0.0.1:0',
        '--signaling', 'ws://s1:8787', '--signaling', 'wss://s2', '--connect', 'ws://127.0.0.1:7002',
        '--embedded-signaling', '--name', 'laptop', '--no-mdns', '--mdns-interface', '127.0.0.1', '--mdns-port', '5454',
        '--no-web', '--log-level', 'debug', '--plugin', './kinds.ts', '--plugin', 'some-package',
      ]),
    ).toEqual({
      home: '/tmp/h',
      listen: '0.0.0.0:7001',
      http: '127.0.0.1:0',
      signaling: ['ws://s1:8787', 'wss://s2'],
      connect: ['ws://127.0.0.1:7002'],
      embeddedSignaling: true,
      name: 'laptop',
      mdns: false,
      mdnsInterface: '127.0.0.1',
      mdnsPort: 5454,
      web: false,
      logLevel: 'debug',
      plugins: ['./kinds.ts', 'some-package'],
    });
    expect(await options(['--web'])).toEqual({ web: true });
  });
});
