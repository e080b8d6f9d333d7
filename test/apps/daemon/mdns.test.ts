import { DaemonProcess, freeUdpPort, removeHomes, stopAll, tempHome } from './helpers.js';

// mDNS on 127.0.0.1 with a port of this test's own: it works in netguard's namespace (multicast
// routed to lo) and on a plain host alike, and never meets daemons of other tests.
const running: DaemonProcess[] = [];
afterAll(async () => {
  await stopAll(running);
  await removeHomes();
});

async function start(home: string, port: number): Promise<DaemonProcess> {
  const daemon = await DaemonProcess.start({ home, mdns: true, args: ['--mdns-port', String(port), '--mdns-interface', '127.0.0.1'] });
  running.push(daemon);
  return daemon;
}

const peersOf = (daemon: DaemonProcess) => daemon.op<{ node: string; kind: string }[]>({ op: 'peers' });

test('two daemons find each other by mDNS alone, and only the smaller id dials', async () => {
  const port = await freeUdpPort();
  const reconnect = { reconnect: { initial: 100, max: 1000 } };
  const [homeA, homeB] = [await tempHome(reconnect), await tempHome(reconnect)];
  const a = await start(homeA, port);
  const b = await start(homeB, port);
  await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === b.id), 10000);
  await b.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === a.id), 10000);
  const [smaller, larger] = a.id < b.id ? [a, b] : [b, a];
  expect(smaller.lines.filter((line) => line.event === 'mdns.linked')).toEqual([expect.objectContaining({ peer: larger.id })]);
  expect(larger.lines.filter((line) => line.event === 'mdns.linked')).toEqual([]);
  expect(await peersOf(a)).toEqual([expect.objectContaining({ node: b.id, kind: 'websocket' })]);

  // The larger one restarts (same id, a new ephemeral link port): they find each other again.
  const exit = await larger.terminate();
  expect(exit.code).toBe(0);
  await smaller.until<unknown[]>({ op: 'peers' }, (peers) => peers.length === 0, 5000);
  const again = await start(larger.home, port);
  expect(again.id).toBe(larger.id);
  expect(again.info.link).not.toBe(larger.info.link);
  await smaller.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === again.id), 10000);
}, 40000);
