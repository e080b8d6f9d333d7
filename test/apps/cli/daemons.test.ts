/**
 * `glow` against real daemons: three `glow daemon` processes with their own homes, A and B
 * finding each other by mDNS alone (multicast on loopback: run under netguard), C joining A with
 * `--connect`, and every check made by running the `glow` command as its own process.
 * Waiting for mesh state polls the control channel in-process (fast); what is asserted comes
 * from the CLI.
 */
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PeerValue, ResourceValue, RouteValue, SpawnValue, StatusValue } from '../../../apps/daemon/control.js';
import { EXIT } from '../../../apps/daemon/cli/exitCodes.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { ask, glow, startDaemon, startGlow, stopAll, tempHome, type DaemonProcess } from './glowProcess.js';

// A port of our own for mDNS, so that other daemons on this machine (other test files) stay apart.
const MDNS_PORT = String(20_000 + Math.floor(Math.random() * 40_000));

let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;

/** `glow ARGS --home HOME --json`, parsed; fails the test on a non-zero exit. */
async function glowJson<T>(daemon: DaemonProcess, args: string[]): Promise<T> {
  const result = await glow([...args, '--home', daemon.home, '--json']);
  if (result.code !== 0) throw new Error(`glow ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Every file under `dir` with its size and mtime, to prove a command wrote nothing there. */
async function snapshot(dir: string, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, { [`${prefix}${entry.name}/`]: 'dir' }, await snapshot(path, `${prefix}${entry.name}/`));
    else {
      const info = await stat(path);
      files[`${prefix}${entry.name}`] = `${info.size}@${info.mtimeMs}`;
    }
  }
  return files;
}

beforeAll(async () => {
  const mdns = ['--mdns-port', MDNS_PORT];
  [a, b] = await Promise.all([startDaemon(await tempHome('glow-cli-a-'), [...mdns, '--name', 'alpha']), startDaemon(await tempHome('glow-cli-b-'), mdns)]);
  c = await startDaemon(await tempHome('glow-cli-c-'), ['--no-mdns', '--connect', a.info.link, '--name', 'charlie']);
}, 30_000);

afterAll(async () => {
  await stopAll();
});

describe('glow with three daemons', () => {
  it('links A and B by mDNS alone and C through --connect; routes on B show the other two', async () => {
    await waitFor(
      async () => {
        const routes = await ask<RouteValue[]>(b, { op: 'routes' });
        return [a.info.node, c.info.node].every((node) => routes.some((route) => route.destination === node));
      },
      15_000,
      'B has no routes to both A and C',
      50,
    );
    // Nodes by their device names (B's certificate of C comes with the trust announcements,
    // shortly after the route), and by id with --ids.
    await waitFor(async () => (await glow(['routes', '--home', b.home])).stdout.includes('\ncharlie '), 10_000, 'B never named C in its routes', 50);
    const [routes, routeIds] = await Promise.all([glow(['routes', '--home', b.home]), glow(['routes', '--ids', '--home', b.home])]);
    expect(routes.code).toBe(EXIT.ok);
    const rows = (text: string) => text.trim().split('\n');
    const lines = rows(routes.stdout);
    expect(lines[0]).toMatch(/^DESTINATION +NEXT HOP +METRIC +HOPS$/);
    const row = (all: string[], node: string) => all.find((line) => line.startsWith(`${node} `))?.split(/\s+/);
    expect(row(lines, 'alpha')?.slice(0, 2)).toEqual(['alpha', 'alpha']);
    // C is two hops away from B: through A.
    expect(row(lines, 'charlie')?.[1]).toBe('alpha');
    expect(row(rows(routeIds.stdout), c.info.node)?.slice(0, 2)).toEqual([c.info.node, a.info.node]);

    // B's one link is to A; C, a device of the same user, is listed as reached through A (once
    // B has C's certificate, which the trust announcements bring shortly after the route).
    await waitFor(async () => (await ask<PeerValue[]>(b, { op: 'peers' })).some((peer) => peer.node === c.info.node), 10_000, 'B never listed C as relayed', 50);
    const peers = await glowJson<PeerValue[]>(b, ['peers']);
    expect(peers.filter((peer) => peer.path === 'direct').map((peer) => peer.node)).toEqual([a.info.node]);
    expect(peers[0]!.kind).toBe('websocket');
    expect(peers.find((peer) => peer.node === c.info.node)).toEqual({ node: c.info.node, kind: 'relayed', path: 'relayed', via: a.info.node, name: expect.any(String), rtt: null, bytesIn: 0, bytesOut: 0 });
    const peersTable = await glow(['peers', '--home', b.home]);
    expect(peersTable.code).toBe(EXIT.ok);
    const peerLines = peersTable.stdout.trim().split('\n');
    expect(peerLines[0]).toMatch(/^KIND +NODE +RTT +IN +OUT +PATH$/);
    expect(peerLines).toContainEqual(expect.stringMatching(/^websocket +alpha .* direct$/));
    // The next hop by its device name (A runs with --name alpha).
    expect(peerLines).toContainEqual(expect.stringMatching(/^relayed +charlie +- +0 B +0 B +relayed via alpha$/));
    const status = await glowJson<StatusValue>(a, ['status']);
    expect(status).toMatchObject({ node: a.info.node, name: 'alpha', pid: a.info.pid, http: a.info.http, peers: 2 });
  }, 30_000);

  it('finds a daemon through $GLOW_HOME, or through --daemon URL with --token or $GLOW_TOKEN', async () => {
    const token = (await readFile(join(a.home, 'control.token'), 'utf8')).trim();
    const results = await Promise.all([
      glow(['status', '--json'], { env: { GLOW_HOME: a.home } }),
      glow(['status', '--json', '--daemon', a.info.http, '--token', token]),
      glow(['status', '--json', '--daemon', a.info.http], { env: { GLOW_TOKEN: token } }),
    ]);
    for (const result of results) {
      // The whole result on failure: the exit code alone does not say which way it failed.
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: EXIT.ok });
      expect((JSON.parse(result.stdout) as StatusValue).node).toBe(a.info.node);
    }
  });

  it('reaches a resource on the farthest daemon with glow call, by URI and by name', async () => {
    const spawned = await glowJson<SpawnValue>(c, ['spawn', 'counter', '{"initial":40}', '--name', 'far-counter']);
    expect(spawned).toMatchObject({ kind: 'counter', node: c.info.node, name: 'far-counter' });
    const byUri = await glow(['call', spawned.ref, 'add', '{"by":2}', '--home', b.home]);
    expect(byUri).toMatchObject({ code: EXIT.ok, stdout: '42\n', stderr: '' });
    // Names replicate through the directory; B learns it shortly.
    await waitFor(async () => (await ask<ResourceValue[]>(b, { op: 'ls', node: c.info.node })).some((r) => r.name === 'far-counter'), 5000, 'B never learnt the name', 50);
    expect(await glow(['call', 'far-counter', 'get', '--home', b.home])).toMatchObject({ code: EXIT.ok, stdout: '42\n' });
    // A device by its name; the whole result, so that a failure shows the exit code and stderr too.
    const [ls, lsIds] = await Promise.all([glow(['ls', 'charlie', '--home', b.home]), glow(['ls', c.info.node, '--ids', '--home', b.home])]);
    const local = spawned.ref.split('/').at(-1)!;
    expect(ls).toMatchObject({ code: EXIT.ok, stdout: expect.stringMatching(new RegExp(`\n${local} +glow\\.demo\\.Counter/1 +charlie +- +far-counter\n`)) });
    expect(lsIds).toMatchObject({ code: EXIT.ok, stdout: expect.stringMatching(new RegExp(`${spawned.ref} +glow\\.demo\\.Counter/1 +\\S+ +far-counter`)) });
  });

  it('starts a process on a remote daemon with glow spawn --on', async () => {
    const spawn = await glow(['spawn', 'echo', '--on', 'charlie', '--home', b.home]);
    expect(spawn.code).toBe(EXIT.ok);
    const ref = spawn.stdout.split(/\s+/)[0]!;
    expect(ref).toMatch(new RegExp(`^glow://${c.info.node}/`));
    expect(await glow(['call', ref, 'where', '--home', a.home])).toMatchObject({ code: EXIT.ok, stdout: `${c.info.node}\n` });
    // A stream across two hops, printed item by item; --count stops it early.
    expect(await glow(['stream', ref, 'count', '{"upTo":5}', '--home', a.home])).toMatchObject({ code: EXIT.ok, stdout: '0\n1\n2\n3\n4\n' });
    expect(await glow(['stream', ref, 'count', '{"upTo":1000000}', '--count', '3', '--json', '--home', a.home])).toMatchObject({ code: EXIT.ok, stdout: '0\n1\n2\n' });
    const [tree, treeIds, all] = await Promise.all([glow(['tree', 'charlie', '--home', b.home]), glow(['tree', c.info.node, '--ids', '--home', b.home]), glowJson<ResourceValue[]>(b, ['ls', '--all'])]);
    expect(tree).toMatchObject({ code: EXIT.ok, stdout: expect.stringMatching(new RegExp(`^charlie  \\(\\d+ resources\\)\n[^]*\n +${ref.split('/').at(-1)!}  echo  glow\\.demo\\.Echo/1\n`)) });
    expect(treeIds).toMatchObject({ code: EXIT.ok, stdout: expect.stringContaining(`${ref}  echo  glow.demo.Echo/1`) });
    for (const node of [a.info.node, b.info.node, c.info.node]) expect(all.some((resource) => resource.id === `glow://${node}/node`)).toBe(true);
    expect(all.some((resource) => resource.id === ref)).toBe(true);
  });

  it('gives each bad input one line, a documented exit code, and writes nothing to the home', async () => {
    const before = await snapshot(a.home);
    const cases: [string[], number, RegExp][] = [
      [['frobnicate'], EXIT.usage, /^glow: unknown command 'frobnicate'/],
      [['call', 'far-counter', 'add', '{"by":'], EXIT.usage, /^glow call: .*malformed JSON/],
      [['spawn', 'counter', 'not json'], EXIT.usage, /^glow spawn: .*malformed JSON/],
      [['call', 'no-such-thing', 'get'], EXIT.failed, /^glow call: noproc: /],
      [['describe', 'no-such-thing'], EXIT.failed, /^glow describe: noproc: /],
      [['monitor', 'no-such-thing'], EXIT.failed, /^glow monitor: noproc: /],
      [['call', 'far-counter', 'add', '{"by":"two"}'], EXIT.failed, /^glow call: badarg: .*\[at by\]$/],
      [['call', 'far-counter', 'nosuchmethod'], EXIT.failed, /^glow call: nomethod: /],
      [['spawn', 'no-such-kind'], EXIT.failed, /^glow spawn: (badarg|noproc): /],
      [['spawn', 'counter', '{"initial":"x"}'], EXIT.failed, /^glow spawn: badarg: /],
      [['spawn', 'echo', '--on', 'not-a-node'], EXIT.failed, /^glow spawn: badarg: not a node id/],
      [['status', '--token', 'wrong'], EXIT.unauthorized, /^glow status: unauthorized: /],
    ];
    const results = await Promise.all(cases.map(([args]) => glow([...args, '--home', a.home])));
    cases.forEach(([args, code, message], i) => {
      const result = results[i]!;
      expect({ args, code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({
        args,
        code,
        stderr: expect.stringMatching(new RegExp(`${message.source.replace(/\$$/, '')}[^\\n]*\\n$`)),
        stdout: '',
      });
    });
    expect(await snapshot(a.home)).toEqual(before);
  }, 30_000);

  it('refuses an unreadable home, a second daemon on a home and a busy address, each with its exit code', async () => {
    const dir = await tempHome('glow-cli-bad-');
    const file = join(dir, 'home-is-a-file');
    await writeFile(file, 'just a file\n');
    const corrupt = join(dir, 'corrupt-key');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'node.key'), '{"version":1,"type":"ed25519","secretKey":"AAAA","id":"nope"}\n', { mode: 0o600 });
    const before = await snapshot(dir);

    const aBefore = await snapshot(a.home);
    const busyHttp = new URL(a.info.http).host;
    const [status, daemonOnFile, daemonOnCorrupt, second, busy] = await Promise.all([
      glow(['status', '--home', file]),
      glow(['daemon', '--home', file, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--no-mdns']),
      glow(['daemon', '--home', corrupt, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--no-mdns']),
      glow(['daemon', '--home', a.home, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--no-mdns']),
      glow(['daemon', '--home', await tempHome('glow-cli-busy-'), '--listen', '127.0.0.1:0', '--http', busyHttp, '--no-mdns']),
    ]);
    expect(second.code).toBe(EXIT.running);
    expect(second.stderr).toMatch(/^glow daemon: a daemon is already running[^\n]*\n$/);
    expect(await snapshot(a.home)).toEqual(aBefore);
    expect(busy.code).toBe(EXIT.address);
    expect(busy.stderr).toMatch(/^glow daemon: [^\n]+\n$/);
    expect(status.code).toBe(EXIT.badHome);
    expect(status.stderr).toMatch(/^glow status: cannot read .*not a directory\n$/);
    expect(daemonOnFile.code).toBe(EXIT.badHome);
    expect(daemonOnFile.stderr).toMatch(/^glow daemon: [^\n]+\n$/);
    expect(daemonOnCorrupt.code).toBe(EXIT.badHome);
    expect(daemonOnCorrupt.stderr).toMatch(/^glow daemon: [^\n]*node\.key[^\n]*\n$/);
    expect(await snapshot(dir)).toEqual(before);
    expect(await readFile(file, 'utf8')).toBe('just a file\n');
  }, 30_000);

  it('prints DOWN noconnection within 1.5 s when the daemon holding a monitored resource is SIGKILLed', async () => {
    const target = await glowJson<SpawnValue>(c, ['spawn', 'echo']);
    const persisted = await glowJson<SpawnValue>(c, ['spawn', 'counter', '{"initial":7}', '--persist', '--name', 'kept']);
    expect(persisted.persisted).toBe(true);
    const monitor = startGlow(['monitor', target.ref, '--home', b.home]);
    await monitor.waitFor(`monitoring ${target.ref}`);
    // The monitor is in place (or, if it arrives later, the node is already unreachable): either
    // way the answer is DOWN noconnection.
    const killedAt = Date.now();
    c.child.kill('SIGKILL');
    const result = await within(monitor.done, 5000, 'monitor did not end');
    const elapsed = Date.now() - killedAt;
    expect(result).toMatchObject({ code: EXIT.ok, stdout: 'DOWN noconnection\n' });
    expect(elapsed).toBeLessThan(1500);
    await c.exited;
    // It left its daemon.json behind: the CLI sees that its pid is gone.
    const stale = await glow(['status', '--home', c.home]);
    expect(stale.code).toBe(EXIT.noDaemon);
    expect(stale.stderr).toMatch(/^glow status: no daemon running for .*daemon\.json is stale/);
  });

  it('restarts a SIGKILLed daemon with the same node id and its --persist processes', async () => {
    const node = c.info.node;
    c = await startDaemon(c.home, ['--no-mdns', '--connect', a.info.link]);
    expect(c.info.node).toBe(node);
    const status = await glowJson<StatusValue>(c, ['status']);
    expect(status.node).toBe(node);
    const resources = await glowJson<ResourceValue[]>(c, ['ls']);
    expect(resources.find((resource) => resource.name === 'kept')).toMatchObject({ interface: 'glow.demo.Counter/1' });
    expect(await glow(['call', 'kept', 'get', '--home', c.home])).toMatchObject({ code: EXIT.ok, stdout: '7\n' });
    // The one that was not persisted is gone.
    expect(resources.some((resource) => resource.name === 'far-counter')).toBe(false);
  });

  it('stops a daemon cleanly with glow stop, and then says no daemon runs', async () => {
    const stop = await glow(['stop', '--home', c.home]);
    expect(stop).toMatchObject({ code: EXIT.ok, stdout: 'stopping\n' });
    expect((await within(c.exited, 15_000, 'the daemon did not exit')).code).toBe(0);
    const status = await glow(['status', '--home', c.home]);
    expect(status.code).toBe(EXIT.noDaemon);
    expect(status.stderr).toMatch(/^glow status: no daemon running for /);
  });
});
