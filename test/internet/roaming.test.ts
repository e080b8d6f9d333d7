/**
 * A phone on the road, on the simulated internet: behind the carrier's NAT it reaches the NAS at
 * home through the VPS at once, and punches a direct link through both NATs (both map
 * endpoint-independently). Then it walks into the home LAN (its link moves): calls in flight
 * either complete or fail with a typed error, new calls work within 2 s, and traffic moves to a
 * direct link on the LAN.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerValue } from '../../apps/daemon/control.js';
import { CliError } from '../../apps/daemon/cli/exitCodes.js';
import { stopAll } from '../apps/cli/glowProcess.js';
import { startHostDaemon, type HostDaemon } from '../helpers/internet/hostDaemon.js';
import { buildInternet, type Internet } from '../helpers/internet/internet.js';
import { waitFor } from '../helpers/waitFor.js';

let net: Internet;
let vps: HostDaemon;
let nas: HostDaemon;
let phone: HostDaemon;
let root: string;
let started: number;

const DIRECT = { direct: { initial: 500, max: 2000 } };

beforeAll(async () => {
  net = await buildInternet();
  root = await mkdtemp(join(tmpdir(), 'glow-nas-'));
  await writeFile(join(root, 'holiday.txt'), 'photos from the beach');
  vps = await startHostDaemon(net.vps, { linkPort: 4000, args: ['--tls', '--stun', `${net.vps.address}:3478`] });
  const args = ['--connect', `wss://${net.vps.address}:4000`, '--log-level', 'info'];
  started = performance.now();
  [nas, phone] = await Promise.all([startHostDaemon(net.nas, { args, config: DIRECT }), startHostDaemon(net.phone, { args, config: DIRECT })]);
  await nas.op({ op: 'spawn', kind: 'fs', args: { root }, name: 'nas-files' });
}, 60_000);

afterAll(async () => {
  await stopAll();
  await net?.close();
  await rm(root, { recursive: true, force: true });
});

type Entry = { name: string };
const list = (timeout = 5000) => phone.op<{ entries: Entry[] }>({ op: 'call', ref: 'nas-files', method: 'list', args: { path: '' }, timeout }, timeout + 2000);
const directTo = (other: HostDaemon, kind: string) => (peers: PeerValue[]) => peers.some((peer) => peer.node === other.node && peer.kind === kind);

test('on the road, the phone browses the NAS through the mesh and then over a link punched through both NATs', async () => {
  const firstTry = performance.now();
  const listed = await phone.until<{ entries: Entry[] }>({ op: 'call', ref: 'nas-files', method: 'list', args: { path: '' } }, () => true, 15_000);
  expect(listed.entries.map((entry) => entry.name)).toEqual(['holiday.txt']);
  // The phone's only link is to the VPS: the NAS answered through it.
  expect((await phone.op<PeerValue[]>({ op: 'peers' })).filter((peer) => peer.path === 'direct').map((peer) => peer.node)).toEqual([vps.node]);
  console.log(`roaming: the phone listed the NAS ${(performance.now() - firstTry).toFixed(0)} ms after its first try`);
  await phone.until<PeerValue[]>({ op: 'peers' }, directTo(nas, 'webrtc'), 30_000, 'a direct link phone ↔ NAS through the carrier NAT and the home NAT');
  console.log(`roaming: direct WebRTC link phone ↔ NAS through two NATs ${(performance.now() - firstTry).toFixed(0)} ms after the first call (${(performance.now() - started).toFixed(0)} ms after both daemons started)`);
}, 60_000);

test('walking into the home LAN: calls in flight end with an answer or a typed error, new calls work within 2 s, traffic moves to the LAN', async () => {
  type Outcome = { start: number; end: number; result: string };
  const outcomes: Outcome[] = [];
  const running = new Set<Promise<void>>();
  // A steady load: a new call every 100 ms, each bounded by its own timeout.
  const call = () => {
    const start = performance.now();
    const done = list(3000).then(
      () => 'ok',
      (error: unknown) => (error instanceof CliError && error.code ? error.code : `untyped: ${String(error)}`),
    );
    const tracked = done.then((result) => {
      outcomes.push({ start, end: performance.now(), result });
      running.delete(tracked);
    });
    running.add(tracked);
  };
  const timer = setInterval(call, 100);
  let moved = 0;
  try {
    while (outcomes.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    // The direct link made on the road is the dialler's last `direct.linked` so far; the LAN's is the next.
    const dialler = phone.node < nas.node ? phone : nas;
    const linksBefore = dialler.logLines((line) => line.event === 'direct.linked').length;
    moved = performance.now();
    await net.movePhone('home');
    await waitFor(() => dialler.logLines((line) => line.event === 'direct.linked').length > linksBefore, 30_000, 'a new direct link phone ↔ NAS on the LAN', 50);
    console.log(`roaming: a new direct link phone ↔ NAS on the LAN ${(performance.now() - moved).toFixed(0)} ms after the move`);
    const peers = await phone.until<PeerValue[]>({ op: 'peers' }, directTo(nas, 'webrtc'), 10_000, 'the LAN link among the phone’s peers');
    expect(peers.find((peer) => peer.node === nas.node)?.path).toBe('direct');
    // A little more load over the new link.
    const until = performance.now() + 1000;
    while (performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    clearInterval(timer);
    await Promise.all(running);
  }
  const after = outcomes.filter((outcome) => outcome.start >= moved).sort((a, b) => a.start - b.start);
  const firstOk = after.find((outcome) => outcome.result === 'ok');
  const failures = outcomes.filter((outcome) => outcome.result !== 'ok').map((outcome) => outcome.result);
  console.log(
    `roaming: ${outcomes.length} calls across the move, ${failures.length} failed (${[...new Set(failures)].join(', ') || 'none'}); ` +
      `the first call begun after the move that was answered began ${firstOk ? (firstOk.start - moved).toFixed(0) : '-'} ms after it and took ${firstOk ? (firstOk.end - firstOk.start).toFixed(0) : '-'} ms`,
  );
  // Nothing hangs or fails untyped; every call begun 2 s after the move or later is answered.
  expect(failures.filter((code) => !['timeout', 'noconnection', 'noproc'].includes(code))).toEqual([]);
  expect(after.filter((outcome) => outcome.start >= moved + 2000 && outcome.result !== 'ok')).toEqual([]);
  expect(firstOk).toBeDefined();
}, 90_000);
