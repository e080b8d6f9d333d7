/**
 * The home LAN of the simulated internet: a laptop and a NAS behind one router find each other by
 * mDNS, link directly on their LAN addresses, and keep working together with the home's uplink
 * cut (an offline LAN). Nobody outside the LAN hears them.
 */
import type { PeerValue } from '../../apps/daemon/control.js';
import { stopAll } from '../apps/cli/glowProcess.js';
import { startHostDaemon, type HostDaemon } from '../helpers/internet/hostDaemon.js';
import { buildInternet, type Internet } from '../helpers/internet/internet.js';

let net: Internet;

beforeAll(async () => {
  net = await buildInternet();
}, 30_000);

afterAll(async () => {
  await stopAll();
  await net?.close();
});

const linkedTo = (other: HostDaemon) => (peers: PeerValue[]) => peers.some((peer) => peer.node === other.node && peer.kind === 'websocket');

test('laptop and NAS find each other by mDNS and link directly; with the uplink cut they keep working together', async () => {
  const found = performance.now();
  const [laptop, nas] = await Promise.all([
    startHostDaemon(net.laptop, { args: ['--mdns-interface', net.laptop.address] }),
    startHostDaemon(net.nas, { args: ['--mdns-interface', net.nas.address] }),
  ]);
  await laptop.until<PeerValue[]>({ op: 'peers' }, linkedTo(nas), 20_000, 'the laptop to link to the NAS');
  console.log(`home LAN: laptop and NAS linked by mDNS ${(performance.now() - found).toFixed(0)} ms after both started`);
  // Directly: the NAS is one hop away, on its LAN address.
  const routes = await laptop.op<{ destination: string; nextHop: string }[]>({ op: 'routes' });
  expect(routes.find((route) => route.destination === nas.node)?.nextHop).toBe(nas.node);

  await nas.op({ op: 'spawn', kind: 'counter', args: { initial: 40 }, name: 'nas-counter' });
  expect(await laptop.until<number>({ op: 'call', ref: 'nas-counter', method: 'add', args: { by: 1 } }, () => true, 10_000)).toBe(41);

  net.uplink('home', false);
  try {
    // Offline: what is between the two still works, for as long as the uplink stays cut.
    for (let i = 0; i < 5; i++) expect(await laptop.op<number>({ op: 'call', ref: 'nas-counter', method: 'add', args: { by: 1 } })).toBe(42 + i);
    expect(await laptop.op<PeerValue[]>({ op: 'peers' })).toEqual([expect.objectContaining({ node: nas.node, kind: 'websocket' })]);
  } finally {
    net.uplink('home', true);
  }
}, 60_000);
